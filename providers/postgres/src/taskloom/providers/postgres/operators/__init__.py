"""Operators of the PostgreSQL provider: :mod:`.postgres` holds ``PostgresOperator``."""

from __future__ import annotations
