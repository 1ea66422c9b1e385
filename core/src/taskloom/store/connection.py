"""One connection to the metadata DB, the same to its callers whichever the backend.

Store modules write SQL once, with ``?`` placeholders and the syntax SQLite and
PostgreSQL share (``INSERT ... ON CONFLICT``, ``RETURNING``, ``coalesce``); the
connection turns ``?`` into psycopg's ``%s``.  Where the dialects differ the store
module branches on :attr:`Connection.dialect`, next to the statement.

Both backends run in autocommit mode: a statement outside :meth:`Connection.transaction`
commits on its own, and a block that must be atomic says so::

    with conn.transaction():
        conn.execute("UPDATE ...")

Rows are indexed by position or by column name (``row[0]``, ``row["state"]``) and
unpack like tuples, on both backends.

On SQLite, a statement that meets another connection's write lock is tried again here
for up to :attr:`Connection.lock_wait` seconds, not by SQLite's own busy handler: that one
sleeps a whole millisecond at its first retry and longer after, while the scheduler and
its task processes each hold the lock for tens of microseconds.  Retrying after 50
microseconds, doubling to 5 ms, made a 10,000-task run a quarter faster.  PostgreSQL
waits on the server (:meth:`Connection.for_background_thread` bounds the wait).

Every driver call holds :data:`driver_lock`, which ``fork()`` takes first: a process
forked (the local executor's workers) while another thread of its parent was inside the
driver (a heartbeat's write) would inherit that thread's driver locks held -- SQLite's
allocator mutex -- and hang at its first SQLite call.  For the same reason a statement
run by a thread other than the main one is read to its end and its cursor closed before
the lock is released (a cursor freed later would call into the driver unguarded).
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from typing import Any
from typing import Protocol

from taskloom.store.url import DatabaseURL
from taskloom.store.url import Dialect

Params = Sequence[Any]

#: Held by a thread for the length of each call into the DB driver, and by ``fork()``
#: (reentrant: the forking thread may hold it already).
driver_lock = threading.RLock()
os.register_at_fork(
    before=driver_lock.acquire,
    after_in_parent=driver_lock.release,
    after_in_child=driver_lock.release,  # the child's one thread is the one that forked
)


#: Seconds a statement of a background thread (a heartbeat) may wait for a lock another
#: connection holds.  Such a thread holds :data:`driver_lock` for its whole statement; if
#: it waited long for a write lock held by an open transaction of its own process's main
#: thread, that thread could not reach the driver to finish the transaction -- both would
#: wait until the wait ran out.  A heartbeat that fails this way is retried next time.
BACKGROUND_LOCK_WAIT = 0.2

#: Seconds a statement waits for another connection's lock before it fails.
LOCK_WAIT = 30.0

#: First and longest pause between two tries of a statement that met a lock (SQLite).
_FIRST_PAUSE = 50e-6
_LONGEST_PAUSE = 0.005


class Row(Protocol):
    """A result row: by position, by column name, and ``keys()``."""

    def __getitem__(self, key: int | str) -> Any: ...
    def __iter__(self) -> Iterator[Any]: ...
    def __len__(self) -> int: ...
    def keys(self) -> list[str]: ...


class Cursor(Protocol):
    """What a statement returns: its rows and how many rows it changed."""

    rowcount: int

    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...


class _Fetched:
    """A statement's rows, read to the end, and its cursor closed (see the module docstring)."""

    def __init__(self, cursor: Any) -> None:
        self.rowcount: int = cursor.rowcount
        self._rows: list[Any] = cursor.fetchall() if cursor.description is not None else []
        cursor.close()
        self._next = 0

    def fetchone(self) -> Any:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    def fetchall(self) -> list[Any]:
        rows, self._next = self._rows[self._next :], len(self._rows)
        return rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())


@functools.lru_cache(maxsize=1024)
def to_format_style(sql: str) -> str:
    """``?`` placeholders to psycopg's ``%s`` (a literal ``%`` doubled); store SQL never
    holds a ``?`` inside a string literal."""
    return sql.replace("%", "%%").replace("?", "%s")


class Connection:
    """A metadata DB connection (see the module docstring).

    :param raw: the driver's connection, in autocommit mode.
    """

    def __init__(
        self, raw: Any, url: DatabaseURL, *, is_busy: Callable[[Exception], bool] | None = None
    ) -> None:
        """:param is_busy: whether a driver error means "another connection holds the lock,
        try again" (SQLite: the module docstring); ``None``: the driver waits itself."""
        self.raw = raw
        self.url = url
        self.dialect: Dialect = url.dialect
        #: Seconds a SQLite statement waits for another connection's lock (module docstring).
        self.lock_wait = LOCK_WAIT
        self._depth = 0
        self._sql = (lambda sql: sql) if url.dialect == "sqlite" else to_format_style
        self._is_busy = is_busy

    def _call(self, call: Callable[..., Any], *args: Any) -> Any:
        """``call(*args)`` under :data:`driver_lock`, tried again while another connection
        holds the lock it needs, for up to :attr:`lock_wait` seconds."""
        if self._is_busy is None:
            with driver_lock:
                return call(*args)
        deadline = 0.0
        pause = _FIRST_PAUSE
        while True:
            with driver_lock:
                try:
                    return call(*args)
                except Exception as exc:
                    if not self._is_busy(exc):
                        raise
                    now = time.monotonic()
                    deadline = deadline or now + self.lock_wait
                    if now >= deadline:
                        raise
            time.sleep(pause)  # without driver_lock: this process's other threads go on
            pause = min(pause * 2, _LONGEST_PAUSE)

    def execute(self, sql: str, params: Params = ()) -> Cursor:
        """Run one statement; ``?`` marks each parameter."""
        if threading.current_thread() is threading.main_thread():
            return self._call(self.raw.execute, self._sql(sql), params)  # type: ignore[no-any-return]
        return self._call(self._execute_fetched, self._sql(sql), params)  # type: ignore[no-any-return]

    def _execute_fetched(self, sql: str, params: Params) -> _Fetched:
        return _Fetched(self.raw.execute(sql, params))

    def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement for each parameter row (batched by the driver)."""
        if self.dialect == "sqlite":
            self._call(self.raw.executemany, sql, list(rows))
            return
        with driver_lock, self.raw.cursor() as cursor:
            cursor.executemany(self._sql(sql), list(rows))

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """Commit the block's statements together, or none of them if it raises.

        SQLite takes the write lock at ``BEGIN IMMEDIATE``, so two writers never deadlock
        upgrading read locks (the second waits, see the module docstring).  A nested block
        joins the outer transaction.
        """
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        self._depth = 1
        try:
            if self.dialect == "sqlite":
                self._call(self.raw.execute, "BEGIN IMMEDIATE")
                try:
                    yield self
                except BaseException:
                    with driver_lock:
                        self.raw.rollback()
                    raise
                self._call(self.raw.commit)
            else:
                with self.raw.transaction():
                    yield self
        finally:
            self._depth = 0

    def for_background_thread(self) -> Connection:
        """Make this connection's statements wait at most :data:`BACKGROUND_LOCK_WAIT` for
        another connection's locks (see there); return it."""
        self.lock_wait = BACKGROUND_LOCK_WAIT
        if self.dialect != "sqlite":
            self.execute(f"SET lock_timeout = {int(BACKGROUND_LOCK_WAIT * 1000)}")
        return self

    @property
    def in_transaction(self) -> bool:
        """Whether a :meth:`transaction` block is open."""
        return self._depth > 0

    def close(self) -> None:
        """Close the driver connection."""
        with driver_lock:
            self.raw.close()
