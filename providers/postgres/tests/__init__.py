"""Tests of taskloom-provider-postgres, against a real PostgreSQL server."""
