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
from taskloom.store import connections
from taskloom.store import variables
from taskloom.utils import crypto

#: The columns stored encrypted.
_SECRET_COLUMNS = ("password", "extra")


def _row_to_connection(row: store.Row) -> Connection:
    fields = {name: row[name] for name in connections.COLUMNS}
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
            row = connections.get(conn, conn_id)
        finally:
            conn.close()
        return _row_to_connection(row) if row is not None else None

    def get_variable(self, key: str) -> str | None:
        """Return the variable stored by ``taskloom variables set`` / ``Variable.set``, or ``None``."""
        conn = store.connect()
        try:
            value = variables.get(conn, key)
        finally:
            conn.close()
        if value is None:
            return None
        return crypto.decrypt(str(value), what=f"variable {key!r}")

    def iter_connections(self) -> Iterator[Connection]:
        """Every stored connection, ordered by conn_id."""
        conn = store.connect()
        try:
            rows = connections.all_rows(conn)
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
                return connections.put(conn, values, overwrite=overwrite)
        finally:
            conn.close()

    def delete_connection(self, conn_id: str) -> bool:
        """Delete the stored connection; return whether one existed."""
        conn = store.connect()
        try:
            with conn.transaction():
                return connections.delete(conn, conn_id)
        finally:
            conn.close()

    def rotate_encryption(self) -> int:
        """Re-encrypt every stored password and extra with the first ``[core] fernet_key``;
        return how many connections were rewritten."""
        conn = store.connect()
        try:
            with conn.transaction():
                rows = connections.secrets(conn)
                connections.set_secrets(
                    conn,
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
