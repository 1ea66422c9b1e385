"""The embedded backend: a SQLite file, nothing to start.

Why these pragmas:

- ``journal_mode=WAL``: readers never block the writer, and a killed process never
  corrupts the file (a commit is either in the WAL or not);
- ``synchronous=NORMAL``: in WAL mode this is still crash-safe for the application
  (an OS crash may lose the last commits, a killed process loses nothing committed) and
  avoids one ``fsync`` per commit, which matters at hundreds of tasks per second;
- ``wal_autocheckpoint=10000`` (pages, 40 MB): every checkpoint syncs the WAL and the DB
  file to disk; with SQLite's default of 1,000 pages a 10,000-task run made 2,535 syncs,
  with this 183, and the disk is left to the tasks;
- ``busy_timeout=0``: the scheduler and the worker processes write the same file; a
  writer that meets the lock waits for it in :class:`~taskloom.store.connection.Connection`
  (up to 30 s), in steps far shorter than SQLite's own busy handler takes;
- ``foreign_keys=ON``: deleting a DAG run deletes its task instances and XComs.

The file is created readable by its owner only (0600: it holds connections, variables
and XComs), in a folder created 0700.  The schema version is ``PRAGMA user_version``.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from taskloom import configuration
from taskloom.exceptions import DatabaseUnavailableError
from taskloom.store.connection import Connection
from taskloom.store.url import DatabaseURL

#: What the driver raises for an unusable file or a failed statement.
DRIVER_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error,)


def explain(exc: BaseException, path: Path) -> DatabaseUnavailableError:
    """A one-line error naming the DB file and the fix, for an error opening or reading it."""
    text = " ".join(str(exc).split())
    if isinstance(exc, OSError) or "unable to open" in text or "readonly" in text:
        return DatabaseUnavailableError(
            f"cannot open or write the metadata DB {path} ({text}); make {path.parent} a folder "
            "this user can write, or point TASKLOOM_HOME (or [database] path) somewhere writable"
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return DatabaseUnavailableError(
            f"the metadata DB {path} is damaged ({text}); restore a copy made with "
            f"`taskloom db backup`, or move {path.name} away and run `taskloom db migrate` to "
            "start with an empty DB"
        )
    return DatabaseUnavailableError(
        f"the metadata DB {path} cannot be used ({text}); run `taskloom db check` for details"
    )


def _create_private(path: Path) -> None:
    """Create the folder (0700) and the empty DB file (0600) if they do not exist yet."""
    configuration.make_private_dirs(path.parent)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def open_connection(url: DatabaseURL) -> Connection:
    """Open (creating it 0600 if needed) the SQLite file of ``url``."""
    path = url.path
    assert path is not None
    try:
        _create_private(path)
        raw = sqlite3.connect(path, timeout=0, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise explain(exc, path) from None
    try:
        raw.row_factory = sqlite3.Row
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("PRAGMA synchronous=NORMAL")
        raw.execute("PRAGMA wal_autocheckpoint=10000")
        raw.execute("PRAGMA foreign_keys=ON")
    except sqlite3.Error as exc:
        raw.close()
        raise explain(exc, path) from None
    return Connection(raw, url, is_busy=_is_busy)


def _is_busy(exc: Exception) -> bool:
    """SQLITE_BUSY: another connection holds the lock this statement needs."""
    return (
        isinstance(exc, sqlite3.OperationalError)
        and (getattr(exc, "sqlite_errorcode", 0) & 0xFF) == sqlite3.SQLITE_BUSY
    )


def exists(url: DatabaseURL) -> bool:
    """Whether the DB file exists (``db check`` never creates one)."""
    assert url.path is not None
    return url.path.exists()


def schema_version(conn: Connection) -> int:
    """The schema version of the open DB (0 for an empty file)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def set_schema_version(conn: Connection, version: int) -> None:
    """Record ``version`` (inside the migration's transaction)."""
    conn.execute(f"PRAGMA user_version={int(version)}")


def lock_for_migration(conn: Connection) -> None:
    """Nothing to do: ``BEGIN IMMEDIATE`` already holds SQLite's one write lock."""


def quick_check(conn: Connection) -> list[str]:
    """SQLite's ``PRAGMA quick_check``: the problems it finds in the DB file (``[]``: none),
    each on one line (a row may hold several lines of SQLite's report)."""
    try:
        rows = [" ".join(str(row[0]).split()) for row in conn.execute("PRAGMA quick_check")]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    return [] if rows == ["ok"] else rows


def backup(conn: Connection, target: Path) -> None:
    """Copy the DB to ``target`` with SQLite's online backup API: a consistent copy, even
    while the scheduler writes.  The copy is created 0600, like the DB.

    :raises FileExistsError: if ``target`` exists (a backup never overwrites a file).
    """
    fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    dest = sqlite3.connect(target)
    try:
        with dest:
            conn.raw.backup(dest)
    finally:
        dest.close()


def drop_everything(url: DatabaseURL) -> None:
    """Delete the DB file and its WAL files."""
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{url.path}{suffix}")
