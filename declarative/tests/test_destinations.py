"""Destinations: tables through DbApiHook connections (SQLite, DuckDB, PostgreSQL) and JSON Lines files."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from taskloom.declarative.destinations import DbApiDestination
from taskloom.declarative.destinations import JsonLinesDestination
from taskloom.declarative.destinations import StreamInfo
from taskloom_testing.postgres import PostgresServer
from taskloom_testing.postgres import postgres_server  # noqa: F401  (fixture)

SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": ["string", "null"]},
        "score": {"type": "number"},
        "done": {"type": "boolean"},
        "labels": {"type": "array"},
        "owner": {"type": ["object", "null"]},
    },
}
STREAM = StreamInfo("items", SCHEMA, [["id"]])


def page(ids: range, suffix: str = "") -> list[dict[str, object]]:
    return [
        {
            "id": i,
            "name": f"n{i}{suffix}",
            "score": i / 2,
            "done": i % 2 == 0,
            "labels": ["x"],
            "owner": {"login": "me"},
            "extra": 1,
        }
        for i in ids
    ]


def load(dest: DbApiDestination, mode: str, *pages: list[dict[str, object]]) -> None:
    dest.open(STREAM, mode)
    try:
        for records in pages:
            dest.write(records)
    finally:
        dest.close()


def test_sqlite_merge_replaces_by_key_and_append_adds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Merge twice: no duplicates, newest values; objects and arrays stored as JSON text."""
    monkeypatch.setenv(
        "TASKLOOM_CONN_LITE", json.dumps({"conn_type": "sqlite", "host": str(tmp_path / "t.db")})
    )
    load(DbApiDestination("lite"), "merge", page(range(1, 101)), page(range(101, 151)))
    load(DbApiDestination("lite"), "merge", page(range(140, 161), "-v2"))
    with sqlite3.connect(tmp_path / "t.db") as conn:
        rows = conn.execute("SELECT id, name, labels, owner FROM items ORDER BY id").fetchall()
    assert len(rows) == 160
    assert rows[139] == (140, "n140-v2", '["x"]', '{"login": "me"}')
    load(DbApiDestination("lite", table="log"), "append", page(range(1, 11)), page(range(1, 11)))
    with sqlite3.connect(tmp_path / "t.db") as conn:
        assert conn.execute("SELECT count(*) FROM log").fetchone() == (20,)


def test_a_record_that_breaks_its_schema_is_still_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An object where the schema says string is written as JSON text, not refused by the driver."""
    monkeypatch.setenv(
        "TASKLOOM_CONN_LITE", json.dumps({"conn_type": "sqlite", "host": str(tmp_path / "t.db")})
    )
    odd = page(range(1, 3))
    odd[1]["name"] = {"first": "A"}
    load(DbApiDestination("lite"), "merge", odd)
    with sqlite3.connect(tmp_path / "t.db") as conn:
        assert conn.execute("SELECT name FROM items WHERE id = 2").fetchone() == ('{"first": "A"}',)


def test_merge_needs_a_primary_key_and_a_database_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Clear errors for a keyless merge and for a connection that is not a database."""
    monkeypatch.setenv(
        "TASKLOOM_CONN_LITE", json.dumps({"conn_type": "sqlite", "host": str(tmp_path / "t.db")})
    )
    with pytest.raises(
        ValueError, match="has no primary key, so it cannot be merged: use mode='append'"
    ):
        DbApiDestination("lite").open(StreamInfo("k", SCHEMA, []), "merge")
    monkeypatch.setenv(
        "TASKLOOM_CONN_WEB", json.dumps({"conn_type": "http", "host": "example.com"})
    )
    with pytest.raises(ValueError, match="is not a database"):
        DbApiDestination("web").open(STREAM, "append")


def test_duckdb_merge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same merge through the DuckDB provider's hook."""
    import duckdb

    monkeypatch.setenv(
        "TASKLOOM_CONN_DUCK",
        json.dumps({"conn_type": "duckdb", "extra": {"path": str(tmp_path / "d.duckdb")}}),
    )
    load(DbApiDestination("duck"), "merge", page(range(1, 501)))
    load(DbApiDestination("duck"), "merge", page(range(400, 601), "-v2"))
    with duckdb.connect(str(tmp_path / "d.duckdb")) as conn:
        assert conn.execute("SELECT count(*), count(DISTINCT id) FROM items").fetchone() == (
            600,
            600,
        )
        assert conn.execute("SELECT name, done FROM items WHERE id = 400").fetchone() == (
            "n400-v2",
            True,
        )


def test_postgres_merge(postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """The same merge through the PostgreSQL provider's hook, on a real server."""
    monkeypatch.setenv("TASKLOOM_CONN_PG", postgres_server.uri)
    load(DbApiDestination("pg", table="decl_items"), "merge", page(range(1, 301)))
    load(DbApiDestination("pg", table="decl_items"), "merge", page(range(250, 351), "-v2"))
    from taskloom.hooks.base import BaseHook

    hook = BaseHook.get_hook("pg")
    assert hook.get_first("SELECT count(*), count(DISTINCT id) FROM decl_items") == (350, 350)
    assert hook.get_first("SELECT name, score FROM decl_items WHERE id = 300") == ("n300-v2", 150.0)
    hook.run("DROP TABLE decl_items")


def test_json_lines_appends_each_page(tmp_path: Path) -> None:
    """One JSON object per line, appended; merge is refused with the fix."""
    dest = JsonLinesDestination(tmp_path / "out" / "items.jsonl")
    dest.open(STREAM, "append")
    dest.write(page(range(1, 4)))
    dest.write(page(range(4, 6)))
    dest.close()
    lines = (tmp_path / "out" / "items.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == [1, 2, 3, 4, 5]
    with pytest.raises(ValueError, match="only appends: use mode='append'"):
        JsonLinesDestination(tmp_path / "x.jsonl").open(STREAM, "merge")
