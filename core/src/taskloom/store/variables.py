"""The ``variable`` table (values as stored: encrypted when ``[core] fernet_key`` is set)."""

from __future__ import annotations

from taskloom.store.connection import Connection
from taskloom.store.connection import Row


def put(conn: Connection, key: str, value: str | None, description: str | None) -> None:
    """Create or replace ``key``; a ``None`` description keeps the stored one."""
    conn.execute(
        "INSERT INTO variable(key, val, description) VALUES (?, ?, ?) "
        "ON CONFLICT(key) DO UPDATE SET val = excluded.val, "
        "description = coalesce(excluded.description, variable.description)",
        (key, value, description),
    )


def get(conn: Connection, key: str) -> str | None:
    """The stored value of ``key``, or ``None``."""
    row = conn.execute("SELECT val FROM variable WHERE key = ?", (key,)).fetchone()
    return None if row is None else row[0]


def delete(conn: Connection, key: str) -> bool:
    """Delete ``key``; whether it existed."""
    return conn.execute("DELETE FROM variable WHERE key = ?", (key,)).rowcount > 0


def all_rows(conn: Connection) -> list[Row]:
    """``(key, val, description)`` of every variable, by key."""
    return conn.execute("SELECT key, val, description FROM variable ORDER BY key").fetchall()


def set_values(conn: Connection, values: list[tuple[str, str | None]]) -> None:
    """Replace the stored value of each ``(key, value)`` (re-encryption)."""
    conn.executemany("UPDATE variable SET val = ? WHERE key = ?", [(v, k) for k, v in values])
