"""The metadata store: every statement against the metadata DB, for SQLite and PostgreSQL.

Nothing outside this package sends SQL to the metadata DB (a test enforces it): models,
jobs, executors, the CLI and the metastore secrets backend call the functions of its
modules, one per table or concern (:mod:`.dag_runs`, :mod:`.task_instances`, ...).
SQL a hook or an operator sends to a *user's* database is not metadata SQL.

The setting ``[database] url`` picks the backend (:mod:`.url`): the embedded SQLite file
under ``$TASKLOOM_HOME`` by default, nothing to start; or a PostgreSQL database, for
several schedulers and workers on other machines.  :func:`connect` opens it, creating and
migrating the schema on first use (:mod:`.schema`).

Why no ORM: SQLAlchemy Core costs ~125 ms to import here against 5 ms for :mod:`sqlite3`,
more than twice core's whole import budget; the SQL both dialects share is most of it,
and the few differences sit next to their statement (core's README has the figures).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from taskloom.store.connection import Connection
from taskloom.store.connection import Row
from taskloom.store.connection import driver_lock
from taskloom.store.url import DatabaseURL
from taskloom.store.url import configured as configured_url

if TYPE_CHECKING:
    from collections.abc import Callable

    from taskloom.exceptions import DatabaseUnavailableError

__all__ = [
    "Connection",
    "DatabaseURL",
    "Row",
    "backup",
    "check",
    "configured_url",
    "connect",
    "driver_errors",
    "explain",
    "migrate",
    "open_unmigrated",
    "quick_check",
    "reset",
]


def open_unmigrated(url: DatabaseURL | None = None) -> Connection:
    """Open the configured DB as it is (no migration): for ``db check`` and upgrade tests."""
    with driver_lock:  # imports too: a fork must not copy a module lock another thread holds
        from taskloom.store import backends

        url = url or configured_url()
        return backends.of(url).open_connection(url)  # type: ignore[no-any-return]


def connect() -> Connection:
    """Open the metadata DB, creating and migrating it on first use.

    :raises DatabaseSchemaError: if the DB is newer than this taskloom.
    :raises DatabaseUnavailableError: one line naming the DB (never a password) and the fix.
    """
    with driver_lock:  # imports and the version check (a fetch) included: see driver_lock
        from taskloom.store import schema

        conn = open_unmigrated()
        try:
            if schema.current_version(conn) != schema.head_version(conn.dialect):
                schema.migrate(conn)
        except BaseException:
            conn.close()
            raise
        return conn


def check() -> tuple[int, int]:
    """``(current, head)`` schema versions, changing nothing (a missing SQLite file is 0)."""
    from taskloom.store import backends
    from taskloom.store import schema

    url = configured_url()
    if not backends.of(url).exists(url):
        return 0, schema.head_version(url.dialect)
    conn = open_unmigrated(url)
    try:
        return schema.current_version(conn), schema.head_version(conn.dialect)
    finally:
        conn.close()


def migrate(*, on_applied: Callable[[str, int], None] | None = None) -> list[str]:
    """Bring the configured DB's schema up to date; return the migrations applied."""
    from taskloom.store import schema

    conn = open_unmigrated()
    try:
        return schema.migrate(conn, on_applied=on_applied)
    finally:
        conn.close()


def reset() -> DatabaseURL:
    """Delete every taskloom table (SQLite: the file) and create an empty, migrated schema."""
    from taskloom.store import postgres_backend
    from taskloom.store import schema
    from taskloom.store import sqlite_backend

    url = configured_url()
    if url.dialect == "sqlite":
        sqlite_backend.drop_everything(url)
    else:
        conn = open_unmigrated(url)
        try:
            postgres_backend.drop_tables(conn, schema.tables(url.dialect))
        finally:
            conn.close()
    migrate()
    return url


def quick_check() -> list[str]:
    """Damage the backend can find in the DB (SQLite's ``quick_check``; ``[]`` on PostgreSQL,
    whose server guards its own pages)."""
    from taskloom.store import sqlite_backend

    url = configured_url()
    if url.dialect != "sqlite" or not sqlite_backend.exists(url):
        return []
    conn = open_unmigrated(url)
    try:
        return sqlite_backend.quick_check(conn)
    finally:
        conn.close()


def backup(target: Path) -> DatabaseURL:
    """Copy a SQLite metadata DB to ``target`` consistently (PostgreSQL: use ``pg_dump``).

    :raises FileExistsError: if ``target`` exists.
    :raises DatabaseUnavailableError: on PostgreSQL, saying to use ``pg_dump``.
    """
    from taskloom.exceptions import DatabaseUnavailableError
    from taskloom.store import sqlite_backend

    url = configured_url()
    if url.dialect != "sqlite":
        raise DatabaseUnavailableError(
            f"`taskloom db backup` copies a SQLite file; back up the PostgreSQL DB {url} "
            "with pg_dump (and restore it with pg_restore)"
        )
    conn = open_unmigrated(url)
    try:
        sqlite_backend.backup(conn, target)
    finally:
        conn.close()
    return url


def driver_errors() -> tuple[type[Exception], ...]:
    """The exceptions the configured backend's driver raises (for one-line CLI errors); never raises."""
    import sqlite3

    from taskloom.exceptions import TaskloomError

    errors: tuple[type[Exception], ...] = (sqlite3.Error,)
    try:
        if configured_url().dialect == "postgresql":
            from taskloom.store import postgres_backend

            errors += postgres_backend.driver_errors()
    except TaskloomError:  # a bad URL or no driver: reported where the DB is opened
        pass
    return errors


def explain(exc: BaseException, url: DatabaseURL | None = None) -> DatabaseUnavailableError:
    """A one-line error for ``exc`` naming the DB (never a password) and the fix."""
    from taskloom.store import backends

    url = url or configured_url()
    if url.dialect == "sqlite":
        assert url.path is not None
        return backends.of(url).explain(exc, url.path)  # type: ignore[no-any-return]
    return backends.of(url).explain(exc, url)  # type: ignore[no-any-return]
