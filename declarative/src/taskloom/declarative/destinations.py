"""Where ``ReadStreamOperator`` writes records: a DB-API table, or a JSON Lines file.

Each page is written in one transaction (one ``write`` call), so a run that fails keeps
the pages it committed and none half-written; rerunning it under ``merge`` replaces the
rows it wrote again instead of duplicating them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: JSON schema type -> SQL column type (portable across SQLite, DuckDB, PostgreSQL).
_SQL_TYPES = {
    "integer": "BIGINT",
    "number": "DOUBLE PRECISION",
    "boolean": "BOOLEAN",
    "string": "TEXT",
}


class StreamInfo:
    """What a destination needs to know about the stream it receives."""

    def __init__(
        self, name: str, json_schema: Mapping[str, Any], primary_key: list[list[str]]
    ) -> None:
        self.name = name
        self.json_schema = json_schema
        self.primary_key = primary_key


def _column_type(prop: Any) -> str:
    kinds = prop.get("type") if isinstance(prop, Mapping) else None
    if isinstance(kinds, list):
        kinds = [k for k in kinds if k != "null"]
        kinds = kinds[0] if len(kinds) == 1 else None
    return _SQL_TYPES.get(kinds, "TEXT") if isinstance(kinds, str) else "TEXT"


def _is_string(prop: Any) -> bool:
    kinds = prop.get("type") if isinstance(prop, Mapping) else None
    kinds = [kinds] if isinstance(kinds, str) else list(kinds or ())
    return [k for k in kinds if k != "null"] == ["string"]


def _cell(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, (dict, list)) else value


class Destination:
    """The interface of a destination."""

    def open(self, stream: StreamInfo, mode: str) -> None:
        """Prepare for ``stream`` (create its table); ``mode`` is ``append`` or ``merge``."""

    def write(self, records: list[dict[str, Any]]) -> None:
        """Write one page, atomically."""

    def close(self) -> None:
        """Release connections and files."""


class DbApiDestination(Destination):
    """A table reached through any ``DbApiHook`` connection (SQLite, DuckDB, PostgreSQL, ...).

    :param conn_id: the connection of the database.
    :param table: the table name (default: the stream's name).
    """

    def __init__(self, conn_id: str, table: str | None = None) -> None:
        self.conn_id = conn_id
        self.table = table
        self._conn: Any = None

    def open(self, stream: StreamInfo, mode: str) -> None:
        from taskloom.hooks.base import BaseHook
        from taskloom.hooks.dbapi import DbApiHook

        hook = BaseHook.get_hook(self.conn_id)
        if not isinstance(hook, DbApiHook):
            raise ValueError(
                f"connection {self.conn_id!r} ({type(hook).__name__}) is not a database: a table "
                "destination needs a DbApiHook connection (sqlite, duckdb, postgres, ...)"
            )
        self.hook: DbApiHook = hook
        self.table_name = self.table or stream.name
        props = dict((stream.json_schema or {}).get("properties") or {})
        self.key = [path[0] for path in stream.primary_key]
        if mode == "merge" and not self.key:
            raise ValueError(
                f"stream {stream.name!r} has no primary key, so it cannot be merged: use mode='append'"
            )
        self.columns = list(props) or ["data"]
        for key in self.key:
            if key not in self.columns:
                self.columns.append(key)
        self.raw = not props
        self.mode = mode
        # Columns whose values may be objects or arrays (stored as JSON text).
        self.json_columns = [
            i
            for i, c in enumerate(self.columns)
            if _column_type(props.get(c)) == "TEXT" and not _is_string(props.get(c))
        ]
        q = self._quote
        defs = ", ".join(f"{q(c)} {_column_type(props.get(c))}" for c in self.columns)
        self._conn = self.hook.get_conn()
        cur = self._conn.cursor()
        cur.execute(f"CREATE TABLE IF NOT EXISTS {q(self.table_name)} ({defs})")
        self._conn.commit()
        cur.close()
        ph = self.hook.placeholder
        cols = ", ".join(q(c) for c in self.columns)
        self._insert = f"INSERT INTO {q(self.table_name)} ({cols}) VALUES ({', '.join([ph] * len(self.columns))})"
        where = " AND ".join(f"{q(k)} = {ph}" for k in self.key)
        self._delete = f"DELETE FROM {q(self.table_name)} WHERE {where}" if self.key else ""

    @staticmethod
    def _quote(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def write(self, records: list[dict[str, Any]]) -> None:
        if not records:
            return
        if self.raw:
            rows = [(json.dumps(r), *(_cell(r.get(k)) for k in self.key)) for r in records]
        else:
            rows = self._rows(records)
        cur = self._conn.cursor()
        try:
            if self.mode == "merge":
                # The last record of a key wins, as it would in the API's order.
                unique: dict[tuple[Any, ...], tuple[Any, ...]] = {}
                positions = [self.columns.index(k) for k in self.key]
                for row in rows:
                    unique[tuple(row[i] for i in positions)] = row
                cur.executemany(self._delete, list(unique))
                rows = list(unique.values())
            cur.executemany(self._insert, rows)
            self._conn.commit()
        except BaseException:
            self._conn.rollback()
            raise
        finally:
            cur.close()

    def _rows(self, records: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        """One tuple per record in column order; objects and arrays as JSON text.

        The hot path of a load: only the columns that may hold objects or arrays are
        inspected per value; a record that puts one elsewhere gets the slow, general path.
        """
        columns, dumps, json_columns = self.columns, json.dumps, self.json_columns
        rows: list[tuple[Any, ...]] = []
        for record in records:
            row: list[Any] = list(map(record.get, columns))
            for i in json_columns:
                value = row[i]
                if value.__class__ is dict or value.__class__ is list:
                    row[i] = dumps(value)
            rows.append(tuple(row))
        for built in rows:
            for value in built:
                if value.__class__ is dict or value.__class__ is list:
                    return [tuple(_cell(r.get(c)) for c in columns) for r in records]
        return rows

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class JsonLinesDestination(Destination):
    """A JSON Lines file (one record per line), appended to; each page is flushed to disk."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._file: Any = None

    def open(self, stream: StreamInfo, mode: str) -> None:
        if mode != "append":
            raise ValueError("a JSON Lines destination only appends: use mode='append'")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("a", encoding="utf-8")

    def write(self, records: list[dict[str, Any]]) -> None:
        self._file.write("".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records))
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
