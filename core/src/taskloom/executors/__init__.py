"""Executors: where task instances run."""
