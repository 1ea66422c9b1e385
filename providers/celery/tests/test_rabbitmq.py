"""RabbitMQ as the broker: Debian's rabbitmq-server, started by the test on 127.0.0.1, with
Redis as the result backend."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Deployment

from taskloom_testing.celery import RabbitBroker


@pytest.fixture
def rabbitmq(tmp_path: Path) -> Iterator[RabbitBroker]:
    """A RabbitMQ node of the test's own."""
    broker = RabbitBroker(tmp_path / "rabbitmq")
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


def test_a_dag_runs_through_a_rabbitmq_broker(
    deployment: Deployment, rabbitmq: RabbitBroker
) -> None:
    """amqp:// works as [celery] broker_url: 200 tasks on two queues, each run once where it belongs."""
    deployment.settings["TASKLOOM__CELERY__BROKER_URL"] = rabbitmq.url
    deployment.settings["TASKLOOM__CELERY__RESULT_BACKEND"] = deployment.broker.url
    first = deployment.worker("first", queues="alpha,default")
    second = deployment.worker("second", queues="beta")
    assert "amqp://guest:**@127.0.0.1" in first.log()
    outcome = deployment.dags_test("two_queues")
    assert outcome.returncode == 0, outcome.output
    states = outcome.task_states()
    assert len(states) == 200
    assert set(states.values()) == {"success"}
    records = deployment.records()
    assert Counter(task_id for task_id, *_ in records) == dict.fromkeys(states, 1)
    homes = {queue: home for _, _, home, queue in records}
    assert homes == {
        "alpha": str(deployment.root / f"home-{first.name}"),
        "default": str(deployment.root / f"home-{first.name}"),
        "beta": str(deployment.root / f"home-{second.name}"),
    }
