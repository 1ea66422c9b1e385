"""Tests for taskloom.hooks.dbapi: the generic SQL hook, on a minimal provider-style hook over sqlite3."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from taskloom.exceptions import OptionalDependencyError
from taskloom.hooks.dbapi import DbApiHook
from taskloom.hooks.dbapi import fetch_all_handler
from taskloom.hooks.dbapi import fetch_one_handler
from taskloom.hooks.dbapi import split_sql_string
from taskloom.models.connection import Connection


class MinimalHook(DbApiHook):
    """What a provider writes: get_conn and its placeholder -- nothing else."""

    conn_name_attr: ClassVar[str] = "minimal_conn_id"
    default_conn_name: ClassVar[str] = "minimal_default"
    conn_type: ClassVar[str] = "minimal"
    hook_name: ClassVar[str] = "Minimal"
    placeholder: ClassVar[str] = "?"

    #: Every driver connection opened, to check that none is left open.
    opened: ClassVar[list[sqlite3.Connection]] = []

    def get_conn(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.connection.host or ":memory:")
        MinimalHook.opened.append(conn)
        return conn


def _is_closed(conn: sqlite3.Connection) -> bool:
    try:
        conn.execute("SELECT 1")
    except sqlite3.ProgrammingError:
        return True
    return False


@pytest.fixture
def hook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MinimalHook]:
    """A MinimalHook on a fresh SQLite file with a table t(a INTEGER, b TEXT); checks no connection leaks."""
    monkeypatch.setenv(
        "TASKLOOM_CONN_MINIMAL_DEFAULT",
        f"minimal://{str(tmp_path / 'db.sqlite').replace('/', '%2F')}",
    )
    MinimalHook.opened.clear()
    hook = MinimalHook()
    hook.run("CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT)")
    yield hook
    assert MinimalHook.opened
    assert all(map(_is_closed, MinimalHook.opened)), "a connection was left open"


def test_conn_id_positional_keyword_and_default() -> None:
    """The conn id comes from the first argument, the conn_name_attr keyword, or the default."""
    assert MinimalHook("a").get_conn_id() == "a"
    assert MinimalHook(minimal_conn_id="b").get_conn_id() == "b"
    assert MinimalHook().get_conn_id() == "minimal_default"
    with pytest.raises(TypeError, match="unexpected arguments: bogus"):
        MinimalHook(bogus=1)


def test_run_single_statement_and_records(hook: MinimalHook) -> None:
    """run() with a handler returns rows as tuples; get_records and get_first read them."""
    hook.run("INSERT INTO t VALUES (?, ?)", parameters=(1, "one"))
    hook.run("INSERT INTO t VALUES (:a, :b)", parameters={"a": 2, "b": "two"})
    assert hook.get_records("SELECT a, b FROM t ORDER BY a") == [(1, "one"), (2, "two")]
    assert hook.get_first("SELECT count(*) FROM t") == (2,)
    assert hook.get_first("SELECT a FROM t WHERE a > 5") is None
    assert hook.run("SELECT b FROM t WHERE a = ?", parameters=(2,), handler=fetch_all_handler) == [
        ("two",)
    ]
    assert hook.descriptions[0] is not None
    assert hook.descriptions[0][0][0] == "b"


def test_run_split_statements_and_return_last(hook: MinimalHook) -> None:
    """A script is split on ';' (not inside quotes or comments); return_last picks one result or all."""
    script = "INSERT INTO t VALUES (1, 'a;b'); -- a comment; with semicolon\nSELECT b FROM t; SELECT count(*) FROM t;"
    assert hook.run(script, split_statements=True, handler=fetch_all_handler) == [(1,)]
    hook.run("DELETE FROM t")
    results = hook.run(script, split_statements=True, handler=fetch_all_handler, return_last=False)
    assert results == [None, [("a;b",)], [(1,)]]
    assert len(hook.descriptions) == 3
    assert hook.run(["SELECT 1", "SELECT 2"], handler=fetch_one_handler) == [(1,), (2,)]


def test_run_is_one_transaction(hook: MinimalHook) -> None:
    """A failing statement rolls back the statements before it in the same run()."""
    with pytest.raises(sqlite3.IntegrityError):
        hook.run(["INSERT INTO t VALUES (1, 'x')", "INSERT INTO t VALUES (1, 'dup')"])
    assert hook.get_records("SELECT * FROM t") == []


def test_run_rejects_empty_sql(hook: MinimalHook) -> None:
    """Empty SQL (or only comments) is an error, not a silent no-op."""
    with pytest.raises(ValueError, match="no SQL statement to run"):
        hook.run("  ")
    with pytest.raises(ValueError, match="no SQL statement to run"):
        hook.run("-- nothing;", split_statements=True)


def test_insert_rows_batches_and_replace(hook: MinimalHook) -> None:
    """insert_rows commits in batches (row by row without executemany) and replaces with replace=True."""
    rows = ((i, f"v{i}") for i in range(7))
    assert hook.insert_rows("t", rows, target_fields=["a", "b"], commit_every=3) == 7
    assert hook.get_first("SELECT count(*) FROM t") == (7,)
    with pytest.raises(sqlite3.IntegrityError):
        hook.insert_rows("t", [(1, "again")])
    # SQLite also understands REPLACE INTO, the generic default.
    assert hook.insert_rows("t", [(1, "new")], replace=True, executemany=True) == 1
    assert hook.get_first("SELECT b FROM t WHERE a = 1") == ("new",)
    with pytest.raises(ValueError, match="commit_every must be 0 or more"):
        hook.insert_rows("t", [], commit_every=-1)


def test_insert_rows_keeps_committed_batches_on_failure(hook: MinimalHook) -> None:
    """Batches committed before a failing batch stay; the failing batch is rolled back."""
    rows = [(1, "a"), (2, "b"), (3, "c"), (1, "dup")]
    with pytest.raises(sqlite3.IntegrityError):
        hook.insert_rows("t", rows, commit_every=2)
    assert hook.get_records("SELECT a FROM t ORDER BY a") == [(1,), (2,)]


def test_generated_sql_quotes_identifiers(hook: MinimalHook) -> None:
    """Reserved words and odd column names are quoted with the dialect's quote character."""
    assert hook.quote_identifier("plain") == "plain"
    assert hook.quote_identifier("order") == '"order"'
    assert hook.quote_identifier('we"ird col') == '"we""ird col"'
    sql = hook._generate_insert_sql("t", (1, 2), ["a", "select"], replace=False)
    assert sql == 'INSERT INTO t (a, "select") VALUES (?, ?)'
    hook.run("SELECT 1")


