"""React to a message published on a Redis channel.

``wait_for_order`` subscribes to the ``orders`` channel with :class:`RedisPubSubSensor` and
succeeds on the first message published there (by any Redis client, e.g.
``redis-cli PUBLISH orders '{"id": 7, "item": "teapot"}'``).  ``handle_order`` pulls the
message from XCom and parses it, and ``acknowledge`` publishes a templated reply on
``orders:ack``.  Every task uses the connection ``redis_default``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from taskloom import DAG
from taskloom import task
from taskloom.providers.redis.operators.redis_publish import RedisPublishOperator
from taskloom.providers.redis.sensors.redis_pub_sub import RedisPubSubSensor

with DAG(
    dag_id="example_redis_pubsub",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    tags=["example", "redis"],
):
    wait_for_order = RedisPubSubSensor(
        task_id="wait_for_order",
        channels=["orders"],
        poke_interval=0.2,
        timeout=300,
    )

    @task
    def handle_order(**context: Any) -> int:
        """Parse the order the sensor pushed to XCom (key ``message``); return its id."""
        message = context["ti"].xcom_pull(task_ids="wait_for_order", key="message")
        order = json.loads(message["data"])
        return int(order["id"])

    acknowledge = RedisPublishOperator(
        task_id="acknowledge",
        channel="orders:ack",
        message="order {{ ti.xcom_pull(task_ids='handle_order') }} accepted",
    )

    wait_for_order >> handle_order() >> acknowledge
