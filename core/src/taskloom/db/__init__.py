"""The metadata DB: an embedded SQLite file, versioned with numbered SQL migrations.

The file is ``$TASKLOOM_HOME/taskloom.db`` unless the setting ``[database] path`` names
another one.  :func:`connect` creates and migrates it on first use, so nothing has to be
set up before the first ``taskloom dags test``.

Why these pragmas:

- ``journal_mode=WAL``: readers never block the writer, and a killed process never
  corrupts the file (a commit is either in the WAL or not);
- ``synchronous=NORMAL``: in WAL mode this is still crash-safe for the application
  (an OS crash may lose the last commits, a killed process loses nothing committed) and
  avoids one ``fsync`` per commit, which matters at hundreds of tasks per second;
- ``busy_timeout``: the scheduler and the worker processes write the same file; a writer
  waits for the lock instead of failing;
- ``foreign_keys=ON``: deleting a DAG run deletes its task instances and XComs.

The schema version is ``PRAGMA user_version``.  Migrations are the files
``migrations/NNNN_<what>.sql`` shipped in this package; version N is reached by applying
every file numbered up to N, in order, each in one transaction.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from taskloom import configuration
from taskloom.exceptions import DatabaseSchemaError

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

#: Seconds a writer waits for another writer's lock before giving up.
BUSY_TIMEOUT_SECONDS = 30.0


def db_path() -> Path:
    """The metadata DB file: setting ``[database] path``, default ``$TASKLOOM_HOME/taskloom.db``."""
    configured = configuration.get("database", "path")
    if configured:
        return Path(str(configured)).expanduser()
    return configuration.home() / "taskloom.db"


def migrations() -> list[tuple[int, str, str]]:
    """Return the shipped migrations as ``(version, file name, SQL)``, ordered by version."""
    found = []
    for entry in resources.files("taskloom.db").joinpath("migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    return found


def head_version() -> int:
    """The newest schema version this taskloom knows."""
    return migrations()[-1][0]


def current_version(conn: sqlite3.Connection) -> int:
    """The schema version of the open DB (0 for an empty file)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _open(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    # The default isolation level: a write opens a transaction that ``with conn:`` commits.
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def migrate(
    conn: sqlite3.Connection | None = None,
    *,
    on_applied: Callable[[str, int], None] | None = None,
) -> list[str]:
    """Apply the migrations the DB lacks, in order; return the names of those applied.

    Each migration runs in one ``BEGIN IMMEDIATE`` transaction together with its
    ``user_version`` bump, so a crash leaves the DB at a whole version.

    :param on_applied: called with each migration's name and the number still to apply,
        once it is committed (``taskloom db migrate`` shows progress with it).
    :raises DatabaseSchemaError: if the DB is newer than this taskloom.
    """
    own = conn is None
    conn = conn or _open(db_path())
    try:
        applied = []
        pending = [m for m in migrations() if m[0] > current_version(conn)]
        for done, (version, name, sql) in enumerate(pending, 1):
            with transaction(conn):
                if current_version(conn) >= version:  # another process applied it meanwhile
                    continue
                for statement in _statements(sql):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version={version}")
            applied.append(name)
            if on_applied is not None:
                on_applied(name, len(pending) - done)
        _refuse_newer(conn)
        return applied
    finally:
        if own:
            conn.close()


def _statements(sql: str) -> list[str]:
    """Split a migration into statements (``executescript`` would commit on its own)."""
    statements, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


def _refuse_newer(conn: sqlite3.Connection) -> None:
    version, head = current_version(conn), head_version()
    if version > head:
        raise DatabaseSchemaError(
            f"the metadata DB {db_path()} has schema version {version}, newer than this "
            f"taskloom knows ({head}); upgrade taskloom, or run `taskloom db reset` to start over."
        )


def check(conn: sqlite3.Connection | None = None) -> tuple[int, int]:
    """Return ``(current, head)`` schema versions without changing anything."""
    own = conn is None
    if own:
        path = db_path()
        if not path.exists():
            return 0, head_version()
        conn = _open(path)
    assert conn is not None
    try:
        return current_version(conn), head_version()
    finally:
        if own:
            conn.close()


def connect() -> sqlite3.Connection:
    """Open the metadata DB, creating and migrating it on first use.

    Use it as a transaction context manager: ``with conn:`` commits the writes made in
    the block, or rolls them back if it raises (the ``sqlite3`` default).  When the block
    reads before it writes, prefer :class:`transaction`, which takes the write lock first::

        with transaction(conn):
            conn.execute("UPDATE ...")

    :raises DatabaseSchemaError: if the DB is newer than this taskloom.
    """
    conn = _open(db_path())
    if current_version(conn) != head_version():
        try:
            migrate(conn)
        except BaseException:
            conn.close()
            raise
    return conn


class transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (or ``ROLLBACK`` on error) on an autocommit connection.

    ``IMMEDIATE`` takes the write lock at the start, so two writers never deadlock
    upgrading read locks; ``busy_timeout`` makes the second one wait.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.conn.commit()
        else:
            self.conn.rollback()


def reset() -> Path:
    """Delete the metadata DB (and its WAL files) and create an empty, migrated one."""
    path = db_path()
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{path}{suffix}")
    migrate()
    return path
