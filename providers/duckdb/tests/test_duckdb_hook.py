"""DuckDBHook against real DuckDB databases, in files and in memory."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from taskloom.exceptions import InvalidConnectionError
from taskloom.exceptions import OptionalDependencyError
from taskloom.hooks.base import BaseHook
from taskloom.providers.duckdb.hooks.duckdb import IN_MEMORY
from taskloom.providers.duckdb.hooks.duckdb import DuckDBHook

DefineConn = Callable[..., None]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"extra": {"path": "/data/a.duckdb"}, "host": "/data/b.duckdb"}, "/data/a.duckdb"),
        ({"host": "/data/b.duckdb", "schema": "c.duckdb"}, "/data/b.duckdb"),
        ({"schema": "c.duckdb"}, "c.duckdb"),
        ({}, IN_MEMORY),
    ],
)
def test_database_precedence(
    duckdb_conn: DefineConn, fields: dict[str, object], expected: str
) -> None:
    """The extra path wins over host, host over schema; nothing means in memory."""
    duckdb_conn(**fields)
    assert DuckDBHook().database == expected


def test_database_from_uri(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The URI forms in the README name the file, and extras parse from the query string."""
    path = tmp_path / "w.duckdb"
    encoded = str(path).replace("/", "%2F")
    monkeypatch.setenv("TASKLOOM_CONN_BY_HOST", f"duckdb://{encoded}")
    monkeypatch.setenv("TASKLOOM_CONN_BY_PATH", f"duckdb:///{path}")
    monkeypatch.setenv("TASKLOOM_CONN_READER", f"duckdb://{encoded}?read_only=true")
    assert DuckDBHook("by_host").database == str(path)
    assert DuckDBHook(duckdb_conn_id="by_path").database == str(path)
    DuckDBHook("by_host").run("CREATE TABLE t AS SELECT 1 AS x")
    assert DuckDBHook("reader").get_records("SELECT x FROM t") == [(1,)]


def test_file_database_keeps_tables(duckdb_conn: DefineConn, tmp_path: Path) -> None:
    """Statements, parameters and inserts persist in the file across hook calls."""
    path = tmp_path / "nested" / "folder" / "w.duckdb"
    duckdb_conn(extra={"path": str(path)})
    hook = DuckDBHook()
    hook.run("CREATE TABLE cities (name VARCHAR PRIMARY KEY, population INTEGER)")
    inserted = hook.insert_rows(
        "cities",
        [("Lisbon", 545000), ("Porto", 232000), ("Braga", 193000)],
        target_fields=["name", "population"],
        commit_every=2,
    )
    assert inserted == 3
    assert path.is_file()
    again = DuckDBHook()
    assert again.get_records(
        "SELECT name FROM cities WHERE population > ? ORDER BY name", parameters=[200000]
    ) == [
        ("Lisbon",),
        ("Porto",),
    ]
    assert again.get_first("SELECT count(*), sum(population) FROM cities") == (3, 970000)


def test_insert_rows_replace(duckdb_conn: DefineConn, tmp_path: Path) -> None:
    """replace=True overwrites rows with the same primary key (INSERT OR REPLACE)."""
    duckdb_conn(host=str(tmp_path / "w.duckdb"))
    hook = DuckDBHook()
    hook.run("CREATE TABLE kv (k VARCHAR PRIMARY KEY, v INTEGER)")
    hook.insert_rows("kv", [("a", 1), ("b", 2)])
    hook.insert_rows("kv", [("a", 10)], replace=True)
    assert hook.get_records("SELECT k, v FROM kv ORDER BY k") == [("a", 10), ("b", 2)]


def test_split_statements_script(duckdb_conn: DefineConn, tmp_path: Path) -> None:
    """A script runs statement by statement on one connection; the last result is returned."""
    duckdb_conn(host=str(tmp_path / "w.duckdb"))
    result = DuckDBHook().run(
        "CREATE TABLE s (x INTEGER); INSERT INTO s VALUES (1), (2); SELECT sum(x) FROM s;",
        split_statements=True,
        handler=lambda cursor: cursor.fetchall(),
    )
    assert result == [(3,)]


def test_failed_script_rolls_back(duckdb_conn: DefineConn, tmp_path: Path) -> None:
    """A failing statement rolls back the statements before it in the same run."""
    duckdb_conn(host=str(tmp_path / "w.duckdb"))
    hook = DuckDBHook()
    hook.run("CREATE TABLE r (x INTEGER)")
    with pytest.raises(duckdb.Error, match="no_such_table"):
        hook.run(["INSERT INTO r VALUES (1)", "SELECT * FROM no_such_table"])
    assert hook.get_first("SELECT count(*) FROM r") == (0,)


def test_in_memory_database_is_private(duckdb_conn: DefineConn) -> None:
    """An in-memory database lives as long as one connection: the next call starts empty."""
    duckdb_conn()
    hook = DuckDBHook()
    assert hook.get_records("SELECT 40 + 2") == [(42,)]
    hook.run("CREATE TABLE gone AS SELECT 1 AS x")
    with pytest.raises(duckdb.CatalogException, match="gone"):
        hook.get_records("SELECT * FROM gone")


