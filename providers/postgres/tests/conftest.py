"""A real PostgreSQL server for the session, and a fresh database and connection per test."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from typing import Protocol

import psycopg
import pytest

from taskloom_testing.dagrun import DagRunOutcome
from taskloom_testing.dagrun import run_dags_test
from taskloom_testing.postgres import PostgresServer
from taskloom_testing.postgres import PostgresSslServer
from taskloom_testing.postgres import postgres_server  # noqa: F401  (fixture)
from taskloom_testing.postgres import postgres_ssl_server  # noqa: F401  (fixture)

# The autouse taskloom_home fixture: a private TASKLOOM_HOME, no TASKLOOM_* settings of the caller.
pytest_plugins = ["taskloom_testing.home"]


def _admin(server: PostgresServer) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(
        host=server.host,
        port=server.port,
        user=server.user,
        password=server.password,
        dbname=server.database,
        autocommit=True,
    )


@pytest.fixture
def pg(postgres_server: PostgresServer) -> Iterator[PostgresServer]:  # noqa: F811
    """The server, with a database of this test's own (dropped afterwards)."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    with _admin(postgres_server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield replace(postgres_server, database=name)
    with _admin(postgres_server) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


class ConnectionSetter(Protocol):
    """Define ``postgres_default`` for this test's database, with extra fields."""

    def __call__(self, conn_id: str = "postgres_default", /, **fields: Any) -> None: ...


@pytest.fixture
def set_connection(pg: PostgresServer, monkeypatch: pytest.MonkeyPatch) -> ConnectionSetter:
    """Define a ``postgres`` connection to this test's database through ``TASKLOOM_CONN_<ID>``.

    Keyword arguments override the connection's fields (``password=...``, ``extra={...}``).
    """

    def define(conn_id: str = "postgres_default", /, **fields: Any) -> None:
        value: dict[str, Any] = {
            "conn_type": "postgres",
            "host": pg.host,
            "port": pg.port,
            "login": pg.user,
            "password": pg.password,
            "schema": pg.database,
            **fields,
        }
        monkeypatch.setenv(f"TASKLOOM_CONN_{conn_id.upper()}", json.dumps(value))

    return define


@pytest.fixture
def postgres_default(pg: PostgresServer, set_connection: ConnectionSetter) -> PostgresServer:
    """``postgres_default`` points at this test's database."""
    set_connection()
    return pg


#: Runs one SQL string on the test's database and returns its rows.
RunSql = Callable[[str], list[tuple[Any, ...]]]


@pytest.fixture
def run_sql(pg: PostgresServer) -> RunSql:
    """Run SQL on this test's database with psycopg itself, not through the code under test."""

    def run(statement: str) -> list[tuple[Any, ...]]:
        with _admin(pg) as conn:
            cur = conn.execute(statement.encode())
            return cur.fetchall() if cur.description else []

    return run


@pytest.fixture
def set_ssl_connection(
    postgres_ssl_server: PostgresSslServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> ConnectionSetter:
    """Define a ``postgres`` connection to the SSL-only server, extras from keyword ``extra``.

    The default extra logs in with everything that server demands: ``verify-full``
    against the test CA, the client certificate and its encrypted key with its password.
    """
    server = postgres_ssl_server

    def define(conn_id: str = "postgres_default", /, **fields: Any) -> None:
        value: dict[str, Any] = {
            "conn_type": "postgres",
            "host": server.host,
            "port": server.port,
            "login": server.user,
            "password": server.password,
            "schema": server.database,
            "extra": {
                "sslmode": "verify-full",
                "sslrootcert": str(server.ca_cert),
                "sslcert": str(server.client_cert),
                "sslkey": str(server.client_key),
                "sslkey_password": server.client_key_password,
            },
            **fields,
        }
        monkeypatch.setenv(f"TASKLOOM_CONN_{conn_id.upper()}", json.dumps(value))

    return define


#: The logical date every DAG run of these tests uses.
LOGICAL_DATE = "2026-01-02"


DagRunner = Callable[[Path, str], DagRunOutcome]


@pytest.fixture
def dags_test(taskloom_home: Path) -> DagRunner:
    """Run ``taskloom dags test DAG_ID 2026-01-02 -S FILE`` in a new process, as a user would."""

    def run(dag_file: Path, dag_id: str) -> DagRunOutcome:
        return run_dags_test(dag_file, dag_id, logical_date=LOGICAL_DATE)

    return run
