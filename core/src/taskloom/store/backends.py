"""Which backend module serves a URL (imported lazily: psycopg only for PostgreSQL)."""

from __future__ import annotations

from types import ModuleType

from taskloom.store.url import DatabaseURL


def of(url: DatabaseURL) -> ModuleType:
    """The backend module of ``url``'s dialect."""
    if url.dialect == "sqlite":
        from taskloom.store import sqlite_backend

        return sqlite_backend
    from taskloom.store import postgres_backend

    return postgres_backend
