"""Hooks of the PostgreSQL provider: :mod:`.postgres` holds ``PostgresHook``."""

from __future__ import annotations
