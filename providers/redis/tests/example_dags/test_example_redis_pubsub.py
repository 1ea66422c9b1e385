"""Tests of example_dags/example_redis_pubsub.py: the DAG run end to end against redis-server."""

from __future__ import annotations

import json
from pathlib import Path

import redis

from taskloom.providers.redis.example_dags import example_redis_pubsub
from taskloom_testing.redis import RedisServer
from taskloom_testing.redis import publish_until_received
from tests.conftest import DagsTest
from tests.conftest import Subscribe

ORDER = {"id": 7, "item": "teapot"}


def test_example_redis_pubsub(
    redis_conn: RedisServer, admin: redis.Redis, subscribe: Subscribe, dags_test: DagsTest
) -> None:
    """The sensor receives the order, the handler parses it, the acknowledgement goes out."""
    acks = subscribe("orders:ack")

    outcome = dags_test(
        Path(example_redis_pubsub.__file__),
        "example_redis_pubsub",
        while_running=publish_until_received(admin, "orders", json.dumps(ORDER)),
    )

    assert outcome.returncode == 0, outcome.output
    message = {"type": "message", "pattern": None, "channel": "orders", "data": json.dumps(ORDER)}
    assert outcome.xcom("wait_for_order", key="message") == message
    assert outcome.xcom("wait_for_order") == message
    assert outcome.xcom("handle_order") == 7
    ack = acks.get_message(timeout=5)
    assert ack is not None
    assert ack["data"] == b"order 7 accepted"
    logs = outcome.logs()
    assert "Subscribed to Redis channel(s) orders" in logs
    assert redis_conn.password not in logs
    assert redis_conn.password not in outcome.output
