"""Tests for taskloom.db: creation on first use, pragmas, migrations, check and reset."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from taskloom import configuration
from taskloom import store
from taskloom.exceptions import DatabaseSchemaError
from taskloom.store import schema


def test_connect_creates_and_migrates() -> None:
    """The first connect() creates $TASKLOOM_HOME/taskloom.db at the head schema version."""
    conn = store.connect()
    assert (configuration.home() / "taskloom.db").is_file()
    assert schema.current_version(conn) == schema.head_version()
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"connection", "variable", "dag", "dag_run", "task_instance", "xcom"} <= tables
    conn.close()


def test_pragmas() -> None:
    """WAL, NORMAL sync, a busy timeout and foreign keys are on for every connection."""
    conn = store.connect()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    conn.close()


def test_connection_table_matches_contract() -> None:
    """The connection table has the columns engineer 'connections' relies on."""
    conn = store.connect()
    columns = [row["name"] for row in conn.execute("PRAGMA table_info(connection)")]
    assert columns == [
        "conn_id",
        "conn_type",
        "description",
        "host",
        "schema",
        "login",
        "password",
        "port",
        "extra",
    ]
    conn.close()


def test_with_block_is_a_transaction() -> None:
    """Writes in a failing `with conn.transaction():` block are rolled back; a clean block commits."""
    conn = store.connect()

    def failing_block() -> None:
        with conn.transaction():
            conn.execute("INSERT INTO variable(key, val) VALUES ('a', '1')")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        failing_block()
    with conn.transaction():
        conn.execute("INSERT INTO variable(key, val) VALUES ('b', '2')")
    other = store.connect()
    assert [row[0] for row in other.execute("SELECT key FROM variable")] == ["b"]
    conn.close()
    other.close()


def test_database_path_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """[database] path overrides the default location."""
    target = tmp_path / "elsewhere" / "meta.db"
    monkeypatch.setenv("TASKLOOM__DATABASE__PATH", str(target))
    store.connect().close()
    assert target.is_file()


def test_check_reports_behind_and_migrate_fixes() -> None:
    """A DB at an older version is reported behind until migrate() brings it to head."""
    assert store.check() == (0, schema.head_version())
    configuration.home().mkdir(parents=True)
    sqlite3.connect(configuration.home() / "taskloom.db").close()
    assert store.check()[0] == 0
    assert store.migrate() == [m.name for m in schema.migrations("sqlite")]
    assert store.check() == (schema.head_version(), schema.head_version())
    assert store.migrate() == []


def test_newer_db_is_refused() -> None:
    """A DB from a newer taskloom is refused with the fix in the message."""
    store.connect().close()
    raw = sqlite3.connect(configuration.home() / "taskloom.db")
    raw.execute(f"PRAGMA user_version={schema.head_version() + 1}")
    raw.close()
    with pytest.raises(DatabaseSchemaError, match="upgrade taskloom"):
        store.connect()


def test_reset_empties_the_db() -> None:
    """reset() drops every row and leaves a migrated DB."""
    conn = store.connect()
    with conn.transaction():
        conn.execute("INSERT INTO variable(key, val) VALUES ('a', '1')")
    conn.close()
    store.reset()
    conn = store.connect()
    assert conn.execute("SELECT count(*) FROM variable").fetchone()[0] == 0
    conn.close()
