"""``SqliteHook``: SQL on a SQLite database file, through the standard library's ``sqlite3``.

The connection's ``host`` is the database file (``schema`` is used when ``host`` is
empty, so ``sqlite:////var/data/app.db`` works as well); with neither, the database is
in memory.  A ``file:`` URI (``file:app.db?mode=ro``) is opened in URI mode.  Extras:
``timeout`` (seconds to wait for a lock, default 5).
"""

from __future__ import annotations

import sqlite3
from typing import Any
from typing import ClassVar

from taskloom.hooks.dbapi import DbApiHook

__all__ = ["SqliteHook"]


class SqliteHook(DbApiHook):
    """Run SQL on a SQLite file.

    :param sqlite_conn_id: the connection id (default ``sqlite_default``).
    """

    conn_name_attr: ClassVar[str] = "sqlite_conn_id"
    default_conn_name: ClassVar[str] = "sqlite_default"
    conn_type: ClassVar[str] = "sqlite"
    hook_name: ClassVar[str] = "SQLite"
    placeholder: ClassVar[str] = "?"
    supports_autocommit: ClassVar[bool] = True
    supports_executemany: ClassVar[bool] = True
    replace_statement_format: ClassVar[str] = "INSERT OR REPLACE INTO {} {} VALUES ({})"

    def database_path(self) -> str:
        """The database file (or ``:memory:``, or a ``file:`` URI) this hook opens."""
        connection = self.connection
        return self.schema or connection.host or connection.schema or ":memory:"

    def get_conn(self) -> sqlite3.Connection:
        """Open the database file; a missing file is created, as ``sqlite3`` does."""
        path = self.database_path()
        timeout = float(self.connection.extra_dejson.get("timeout", 5.0))
        return sqlite3.connect(path, timeout=timeout, uri=path.startswith("file:"))

    def set_autocommit(self, conn: Any, autocommit: bool) -> None:
        """``isolation_level=None`` is sqlite3's autocommit mode."""
        conn.isolation_level = None if autocommit else ""

    def get_autocommit(self, conn: Any) -> bool:
        """Whether the sqlite3 connection is in autocommit mode."""
        return conn.isolation_level is None

    def get_uri(self) -> str:
        """The SQLAlchemy URI of the file: ``sqlite:///<path>``."""
        path = self.database_path()
        return "sqlite://" if path == ":memory:" else f"sqlite:///{path}"