def test_read_only(duckdb_conn: DefineConn, tmp_path: Path) -> None:
    """A read-only connection reads the file and refuses writes."""
    path = tmp_path / "w.duckdb"
    duckdb_conn(extra={"path": str(path)})
    DuckDBHook().run("CREATE TABLE t AS SELECT 7 AS x")
    duckdb_conn("reader", extra={"path": str(path), "read_only": "true"})
    reader = DuckDBHook("reader")
    assert reader.get_records("SELECT x FROM t") == [(7,)]
    with pytest.raises(duckdb.Error, match="read-only"):
        reader.run("INSERT INTO t VALUES (8)")


def test_read_only_missing_file(duckdb_conn: DefineConn, tmp_path: Path) -> None:
    """Read-only on a file that does not exist names the file and the fix."""
    missing = tmp_path / "missing.duckdb"
    duckdb_conn("reader", host=str(missing), extra={"read_only": True})
    with pytest.raises(
        InvalidConnectionError, match="does not exist and 'read_only' is set"
    ) as info:
        DuckDBHook("reader").get_records("SELECT 1")
    assert "'reader'" in str(info.value)
    assert not missing.exists()


def test_config_extra(duckdb_conn: DefineConn, monkeypatch: pytest.MonkeyPatch) -> None:
    """The config extra reaches DuckDB, as an object or as JSON text (URI query form)."""
    duckdb_conn(extra={"config": {"threads": 1, "default_order": "desc"}})
    assert DuckDBHook().get_first("SELECT current_setting('threads')") == (1,)
    monkeypatch.setenv("TASKLOOM_CONN_FROM_URI", "duckdb://?config=%7B%22threads%22%3A%203%7D")
    assert DuckDBHook("from_uri").get_first("SELECT current_setting('threads')") == (3,)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"read_only": "maybe"}, "extra 'read_only' must be true or false, got 'maybe'"),
        ({"config": "[1, 2]"}, "extra 'config' must be a JSON object"),
        ({"config": "{not json"}, "extra 'config' must be a JSON object"),
    ],
)
def test_bad_extras(duckdb_conn: DefineConn, extra: dict[str, object], message: str) -> None:
    """Unusable extras raise an error naming the connection, the extra and the fix."""
    duckdb_conn("bad", extra=extra)
    with pytest.raises(InvalidConnectionError, match=message) as info:
        DuckDBHook("bad").get_records("SELECT 1")
    assert str(info.value).startswith("connection 'bad': ")


def test_get_df_pandas(duckdb_conn: DefineConn) -> None:
    """get_df builds a pandas frame with DuckDB's own conversion, with parameters."""
    duckdb_conn()
    frame = DuckDBHook().get_df(
        "SELECT range AS n, 'x' || range AS label FROM range(?)", parameters=[4]
    )
    assert type(frame).__module__.startswith("pandas")
    assert list(frame.columns) == ["n", "label"]
    assert frame["n"].tolist() == [0, 1, 2, 3]
    assert frame["label"].tolist() == ["x0", "x1", "x2", "x3"]


def test_get_df_polars(duckdb_conn: DefineConn, tmp_path: Path) -> None:
    """get_df builds a polars frame from a table in a file."""
    duckdb_conn(host=str(tmp_path / "w.duckdb"))
    hook = DuckDBHook()
    hook.run("CREATE TABLE t AS SELECT range AS n, range * 1.5 AS half FROM range(3)")
    frame = hook.get_df("SELECT * FROM t ORDER BY n", df_type="polars")
    assert type(frame).__module__.startswith("polars")
    assert frame.columns == ["n", "half"]
    assert frame["half"].to_list() == [0.0, 1.5, 3.0]
    assert hook.get_polars_df("SELECT count(*) AS c FROM t")["c"].to_list() == [3]


def test_get_df_errors(duckdb_conn: DefineConn, monkeypatch: pytest.MonkeyPatch) -> None:
    """A missing library names the extra to install; a bad df_type is refused."""
    duckdb_conn()
    hook = DuckDBHook()
    monkeypatch.setitem(sys.modules, "polars", None)
    with pytest.raises(OptionalDependencyError, match=r"taskloom-provider-duckdb\[polars\]"):
        hook.get_df("SELECT 1", df_type="polars")
    with pytest.raises(ValueError, match="df_type must be 'pandas' or 'polars', got 'arrow'"):
        hook.get_df("SELECT 1", df_type="arrow")  # type: ignore[arg-type]


def test_get_uri(duckdb_conn: DefineConn) -> None:
    """get_uri is the SQLAlchemy (duckdb_engine) form of the database."""
    duckdb_conn(extra={"path": "/data/w.duckdb"})
    assert DuckDBHook().get_uri() == "duckdb:////data/w.duckdb"
    duckdb_conn("memory")
    assert DuckDBHook("memory").get_uri() == "duckdb:///:memory:"


def test_test_connection(duckdb_conn: DefineConn, tmp_path: Path) -> None:
    """test_connection runs a query on the real database."""
    duckdb_conn(host=str(tmp_path / "w.duckdb"))
    ok, message = DuckDBHook().test_connection()
    assert ok, message


def test_get_hook_resolves_through_registry(duckdb_conn: DefineConn) -> None:
    """Core finds DuckDBHook for conn_type duckdb through the provider's metadata."""
    duckdb_conn("warehouse")
    hook = BaseHook.get_hook("warehouse")
    assert isinstance(hook, DuckDBHook)
    assert hook.get_conn_id() == "warehouse"
