"""Example DAGs of the PostgreSQL provider, run end to end by its tests."""

from __future__ import annotations
