"""Fixtures of the redis provider's tests: a real redis-server, and a private TASKLOOM_HOME."""

from __future__ import annotations

import json
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import redis
from redis.client import PubSub

from taskloom_testing.dagrun import DagRunOutcome
from taskloom_testing.dagrun import WhileRunning
from taskloom_testing.dagrun import run_dags_test

if TYPE_CHECKING:
    from taskloom_testing.redis import RedisServer

# The redis_server and redis_tls_server fixtures; the autouse taskloom_home fixture (a private
# TASKLOOM_HOME, no TASKLOOM_* settings of the caller).
pytest_plugins = ["taskloom_testing.redis", "taskloom_testing.home"]

#: The logical date of every DAG run the tests start.
LOGICAL_DATE = "2026-01-02"


@pytest.fixture
def redis_conn(redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch) -> RedisServer:
    """Define ``redis_default`` (through TASKLOOM_CONN_REDIS_DEFAULT) for the test server."""
    monkeypatch.setenv("TASKLOOM_CONN_REDIS_DEFAULT", redis_server.uri())
    return redis_server


@pytest.fixture
def tls_conn(redis_tls_server: RedisServer, monkeypatch: pytest.MonkeyPatch) -> RedisServer:
    """Define ``redis_tls`` (JSON form) for the TLS test server, with a client certificate."""
    tls = redis_tls_server.tls
    assert tls is not None
    conn = {
        "conn_type": "redis",
        "host": redis_tls_server.host,
        "port": redis_tls_server.port,
        "password": redis_tls_server.password,
        "extra": {
            "ssl": True,
            "ssl_ca_certs": str(tls.ca_certs),
            "ssl_certfile": str(tls.certfile),
            "ssl_keyfile": str(tls.keyfile),
        },
    }
    monkeypatch.setenv("TASKLOOM_CONN_REDIS_TLS", json.dumps(conn))
    return redis_tls_server


@pytest.fixture
def admin(redis_server: RedisServer) -> Iterator[redis.Redis]:
    """A plain redis-py client with the server's own password, to set up and check state."""
    client = redis.Redis(
        host=redis_server.host, port=redis_server.port, password=redis_server.password or None
    )
    yield client
    client.close()


#: ``subscribe(channel)``: a pub/sub subscription of the admin client; see :func:`subscribe`.
Subscribe = Callable[[str], PubSub]


@pytest.fixture
def subscribe(admin: redis.Redis) -> Iterator[Subscribe]:
    """Subscribe to a channel now (confirmed by the server), to check what gets published."""
    opened: list[PubSub] = []

    def make(channel: str) -> PubSub:
        pubsub: PubSub = admin.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
        opened.append(pubsub)
        pubsub.subscribe(channel)
        assert pubsub.get_message(timeout=5) is None  # consumes the subscribe confirmation
        return pubsub

    yield make
    for pubsub in opened:
        pubsub.close()


#: ``dags_test(dag_file, dag_id, while_running=None)``; see :func:`dags_test`.
DagsTest = Callable[..., DagRunOutcome]


@pytest.fixture
def dags_test(taskloom_home: Path) -> DagsTest:
    """Run ``taskloom dags test DAG_ID 2026-01-02 -S FILE`` in a new process, as a user would.

    ``while_running(process)`` is called once the process started, for tests that must
    act during the run (publish a message a sensor waits for).
    """

    def run(
        dag_file: Path, dag_id: str, while_running: WhileRunning | None = None
    ) -> DagRunOutcome:
        return run_dags_test(
            dag_file, dag_id, logical_date=LOGICAL_DATE, while_running=while_running
        )

    return run
