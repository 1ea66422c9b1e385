"""Tests of taskloom.providers.redis.sensors.redis_key against a real redis-server."""

from __future__ import annotations

import pytest
import redis

from taskloom.providers.redis.sensors.redis_key import RedisKeySensor
from taskloom_testing.redis import RedisServer


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
