"""Connections stored in the metadata DB's ``connection`` table.

This is where ``taskloom connections add`` and ``import`` write.  The DB is opened
through :func:`taskloom.store.connect`, which creates and migrates it on first use.  The
password and the extra are stored encrypted when ``[core] fernet_key`` is set
(:mod:`taskloom.utils.crypto`).
"""

from __future__ import annotations

from collections.abc import Iterator

from taskloom import store
from taskloom.exceptions import InvalidConnectionError
from taskloom.models.connection import Connection
from taskloom.secrets.base import BaseSecretsBackend
from taskloom.utils import crypto

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


#: The columns stored encrypted.
_SECRET_COLUMNS = ("password", "extra")


def _row_to_connection(row: store.Row) -> Connection:
    fields = {name: row[name] for name in _COLUMNS}
    for name in _SECRET_COLUMNS:
        fields[name] = crypto.decrypt(
            fields[name], what=f"the {name} of connection {row['conn_id']!r}"
        )
    return Connection(**fields)


class MetastoreBackend(BaseSecretsBackend):
    """Reads and writes connections in the metadata DB."""

    def get_connection(self, conn_id: str) -> Connection | None:
        """Return the stored connection, or ``None``."""
        conn = store.connect()
        try:
            row = conn.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM connection WHERE conn_id = ?", (conn_id,)
            ).fetchone()
        finally:
            conn.close()
        return _row_to_connection(row) if row is not None else None

    def get_variable(self, key: str) -> str | None:
        """Return the variable stored by ``taskloom variables set`` / ``Variable.set``, or ``None``."""
        conn = store.connect()
        try:
            row = conn.execute("SELECT val FROM variable WHERE key = ?", (key,)).fetchone()
        finally:
            conn.close()
        if row is None:
            return None
        return crypto.decrypt(str(row[0]), what=f"variable {key!r}")

    def iter_connections(self) -> Iterator[Connection]:
        """Every stored connection, ordered by conn_id."""
        conn = store.connect()
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
            crypto.encrypt(connection.password),
            connection.port,
            crypto.encrypt(connection.extra),
        )
        conn = store.connect()
        try:
            with conn.transaction():
                cursor = conn.execute(
                    f"{verb} INTO connection ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                    values,
                )
                return cursor.rowcount > 0
        finally:
            conn.close()

    def delete_connection(self, conn_id: str) -> bool:
        """Delete the stored connection; return whether one existed."""
        conn = store.connect()
        try:
            with conn.transaction():
                return (
                    conn.execute("DELETE FROM connection WHERE conn_id = ?", (conn_id,)).rowcount
                    > 0
                )
        finally:
            conn.close()

    def rotate_encryption(self) -> int:
        """Re-encrypt every stored password and extra with the first ``[core] fernet_key``;
        return how many connections were rewritten."""
        conn = store.connect()
        try:
            with conn.transaction():
                rows = conn.execute("SELECT conn_id, password, extra FROM connection").fetchall()
                conn.executemany(
                    "UPDATE connection SET password = ?, extra = ? WHERE conn_id = ?",
                    [
                        (
                            crypto.rotate(row[1], what=f"the password of connection {row[0]!r}"),
                            crypto.rotate(row[2], what=f"the extra of connection {row[0]!r}"),
                            row[0],
                        )
                        for row in rows
                    ],
                )
        finally:
            conn.close()
        return len(rows)

    def describe_lookup(self, conn_id: str) -> str:
        """Name the DB file."""
        return f"metadata DB {store.configured_url()} (table connection)"
