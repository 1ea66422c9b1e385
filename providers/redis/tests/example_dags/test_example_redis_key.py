"""Tests of example_dags/example_redis_key.py: the DAG run end to end against redis-server."""

from __future__ import annotations

from pathlib import Path

import redis

from taskloom.providers.redis.example_dags import example_redis_key
from taskloom_testing.redis import RedisServer
from tests.conftest import LOGICAL_DATE
from tests.conftest import DagsTest
from tests.conftest import Subscribe


def test_example_redis_key(
    redis_conn: RedisServer, admin: redis.Redis, subscribe: Subscribe, dags_test: DagsTest
) -> None:
    """Every task succeeds: the key is written, seen by the sensor, and announced."""
    admin.delete(f"reports:{LOGICAL_DATE}")
    listener = subscribe("reports")

    outcome = dags_test(Path(example_redis_key.__file__), "example_redis_key")

    assert outcome.returncode == 0, outcome.output
    assert outcome.xcom("store_report") == f"reports:{LOGICAL_DATE}"
    assert admin.get(f"reports:{LOGICAL_DATE}") == b"42 rows exported"
    assert outcome.xcom("announce_report") == 1
    message = listener.get_message(timeout=5)
    assert message is not None
    assert message["data"] == f"report {LOGICAL_DATE} is ready".encode()
    logs = outcome.logs()
    assert "Checking whether Redis key 'reports:2026-01-02' exists" in logs
    assert "1 subscriber(s) received the message" in logs
    assert redis_conn.password not in logs
    assert redis_conn.password not in outcome.output
