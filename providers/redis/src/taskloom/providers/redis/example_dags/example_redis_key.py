"""Wait for a key in Redis, then announce it on a pub/sub channel.

``store_report`` writes today's report under ``reports:<ds>`` with :class:`RedisHook`
(standing in for the outside job that normally does it), ``wait_for_report`` waits for the
key with :class:`RedisKeySensor`, and ``announce_report`` publishes a templated message on
the ``reports`` channel with :class:`RedisPublishOperator`.  Every task uses the
connection ``redis_default``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from taskloom import DAG
from taskloom import task
from taskloom.providers.redis.hooks.redis import RedisHook
from taskloom.providers.redis.operators.redis_publish import RedisPublishOperator
from taskloom.providers.redis.sensors.redis_key import RedisKeySensor

with DAG(
    dag_id="example_redis_key",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    tags=["example", "redis"],
):

    @task
    def store_report(**context: Any) -> str:
        """Store the day's report (a stand-in for the job that produces it)."""
        key = f"reports:{context['ds']}"
        hook = RedisHook()
        try:
            hook.get_conn().set(key, "42 rows exported", ex=86400)
        finally:
            hook.close()
        return key

    wait_for_report = RedisKeySensor(
        task_id="wait_for_report",
        key="reports:{{ ds }}",
        poke_interval=1,
        timeout=300,
    )
    announce_report = RedisPublishOperator(
        task_id="announce_report",
        channel="reports",
        message="report {{ ds }} is ready",
    )

    store_report() >> wait_for_report >> announce_report
