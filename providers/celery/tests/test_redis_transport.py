"""The Redis transport the workers use keeps taken messages when the broker connection is
already gone (kombu's own raises there, and Celery's worker stops on it)."""

from __future__ import annotations

import dataclasses
import time

import pytest
from kombu import Connection

from taskloom.providers.celery import redis_transport
from taskloom.providers.celery.app import create_app
from taskloom.providers.celery.settings import CelerySettings
from taskloom_testing.celery import Broker


def _take_one_then_lose_the_connection(broker: Broker, transport: str) -> Connection:
    """Take a message without acknowledging it, then tear the transport's client down the
    way kombu does when the broker connection breaks; return the connection."""
    connection = Connection(broker.url, transport=transport)
    queue = connection.SimpleQueue("work")
    queue.put({"n": 1})
    message = queue.get(timeout=5)
    assert message.payload == {"n": 1}
    connection.transport.client = None
    return connection


def test_kombu_s_transport_fails_there(broker: Broker) -> None:
    """What the worker met: kombu's Redis transport raises AttributeError closing the channel."""
    connection = _take_one_then_lose_the_connection(broker, "redis")
    with pytest.raises(AttributeError, match="hostname"):
        connection.default_channel.close()


def test_taskloom_s_transport_leaves_the_message_to_come_back(
    broker: Broker, caplog: pytest.LogCaptureFixture
) -> None:
    """Closing succeeds, says where the message went, and it is delivered again after
    visibility_timeout; nothing is lost."""
    connection = _take_one_then_lose_the_connection(broker, redis_transport.TRANSPORT)
    connection.default_channel.close()
    assert "1 message(s) taken and not started go back to their queue" in caplog.text
    time.sleep(1.5)
    options = {"visibility_timeout": 1}
    with Connection(broker.url, transport_options=options) as again:
        again.default_channel.qos.restore_visible()
        message = again.SimpleQueue("work").get(timeout=5)
        assert message.payload == {"n": 1}
        message.ack()


def test_the_workers_use_it_for_redis_brokers_only(broker: Broker) -> None:
    """redis:// brokers get this transport; amqp:// and rediss:// keep kombu's own."""
    settings = CelerySettings.from_config()
    for url, transport in (
        (broker.url, redis_transport.TRANSPORT),
        ("amqp://guest:guest@127.0.0.1:5672//", None),
        ("rediss://127.0.0.1:6380/0", None),
    ):
        app = create_app(dataclasses.replace(settings, broker_url=url))
        assert app.conf.broker_transport == transport, url
