"""The server backend: a PostgreSQL database, through psycopg 3.

Installed with ``pip install "taskloom[postgres-db]"``; psycopg is imported only when
``[database] url`` names PostgreSQL, so the embedded default never pays for it.  The
schema version is the one row of ``taskloom_schema_version``; migrations hold a
transaction-scoped advisory lock, so two processes starting at once never both migrate.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from taskloom.exceptions import DatabaseUnavailableError
from taskloom.store.connection import Connection
from taskloom.store.url import DatabaseURL

#: The advisory lock key of migrations (any constant other programs are unlikely to use).
_MIGRATION_LOCK = 0x7A5C100


class PgRow:
    """A row by position or column name, like :class:`sqlite3.Row`."""

    __slots__ = ("_index", "_values")

    def __init__(self, values: Sequence[Any], index: dict[str, int]) -> None:
        self._values = tuple(values)
        self._index = index

    def __getitem__(self, key: int | str) -> Any:
        if isinstance(key, str):
            return self._values[self._index[key]]
        return self._values[key]

    def __iter__(self) -> Any:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PgRow):
            return self._values == other._values
        return self._values == other

    __hash__ = None  # type: ignore[assignment]

    def keys(self) -> list[str]:
        return list(self._index)

    def __repr__(self) -> str:
        return f"PgRow{self._values!r}"


def _row_factory(cursor: Any) -> Any:
    description = cursor.description
    index = {column.name: i for i, column in enumerate(description or ())}

    def make_row(values: Sequence[Any]) -> PgRow:
        return PgRow(values, index)

    return make_row


def _driver() -> Any:
    try:
        import psycopg
    except ImportError:
        raise DatabaseUnavailableError(
            "[database] url names a PostgreSQL metadata DB, but its driver (psycopg) is not "
            'installed; run: pip install "taskloom[postgres-db]"'
        ) from None
    return psycopg


def driver_errors() -> tuple[type[Exception], ...]:
    """What the driver raises for a failed statement or a lost server."""
    return (_driver().Error,)


def explain(exc: BaseException, url: DatabaseURL) -> DatabaseUnavailableError:
    """One line naming the server (never the password) and the likely fix."""
    text = " ".join(str(exc).split())
    if url.password:
        text = text.replace(url.password, "***")
    text = re.sub(r"password=\S+", "password=***", text)
    if "password authentication failed" in text or "no password supplied" in text:
        fix = "check the user name and password in [database] url (TASKLOOM__DATABASE__URL)"
    elif "does not exist" in text and "database" in text:
        fix = "create the database (createdb) or fix its name in [database] url"
    elif "Connection refused" in text or "could not connect" in text or "timeout" in text:
        fix = "start PostgreSQL, or fix the host and port in [database] url"
    else:
        fix = "check [database] url and the server's log; run `taskloom db check`"
    return DatabaseUnavailableError(f"cannot use the metadata DB {url} ({text}); {fix}")


def open_connection(url: DatabaseURL) -> Connection:
    """Connect to the database of ``url``, in autocommit mode."""
    psycopg = _driver()
    try:
        raw = psycopg.connect(
            url.conninfo,
            autocommit=True,
            row_factory=_row_factory,
            connect_timeout=10,
            application_name="taskloom",
        )
    except psycopg.Error as exc:
        raise explain(exc, url) from None
    return Connection(raw, url)


def exists(url: DatabaseURL) -> bool:
    """A server database is there once it can be reached (it is created by its admin)."""
    return True


def schema_version(conn: Connection) -> int:
    """The schema version (0 for a database taskloom never migrated)."""
    row = conn.execute("SELECT to_regclass('taskloom_schema_version') IS NOT NULL").fetchone()
    if not row[0]:
        return 0
    row = conn.execute("SELECT max(version) FROM taskloom_schema_version").fetchone()
    return int(row[0] or 0)


def set_schema_version(conn: Connection, version: int) -> None:
    """Record ``version`` (inside the migration's transaction)."""
    conn.execute("CREATE TABLE IF NOT EXISTS taskloom_schema_version (version INTEGER NOT NULL)")
    conn.execute("DELETE FROM taskloom_schema_version")
    conn.execute("INSERT INTO taskloom_schema_version(version) VALUES (?)", (version,))


def lock_for_migration(conn: Connection) -> None:
    """Wait for any other process's migration (released at the end of the transaction)."""
    conn.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))


def drop_tables(conn: Connection, tables: list[str]) -> None:
    """Drop taskloom's tables (and only those: the database may hold others)."""
    with conn.transaction():
        for table in [*tables, "taskloom_schema_version"]:
            conn.execute(f'DROP TABLE IF EXISTS "{table}" CASCADE')
