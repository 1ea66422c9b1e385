"""DuckDBConnection: PEP 249 transactions over a real DuckDB connection."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from taskloom.providers.duckdb.dbapi import DuckDBConnection
from taskloom.providers.duckdb.hooks.duckdb import DuckDBHook


def test_statements_wait_for_commit(tmp_path: Path) -> None:
    """Statements on a cursor join one transaction that rollback undoes and commit keeps."""
    path = str(tmp_path / "t.duckdb")
    with DuckDBConnection(duckdb.connect(path)) as conn:
        cursor = conn.cursor()
        cursor.execute("CREATE TABLE t (x INTEGER)")
        conn.commit()
        cursor.execute("INSERT INTO t VALUES (1)")
        conn.rollback()
        cursor.executemany("INSERT INTO t VALUES (?)", [(2,), (3,)])
        conn.commit()
        conn.rollback()  # nothing open: a no-op, unlike DuckDB's own rollback
        cursor.execute("SELECT x FROM t ORDER BY x")
        assert [column[0] for column in cursor.description] == ["x"]
        assert cursor.fetchone() == (2,)
        assert list(cursor) == [(3,)]
    with DuckDBConnection(duckdb.connect(path)) as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchall() == [(2,)]


def test_close_rolls_back_open_transaction(tmp_path: Path) -> None:
    """Closing with a transaction open drops its changes."""
    path = str(tmp_path / "t.duckdb")
    conn = DuckDBConnection(duckdb.connect(path))
    conn.execute("CREATE TABLE t (x INTEGER)")
    conn.close()
    with DuckDBConnection(duckdb.connect(path)) as again:
        assert again.execute("SELECT count(*) FROM information_schema.tables").fetchall() == [(0,)]


def test_fetchmany_and_duckdb_methods() -> None:
    """fetchmany honours its size; DuckDB's own methods stay reachable."""
    with DuckDBConnection(duckdb.connect()) as conn:
        cursor = conn.cursor().execute("SELECT * FROM range(5)")
        assert cursor.fetchmany(2) == [(0,), (1,)]
        assert cursor.fetchmany() == [(2,)]
        assert cursor.fetchall() == [(3,), (4,)]
        assert cursor.rowcount == -1
        assert conn.sql("SELECT 42").fetchall() == [(42,)]


def test_hook_autocommit(duckdb_conn: Callable[..., None], tmp_path: Path) -> None:
    """With autocommit each statement stays even when a later one fails; without, none does."""
    duckdb_conn(host=str(tmp_path / "w.duckdb"))
    hook = DuckDBHook()
    hook.run("CREATE TABLE a (x INTEGER)")
    with pytest.raises(duckdb.Error):
        hook.run(["INSERT INTO a VALUES (1)", "INSERT INTO missing VALUES (1)"], autocommit=True)
    with pytest.raises(duckdb.Error):
        hook.run(["INSERT INTO a VALUES (2)", "INSERT INTO missing VALUES (1)"])
    assert hook.get_records("SELECT x FROM a") == [(1,)]
