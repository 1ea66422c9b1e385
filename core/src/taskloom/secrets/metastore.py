"""Connections stored in the metadata DB's ``connection`` table.

This is where ``taskloom connections add`` and ``import`` write.  The DB is opened
through :func:`taskloom.db.connect`, which creates and migrates it on first use.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from taskloom import db
from taskloom.exceptions import InvalidConnectionError
from taskloom.models.connection import Connection
from taskloom.secrets.base import BaseSecretsBackend

_COLUMNS = (
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


def _row_to_connection(row: sqlite3.Row) -> Connection:
    return Connection(**{name: row[name] for name in _COLUMNS})


class MetastoreBackend(BaseSecretsBackend):
    """Reads and writes connections in the metadata DB."""

    def get_connection(self, conn_id: str) -> Connection | None:
        """Return the stored connection, or ``None``."""
        conn = db.connect()
        try:
            row = conn.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM connection WHERE conn_id = ?", (conn_id,)
            ).fetchone()
        finally:
            conn.close()
        return _row_to_connection(row) if row is not None else None

    def get_variable(self, key: str) -> str | None:
        """Return the variable stored by ``taskloom variables set`` / ``Variable.set``, or ``None``."""
        conn = db.connect()
        try:
            row = conn.execute("SELECT val FROM variable WHERE key = ?", (key,)).fetchone()
        finally:
            conn.close()
        return str(row[0]) if row is not None else None

    def iter_connections(self) -> Iterator[Connection]:
        """Every stored connection, ordered by conn_id."""
        conn = db.connect()
        try:
            rows = conn.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM connection ORDER BY conn_id"
            ).fetchall()
        finally:
            conn.close()
        for row in rows:
            yield _row_to_connection(row)

    def set_connection(self, connection: Connection, *, overwrite: bool = False) -> bool:
        """Store ``connection``; return ``False`` (and change nothing) if it exists and not ``overwrite``.

        :raises InvalidConnectionError: if it has no conn_id or no conn_type.
        """
        if not connection.conn_id:
            raise InvalidConnectionError("has no conn_id; give every stored connection an id")
        if not connection.conn_type:
            raise InvalidConnectionError(
                "has no conn_type; set one (e.g. http, sqlite)", conn_id=connection.conn_id
            )
        verb = "INSERT OR REPLACE" if overwrite else "INSERT OR IGNORE"
        values = (
            connection.conn_id,
            connection.conn_type,
            connection.description,
            connection.host,
            connection.schema,
            connection.login,
            connection.password,
            connection.port,
            connection.extra,
        )
        conn = db.connect()
        try:
            with db.transaction(conn):
                cursor = conn.execute(
                    f"{verb} INTO connection ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                    values,
                )
                return cursor.rowcount > 0
        finally:
            conn.close()

    def delete_connection(self, conn_id: str) -> bool:
        """Delete the stored connection; return whether one existed."""
        conn = db.connect()
        try:
            with db.transaction(conn):
                return (
                    conn.execute("DELETE FROM connection WHERE conn_id = ?", (conn_id,)).rowcount
                    > 0
                )
        finally:
            conn.close()

    def describe_lookup(self, conn_id: str) -> str:
        """Name the DB file."""
        return f"metadata DB {db.db_path()} (table connection)"