def test_get_cursor_closes_its_connection(hook: MinimalHook) -> None:
    """The cursor from get_cursor closes its connection when it is closed."""
    with hook.get_cursor() as cursor:
        cursor.execute("SELECT 42")
        assert cursor.fetchone() == (42,)
    assert _is_closed(MinimalHook.opened[-1])


def test_connection_context_closes_on_error(hook: MinimalHook) -> None:
    """connection_context closes the connection even when the block raises."""
    with pytest.raises(RuntimeError), hook.connection_context():
        raise RuntimeError("boom")
    assert _is_closed(MinimalHook.opened[-1])


def test_get_uri_and_schema_override(
    hook: MinimalHook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """get_uri writes the connection, with the hook's schema when one is given."""
    monkeypatch.chdir(tmp_path)  # the run below opens the SQLite file "h", relative to here
    hook.connection = Connection(
        conn_id="x", conn_type="minimal", host="h", login="u", password="p@ss", schema="db"
    )
    assert hook.get_uri() == "minimal://u:p%40ss@h/db"
    other = MinimalHook(schema="other")
    other.connection = hook.connection
    assert other.get_uri() == "minimal://u:p%40ss@h/other"
    hook.run("SELECT 1")


def test_test_connection(hook: MinimalHook, tmp_path: Path) -> None:
    """test_connection reports success, and a failure as (False, message) without raising."""
    ok, message = hook.test_connection()
    assert ok
    assert "SELECT 1 succeeded" in message
    broken = MinimalHook()
    broken.connection = Connection(
        conn_id="x", conn_type="minimal", host=str(tmp_path / "no" / "dir" / "db")
    )
    ok, message = broken.test_connection()
    assert not ok
    assert "OperationalError" in message


def test_data_frames(hook: MinimalHook) -> None:
    """get_df returns pandas and polars frames with the query's columns."""
    hook.insert_rows("t", [(1, "x"), (2, "y")])
    pandas_df = hook.get_pandas_df("SELECT a, b FROM t ORDER BY a")
    assert list(pandas_df.columns) == ["a", "b"]
    assert pandas_df["b"].tolist() == ["x", "y"]
    polars_df = hook.get_polars_df("SELECT a, b FROM t WHERE a > ?", parameters=(1,))
    assert polars_df.columns == ["a", "b"]
    assert polars_df.to_dicts() == [{"a": 2, "b": "y"}]
    with pytest.raises(ValueError, match="df_type must be 'pandas' or 'polars'"):
        hook.get_df("SELECT 1", df_type="arrow")  # type: ignore[arg-type]


def test_data_frame_library_missing(hook: MinimalHook, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without pandas, get_df says which package to install."""
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(
        OptionalDependencyError, match=r"needs the 'pandas' package.*pip install pandas"
    ):
        hook.get_pandas_df("SELECT 1")
    hook.run("SELECT 1")


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("SELECT 1; SELECT 2", ["SELECT 1", "SELECT 2"]),
        ("SELECT ';'; SELECT \"a;b\"", ["SELECT ';'", 'SELECT "a;b"']),
        ("SELECT 'it''s; fine'", ["SELECT 'it''s; fine'"]),
        ("/* a; b */ SELECT 1;;", ["/* a; b */ SELECT 1"]),
        ("-- only a comment;\n", []),
        (
            "CREATE FUNCTION f() AS $$ BEGIN; END; $$; SELECT 1",
            ["CREATE FUNCTION f() AS $$ BEGIN; END; $$", "SELECT 1"],
        ),
        ("SELECT $tag$;$tag$", ["SELECT $tag$;$tag$"]),
    ],
)
def test_split_sql_string(script: str, expected: list[str]) -> None:
    """Statements split on ';' outside quotes, comments and dollar quotes."""
    assert split_sql_string(script) == expected


def test_get_conn_is_required() -> None:
    """A hook that does not implement get_conn says so."""

    class Incomplete(DbApiHook):
        pass

    with pytest.raises(NotImplementedError, match="must implement get_conn"):
        Incomplete().get_conn()


def test_strip_sql_string() -> None:
    """strip_sql_string removes whitespace and a trailing semicolon."""
    assert DbApiHook.strip_sql_string("  SELECT 1 ;  ") == "SELECT 1"
