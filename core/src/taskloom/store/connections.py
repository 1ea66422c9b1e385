"""The ``connection`` table (password and extra as stored: encrypted when
``[core] fernet_key`` is set)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from taskloom.store.connection import Connection
from taskloom.store.connection import Row

#: The columns of a stored connection, in table order.
COLUMNS = (
    "conn_id",
    "conn_type",
    "description",
    "host",
    "schema",
    "login",
    "password",
    "port",
    "extra",
)

_SELECT = f"SELECT {', '.join(COLUMNS)} FROM connection"


def get(conn: Connection, conn_id: str) -> Row | None:
    """The row of ``conn_id`` (:data:`COLUMNS`), or ``None``."""
    return conn.execute(f"{_SELECT} WHERE conn_id = ?", (conn_id,)).fetchone()  # type: ignore[no-any-return]


def all_rows(conn: Connection) -> list[Row]:
    """Every stored connection (:data:`COLUMNS`), by conn_id."""
    return conn.execute(f"{_SELECT} ORDER BY conn_id").fetchall()


def put(conn: Connection, values: Sequence[Any], *, overwrite: bool) -> bool:
    """Insert a connection (``values`` in :data:`COLUMNS` order); an existing conn_id is
    replaced when ``overwrite``, else kept.  Whether a row was written."""
    if overwrite:
        updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:])
        conflict = f"DO UPDATE SET {updates}"
    else:
        conflict = "DO NOTHING"
    placeholders = ", ".join("?" * len(COLUMNS))
    cursor = conn.execute(
        f"INSERT INTO connection ({', '.join(COLUMNS)}) VALUES ({placeholders}) "
        f"ON CONFLICT(conn_id) {conflict}",
        values,
    )
    return cursor.rowcount > 0


def delete(conn: Connection, conn_id: str) -> bool:
    """Delete ``conn_id``; whether it existed."""
    return conn.execute("DELETE FROM connection WHERE conn_id = ?", (conn_id,)).rowcount > 0


def secrets(conn: Connection) -> list[Row]:
    """``(conn_id, password, extra)`` of every connection (for re-encryption)."""
    return conn.execute("SELECT conn_id, password, extra FROM connection").fetchall()


def set_secrets(conn: Connection, values: list[tuple[str | None, str | None, str]]) -> None:
    """Replace the stored ``(password, extra, conn_id)`` of each connection."""
    conn.executemany("UPDATE connection SET password = ?, extra = ? WHERE conn_id = ?", values)
