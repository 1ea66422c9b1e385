"""Hooks of the DuckDB provider."""
