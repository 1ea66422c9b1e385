"""A DuckDB connection that keeps PEP 249's transaction rules.

DuckDB's Python connection commits every statement by itself unless ``begin()`` was
called, its ``rollback()`` fails when no transaction is open, and its ``cursor()`` opens a
*separate* connection with transactions of its own. Core's ``DbApiHook`` is written for
PEP 249 drivers: it runs statements on ``conn.cursor()``, then calls ``conn.commit()``, or
``conn.rollback()`` when one failed. On a bare DuckDB connection that rollback raises
"no transaction is active", hides the real error, and leaves the earlier statements
committed.

:class:`DuckDBConnection` fixes that: its cursors run on the connection itself, the first
statement after a commit or rollback opens a transaction (unless :attr:`autocommit` is
set), and ``commit``/``rollback`` end it. Everything else (``sql``, ``read_csv``,
``register``...) is DuckDB's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Sequence
from types import TracebackType
from typing import Any

import duckdb


class DuckDBConnection:
    """A PEP 249 view of one DuckDB connection (see the module docstring).

    :param connection: the DuckDB connection to wrap; :meth:`close` closes it.
    """

    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        #: The wrapped DuckDB connection, for anything DuckDB-specific.
        self.duckdb = connection
        #: Commit every statement by itself instead of opening a transaction.
        self.autocommit = False
        self._in_transaction = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.duckdb, name)

    def _begin(self) -> None:
        if not self.autocommit and not self._in_transaction:
            self.duckdb.begin()
            self._in_transaction = True

    def execute(self, sql: str, parameters: Any = None) -> DuckDBConnection:
        """Run one statement (in the open transaction, which it opens if needed)."""
        self._begin()
        self.duckdb.execute(sql, parameters)
        return self

    def executemany(self, sql: str, parameters: Sequence[Any]) -> DuckDBConnection:
        """Run one statement once per parameter set."""
        self._begin()
        self.duckdb.executemany(sql, parameters)
        return self

    def cursor(self) -> DuckDBCursor:
        """A cursor that runs on this connection and shares its transaction."""
        return DuckDBCursor(self)

    def commit(self) -> None:
        """Commit the open transaction, if there is one."""
        if self._in_transaction:
            self._in_transaction = False
            self.duckdb.commit()

    def rollback(self) -> None:
        """Roll back the open transaction, if there is one."""
        if self._in_transaction:
            self._in_transaction = False
            self.duckdb.rollback()

    def close(self) -> None:
        """Close the DuckDB connection; an open transaction is rolled back."""
        self._in_transaction = False
        self.duckdb.close()

    def __enter__(self) -> DuckDBConnection:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class DuckDBCursor:
    """A PEP 249 cursor on a :class:`DuckDBConnection` (DuckDB keeps one result per connection)."""

    arraysize = 1

    def __init__(self, connection: DuckDBConnection) -> None:
        self.connection = connection

    @property
    def description(self) -> Any:
        """The columns of the last result, or ``None`` after a statement without rows."""
        return self.connection.duckdb.description

    @property
    def rowcount(self) -> int:
        """DuckDB does not count affected rows: always ``-1``, as PEP 249 allows."""
        return -1

    def execute(self, sql: str, parameters: Any = None) -> DuckDBCursor:
        """Run one statement on the connection."""
        self.connection.execute(sql, parameters)
        return self

    def executemany(self, sql: str, parameters: Sequence[Any]) -> DuckDBCursor:
        """Run one statement once per parameter set."""
        self.connection.executemany(sql, parameters)
        return self

    def fetchone(self) -> tuple[Any, ...] | None:
        """The next row of the result, or ``None``."""
        return self.connection.duckdb.fetchone()

    def fetchmany(self, size: int | None = None) -> list[tuple[Any, ...]]:
        """The next ``size`` rows (default :attr:`arraysize`)."""
        return self.connection.duckdb.fetchmany(size or self.arraysize)

    def fetchall(self) -> list[tuple[Any, ...]]:
        """The remaining rows."""
        return self.connection.duckdb.fetchall()

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self.fetchone, None)

    def close(self) -> None:
        """Nothing to free: the result belongs to the connection."""
