"""Schema versions and migrations, for both backends.

Migrations are the files ``migrations/<dialect>/NNNN_<what>.sql`` shipped in this
package, one folder per dialect with the same numbers; version N is reached by applying
every file numbered up to N, in order, each in one transaction together with its version
bump, so a crash leaves the DB at a whole version.  A DB newer than this taskloom is
refused, never used.
"""

from __future__ import annotations

import functools
import re
import sqlite3
from collections.abc import Callable
from importlib import resources
from typing import NamedTuple

from taskloom.exceptions import DatabaseSchemaError
from taskloom.store import backends
from taskloom.store import pools
from taskloom.store.connection import Connection
from taskloom.store.url import Dialect

#: The version that creates ``default_pool``, sized then by a setting (:mod:`.pools`).
_POOLS_CREATED = 3
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_CREATE_TABLE = re.compile(r"CREATE TABLE (?:IF NOT EXISTS )?(\w+)", re.IGNORECASE)


class Migration(NamedTuple):
    version: int
    name: str
    sql: str


@functools.cache
def migrations(dialect: Dialect) -> tuple[Migration, ...]:
    """The shipped migrations of ``dialect``, ordered by version."""
    found = []
    folder = resources.files("taskloom.store").joinpath("migrations", dialect)
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(
                Migration(int(match.group(1)), entry.name, entry.read_text(encoding="utf-8"))
            )
    return tuple(sorted(found))


def head_version(dialect: Dialect = "sqlite") -> int:
    """The newest schema version this taskloom knows (the same for both dialects)."""
    return migrations(dialect)[-1].version


def tables(dialect: Dialect) -> list[str]:
    """The tables taskloom's migrations create, newest first (the order to drop them)."""
    names = [name for m in migrations(dialect) for name in _CREATE_TABLE.findall(m.sql)]
    return list(reversed(dict.fromkeys(names)))


def current_version(conn: Connection) -> int:
    """The schema version of the open DB (0 for an empty one)."""
    return int(backends.of(conn.url).schema_version(conn))


def statements(sql: str) -> list[str]:
    """Split a migration into statements (one per ``;`` at the end of a line; ``--``
    comment lines dropped)."""
    found, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        buffer += line
        if line.rstrip().endswith(";") and sqlite3.complete_statement(buffer):
            found.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        found.append(buffer.strip())
    return found


def migrate(
    conn: Connection,
    *,
    on_applied: Callable[[str, int], None] | None = None,
    target: int | None = None,
) -> list[str]:
    """Apply the migrations the DB lacks, in order; return the names of those applied.

    :param on_applied: called with each migration's name and the number still to apply,
        once it is committed (``taskloom db migrate`` shows progress with it).
    :param target: stop at this version (tests of upgrades from each older version).
    :raises DatabaseSchemaError: if the DB is newer than this taskloom.
    """
    backend = backends.of(conn.url)
    refuse_newer(conn)
    applied = []
    pending = [
        m
        for m in migrations(conn.dialect)
        if m.version > current_version(conn) and (target is None or m.version <= target)
    ]
    for done, migration in enumerate(pending, 1):
        with conn.transaction():
            backend.lock_for_migration(conn)
            if current_version(conn) >= migration.version:  # another process applied it
                continue
            for statement in statements(migration.sql):
                conn.execute(statement)
            if migration.version == _POOLS_CREATED:
                pools.size_default_pool(conn)
            backend.set_schema_version(conn, migration.version)
        applied.append(migration.name)
        if on_applied is not None:
            on_applied(migration.name, len(pending) - done)
    return applied


def refuse_newer(conn: Connection) -> None:
    """:raises DatabaseSchemaError: if the DB's schema is newer than this taskloom's."""
    version, head = current_version(conn), head_version(conn.dialect)
    if version > head:
        raise DatabaseSchemaError(
            f"the metadata DB {conn.url} has schema version {version}, newer than this "
            f"taskloom knows ({head}); upgrade taskloom (pip install -U taskloom), or run "
            "`taskloom db reset --yes` to start over (deletes all state)."
        )
