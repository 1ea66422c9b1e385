"""Tests of taskloom.providers.redis.operators.redis_publish against a real redis-server."""

from __future__ import annotations

from pathlib import Path

import pytest

from taskloom.exceptions import InvalidConnectionError
from taskloom.providers.redis.operators.redis_publish import RedisPublishOperator
from taskloom_testing.redis import RedisServer
from tests.conftest import DagsTest
from tests.conftest import Subscribe


def test_publish_reaches_subscriber(redis_conn: RedisServer, subscribe: Subscribe) -> None:
    """The message arrives on the channel, and the number of receivers is returned."""
    pubsub = subscribe("op:news")
    operator = RedisPublishOperator(task_id="publish", channel="op:news", message="hello")
    assert operator.execute({}) == 1
    message = pubsub.get_message(timeout=5)
    assert message is not None
    assert (message["channel"], message["data"]) == (b"op:news", b"hello")


def test_publish_without_subscribers(redis_conn: RedisServer) -> None:
    """Redis drops a message nobody listens to; the operator says so by returning 0."""
    operator = RedisPublishOperator(task_id="publish", channel="op:nobody", message="lost")
    assert operator.execute({}) == 0


def test_publish_templated_fields() -> None:
    """channel and message are the templated fields; the default connection is redis_default."""
    operator = RedisPublishOperator(task_id="publish", channel="c", message="m")
    assert RedisPublishOperator.template_fields == ("channel", "message")
    assert operator.redis_conn_id == "redis_default"


def test_publish_wrong_password(redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """A wrong password fails the task with the connection-naming error, without the secret."""
    monkeypatch.setenv(
        "TASKLOOM_CONN_REDIS_WRONG",
        f"redis://:not-the-pw-41@{redis_server.host}:{redis_server.port}/0",
    )
    operator = RedisPublishOperator(
        task_id="publish", channel="c", message="m", redis_conn_id="redis_wrong"
    )
    with pytest.raises(InvalidConnectionError, match="connection 'redis_wrong'") as info:
        operator.execute({})
    assert "not-the-pw-41" not in str(info.value)


WRONG_PASSWORD_DAG = """
from datetime import datetime

from taskloom import DAG
from taskloom.providers.redis.operators.redis_publish import RedisPublishOperator

with DAG(dag_id="wrong_password", schedule=None, start_date=datetime(2024, 1, 1)):
    RedisPublishOperator(task_id="publish", channel="c", message="m", redis_conn_id="redis_wrong")
"""


def test_wrong_password_in_a_dag_run(
    redis_server: RedisServer, dags_test: DagsTest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The failed task's log explains the rejected login; neither password is in any log."""
    monkeypatch.setenv(
        "TASKLOOM_CONN_REDIS_WRONG",
        f"redis://:not-the-pw-57@{redis_server.host}:{redis_server.port}/0",
    )
    dag_file = tmp_path / "wrong_password.py"
    dag_file.write_text(WRONG_PASSWORD_DAG)
    outcome = dags_test(dag_file, "wrong_password")
    assert outcome.returncode == 1, outcome.output
    logs = outcome.logs()
    assert "connection 'redis_wrong': the Redis server at" in logs
    assert "fix the login and password of the connection" in logs
    for secret in ("not-the-pw-57", redis_server.password):
        assert secret not in logs
        assert secret not in outcome.output
