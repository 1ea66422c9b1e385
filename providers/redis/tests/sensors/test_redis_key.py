"""Tests of taskloom.providers.redis.sensors.redis_key against a real redis-server."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
import redis

from taskloom.providers.redis.sensors.redis_key import RedisKeySensor
from taskloom_testing.redis import RedisServer
from tests.conftest import LOGICAL_DATE
from tests.conftest import DagsTest


def test_poke_follows_the_key(redis_conn: RedisServer, admin: redis.Redis) -> None:
    """poke() is false while the key is missing and true once it exists."""
    admin.delete("sensor:key")
    sensor = RedisKeySensor(task_id="wait", key="sensor:key", poke_interval=0)
    assert sensor.poke({}) is False
    admin.set("sensor:key", "here")
    assert sensor.poke({}) is True
    admin.delete("sensor:key")
    assert sensor.poke({}) is False


def test_key_sensor_in_another_database(
    redis_server: RedisServer, admin: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sensor looks in the connection's database, not in database 0."""
    monkeypatch.setenv("TASKLOOM_CONN_REDIS_DB7", redis_server.uri(db=7))
    admin.set("sensor:db", "in db 0")
    sensor = RedisKeySensor(task_id="wait", key="sensor:db", redis_conn_id="redis_db7")
    assert sensor.poke({}) is False


def test_key_is_templated() -> None:
    """key is the templated field."""
    assert RedisKeySensor.template_fields == ("key",)


RESCHEDULE_DAG = """
from datetime import datetime

from taskloom import DAG
from taskloom.providers.redis.sensors.redis_key import RedisKeySensor

with DAG(dag_id="key_reschedule", schedule=None, start_date=datetime(2024, 1, 1)):
    RedisKeySensor(
        task_id="wait", key="ready:{{ ds }}", mode="reschedule", poke_interval=0.2, timeout=120
    )
"""


def test_reschedule_mode_and_templated_key(
    redis_conn: RedisServer,
    admin: redis.Redis,
    dags_test: DagsTest,
    tmp_path: Path,
    taskloom_home: Path,
) -> None:
    """In mode='reschedule' the sensor is run again until the rendered key appears."""
    key = f"ready:{LOGICAL_DATE}"
    admin.delete(key)
    dag_file = tmp_path / "key_reschedule.py"
    dag_file.write_text(RESCHEDULE_DAG)
    poke_line = f"Checking whether Redis key '{key}' exists"

    def pokes() -> int:
        files = (taskloom_home / "logs").rglob("*.log")
        return sum(path.read_text(errors="replace").count(poke_line) for path in files)

    def create_key_after_two_pokes(process: subprocess.Popen[str]) -> None:
        deadline = time.monotonic() + 120
        while pokes() < 2 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        admin.set(key, "1")

    outcome = dags_test(dag_file, "key_reschedule", while_running=create_key_after_two_pokes)
    assert outcome.returncode == 0, outcome.output
    assert pokes() >= 3
