"""Tests of taskloom.providers.redis.sensors.redis_pub_sub, run through ``taskloom dags test``."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import redis

from taskloom.providers.redis.sensors.redis_pub_sub import RedisPubSubSensor
from taskloom_testing.redis import RedisServer
from taskloom_testing.redis import publish_until_received
from tests.conftest import LOGICAL_DATE
from tests.conftest import DagsTest

DAG_FILE = """
from datetime import datetime

from taskloom import DAG
from taskloom.providers.redis.sensors.redis_pub_sub import RedisPubSubSensor

with DAG(dag_id="pubsub_sensor", schedule=None, start_date=datetime(2024, 1, 1)):
    RedisPubSubSensor(
        task_id="wait",
        channels=["never:{{ ds }}", "events:{{ ds }}"],
        poke_interval=0.1,
        timeout=TIMEOUT,
        soft_fail=SOFT_FAIL,
    )
"""


def _dag_file(tmp_path: Path, *, timeout: float, soft_fail: bool = False) -> Path:
    path = tmp_path / "pubsub_sensor.py"
    source = DAG_FILE.replace("TIMEOUT", repr(timeout)).replace("SOFT_FAIL", repr(soft_fail))
    path.write_text(textwrap.dedent(source))
    return path


def test_templated_channels_and_xcom(
    redis_conn: RedisServer, admin: redis.Redis, dags_test: DagsTest, tmp_path: Path
) -> None:
    """The rendered channel list is subscribed; the first message is pushed to XCom, decoded."""
    outcome = dags_test(
        _dag_file(tmp_path, timeout=120),
        "pubsub_sensor",
        while_running=publish_until_received(
            admin, f"events:{LOGICAL_DATE}", "caf\u00e9 \xff".encode() + b"\xff"
        ),
    )
    assert outcome.returncode == 0, outcome.output
    expected = {
        "type": "message",
        "pattern": None,
        "channel": f"events:{LOGICAL_DATE}",
        "data": "caf\u00e9 \u00ff\ufffd",
    }
    assert outcome.xcom("wait", key="message") == expected
    logs = outcome.logs()
    assert f"Subscribed to Redis channel(s) never:{LOGICAL_DATE}, events:{LOGICAL_DATE}" in logs
    assert redis_conn.password not in logs


def test_timeout_without_message(
    redis_conn: RedisServer, dags_test: DagsTest, tmp_path: Path
) -> None:
    """With nothing published the sensor times out and the run fails."""
    outcome = dags_test(_dag_file(tmp_path, timeout=1), "pubsub_sensor")
    assert outcome.returncode == 1, outcome.output
    assert "timed out" in outcome.logs()


def test_soft_fail_skips(redis_conn: RedisServer, dags_test: DagsTest, tmp_path: Path) -> None:
    """soft_fail turns the timeout into a skip, and the run succeeds."""
    outcome = dags_test(_dag_file(tmp_path, timeout=1, soft_fail=True), "pubsub_sensor")
    assert outcome.returncode == 0, outcome.output
    assert "skipped" in outcome.output


def test_reschedule_mode_is_refused() -> None:
    """mode='reschedule' would lose messages between runs, so the sensor refuses it."""
    with pytest.raises(ValueError, match="cannot run in mode='reschedule'"):
        RedisPubSubSensor(task_id="wait", channels="c", mode="reschedule")


@pytest.mark.parametrize("channels", ["", []])
def test_no_channel_is_refused(channels: str | list[str]) -> None:
    """An empty channel name or list is refused when the DAG is declared."""
    with pytest.raises(ValueError, match="needs a channel name or a non-empty list"):
        RedisPubSubSensor(task_id="wait", channels=channels)


def test_channels_are_templated() -> None:
    """channels is the templated field; a single channel name is accepted too."""
    assert RedisPubSubSensor.template_fields == ("channels",)
    assert RedisPubSubSensor(task_id="wait", channels="one").channels == "one"
