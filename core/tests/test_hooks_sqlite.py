"""Tests for taskloom.hooks.sqlite: SqliteHook on real SQLite files."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from taskloom.hooks.base import BaseHook
from taskloom.hooks.sqlite import SqliteHook


@pytest.fixture
def db_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database file named by the connection sqlite_default (host = the file)."""
    path = tmp_path / "data.db"
    monkeypatch.setenv(
        "TASKLOOM_CONN_SQLITE_DEFAULT", f'{{"conn_type": "sqlite", "host": "{path}"}}'
    )
    return path


def test_get_hook_returns_sqlite_hook(db_file: Path) -> None:
    """BaseHook.get_hook resolves conn_type sqlite to SqliteHook through the provider registry."""
    hook = BaseHook.get_hook("sqlite_default")
    assert isinstance(hook, SqliteHook)
    assert hook.database_path() == str(db_file)


def test_round_trip_on_a_file(db_file: Path) -> None:
    """Rows written through the hook are in the file, readable by plain sqlite3."""
    hook = SqliteHook()
    hook.run(
        "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT); CREATE INDEX i ON items(name)",
        split_statements=True,
    )
    assert (
        hook.insert_rows("items", [(i, f"n{i}") for i in range(2500)], target_fields=["id", "name"])
        == 2500
    )
    hook.insert_rows("items", [(1, "replaced")], replace=True)
    with closing(sqlite3.connect(db_file)) as conn:
        assert conn.execute("SELECT count(*), max(id) FROM items").fetchone() == (2500, 2499)
        assert conn.execute("SELECT name FROM items WHERE id = 1").fetchone() == ("replaced",)
    assert hook.get_records("SELECT name FROM items WHERE id < ? ORDER BY id", parameters=(3,)) == [
        ("n0",),
        ("replaced",),
        ("n2",),
    ]


def test_autocommit_statements_outside_transactions(db_file: Path) -> None:
    """autocommit=True runs statements SQLite refuses inside a transaction (VACUUM)."""
    hook = SqliteHook()
    hook.run("CREATE TABLE t (a)")
    hook.run("VACUUM", autocommit=True)
    with pytest.raises(sqlite3.OperationalError, match="VACUUM"):
        hook.run(["INSERT INTO t VALUES (1)", "VACUUM"])


def test_schema_path_and_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """sqlite:////abs/path reads the path from schema; no path means an in-memory database."""
    path = tmp_path / "by-schema.db"
    monkeypatch.setenv("TASKLOOM_CONN_BY_SCHEMA", f"sqlite:///{str(path).replace('/', '%2F')}")
    hook = SqliteHook(sqlite_conn_id="by_schema")
    hook.run("CREATE TABLE x (a)")
    assert path.exists()
    assert hook.get_uri() == f"sqlite:///{path}"
    monkeypatch.setenv("TASKLOOM_CONN_MEM", "sqlite://")
    memory = SqliteHook("mem")
    assert memory.database_path() == ":memory:"
    assert memory.get_uri() == "sqlite://"
    assert memory.get_first("SELECT 6 * 7") == (42,)


def test_file_uri_read_only(db_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file: URI host opens in URI mode, so mode=ro is honoured."""
    SqliteHook().run("CREATE TABLE t (a)")
    monkeypatch.setenv(
        "TASKLOOM_CONN_RO", f'{{"conn_type": "sqlite", "host": "file:{db_file}?mode=ro"}}'
    )
    read_only = SqliteHook("ro")
    assert read_only.get_first("SELECT count(*) FROM t") == (0,)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        read_only.run("INSERT INTO t VALUES (1)")


def test_test_connection(db_file: Path) -> None:
    """test_connection succeeds on a reachable file."""
    assert SqliteHook().test_connection()[0]


def test_data_frame(db_file: Path) -> None:
    """get_df works on SqliteHook with pandas."""
    hook = SqliteHook()
    hook.run("CREATE TABLE t (a INTEGER, b TEXT)")
    hook.insert_rows("t", [(1, "x")])
    assert hook.get_df("SELECT * FROM t").to_dict("records") == [{"a": 1, "b": "x"}]
