"""A private ``TASKLOOM_HOME`` and metadata DB for every test of a suite: a pytest plugin.

::

    # providers/<id>/tests/conftest.py
    pytest_plugins = ["taskloom_testing.home"]

Its autouse fixture :func:`taskloom_home` then runs for every test, and a fixture or test
that needs the folder asks for ``taskloom_home``.

The metadata DB is the SQLite file in that home, unless ``TASKLOOM_TEST_DATABASE=postgresql``:
then one PostgreSQL server is started for the session (:mod:`taskloom_testing.postgres`,
or the running one ``TASKLOOM_TEST_POSTGRES_*`` names) and every test gets an empty
schema of its own, named by ``TASKLOOM__DATABASE__URL`` (its ``search_path``), which the
test's subprocesses inherit.  A schema costs about 2 ms against 35 ms for an empty
database and 145 ms for a copy of a migrated one (``CREATE DATABASE ... TEMPLATE``); the
first ``store.connect()`` migrates it, as it creates a fresh SQLite file.  Schemas are
not dropped: the server and its data go away with the session.

A test about the SQLite file itself (``PRAGMA quick_check``, file modes, ``db backup``)
is marked ``@pytest.mark.sqlite_only("why")`` and runs on SQLite on both backends.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

import pytest

if TYPE_CHECKING:
    from taskloom_testing.postgres import PostgresServer

__all__ = ["metadata_db_server", "taskloom_home"]

#: The caller's variables of these prefixes are dropped ...
DROPPED_PREFIX = "TASKLOOM"
#: ... but these, which point the server fixtures at running servers (see the README).
KEPT_PREFIX = "TASKLOOM_TEST_"
#: ``postgresql`` runs every test's metadata DB on PostgreSQL (the ``core-postgres`` tox env).
BACKEND_VARIABLE = "TASKLOOM_TEST_DATABASE"

_schema_numbers = itertools.count(1)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sqlite_only(reason): the test is about the SQLite metadata DB file; it runs on "
        f"SQLite even when {BACKEND_VARIABLE}=postgresql",
    )


def backend() -> str:
    """The metadata DB backend the tests run on: ``sqlite`` or ``postgresql``.

    :raises pytest.UsageError: for another value.
    """
    value = os.environ.get(BACKEND_VARIABLE, "sqlite") or "sqlite"
    if value not in ("sqlite", "postgresql"):
        raise pytest.UsageError(f"{BACKEND_VARIABLE}={value!r}: use sqlite or postgresql")
    return value


@pytest.fixture(scope="session")
def metadata_db_server() -> Iterator[PostgresServer]:
    """The session's PostgreSQL server for metadata DBs (started on first use)."""
    from taskloom_testing.postgres import serve_postgres

    with serve_postgres() as server:
        yield server


@pytest.fixture(scope="session")
def _metadata_db_admin(metadata_db_server: PostgresServer) -> Iterator[Any]:
    """One connection for the session, which creates each test's schema."""
    import psycopg

    with psycopg.connect(
        host=metadata_db_server.host,
        port=metadata_db_server.port,
        user=metadata_db_server.user,
        password=metadata_db_server.password,
        dbname=metadata_db_server.database,
        autocommit=True,
    ) as admin:
        yield admin


@pytest.fixture(autouse=True)
def taskloom_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[Path]:
    """A private TASKLOOM_HOME, ``tmp_path / "taskloom-home"`` (not created), and no settings
    but the metadata DB's (see the module docstring).

    The caller's ``TASKLOOM*`` variables are dropped, except ``TASKLOOM_TEST_*``. taskloom's
    cache of ``taskloom.toml`` is cleared before and after, so a test reads its own home's.
    """
    for name in list(os.environ):
        if name.startswith(DROPPED_PREFIX) and not name.startswith(KEPT_PREFIX):
            monkeypatch.delenv(name)
    home = tmp_path / "taskloom-home"
    monkeypatch.setenv("TASKLOOM_HOME", str(home))
    if backend() == "postgresql" and request.node.get_closest_marker("sqlite_only") is None:
        schema = f"test_{os.getpid()}_{next(_schema_numbers)}"
        request.getfixturevalue("_metadata_db_admin").execute(f"CREATE SCHEMA {schema}")
        server = request.getfixturevalue("metadata_db_server")
        monkeypatch.setenv(
            "TASKLOOM__DATABASE__URL", f"{server.uri}?options=-csearch_path%3D{schema}"
        )
    from taskloom import configuration

    configuration._file_settings.cache_clear()
    yield home
    configuration._file_settings.cache_clear()
