"""``RedisPubSubSensor``: wait for a message on Redis pub/sub channels."""

from __future__ import annotations

from typing import Any

from redis.client import PubSub
from taskloom.models.baseoperator import Context
from taskloom.providers.redis.hooks.redis import RedisHook
from taskloom.sensors.base import BaseSensorOperator
from taskloom.sensors.base import PokeReturnValue


def _text(value: Any) -> Any:
    """Decode bytes from redis-py so the message can be stored as XCom (JSON)."""
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else value


class RedisPubSubSensor(BaseSensorOperator):
    """Succeed on the first message published on ``channels``; push it to XCom.

    The message is a dict with ``type``, ``pattern``, ``channel`` and ``data`` (bytes
    decoded as UTF-8, undecodable bytes replaced).  It is pushed under the XCom key
    ``message`` (as Airflow's sensor does) and is also the sensor's return value, so
    ``sensor.output`` passes it to a downstream task.

    Redis pub/sub does not store messages: only those published *after* the sensor
    subscribed (at its first poke) are seen.  The subscription lives in the running task,
    so use ``mode="poke"`` (the default): in ``mode="reschedule"`` each run would
    subscribe anew and miss what was published in between, so it is refused.

    :param channels: a channel name or a list of them (templated).
    :param redis_conn_id: id of a connection of type ``redis``.
    :raises ValueError: for ``mode="reschedule"`` or no channel.
    """

    template_fields = ("channels",)

    def __init__(
        self,
        *,
        channels: str | list[str],
        redis_conn_id: str = RedisHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if self.mode == "reschedule":
            raise ValueError(
                f"sensor {self.task_id!r}: RedisPubSubSensor cannot run in mode='reschedule' "
                "(Redis does not keep messages published between two runs); use mode='poke'"
            )
        if not channels:
            raise ValueError(
                f"sensor {self.task_id!r}: RedisPubSubSensor needs a channel name or a "
                f"non-empty list of them, got {channels!r}"
            )
        self.channels = channels
        self.redis_conn_id = redis_conn_id
        self._hook: RedisHook | None = None
        self._pubsub: PubSub | None = None

    def _subscription(self, context: Context) -> PubSub:
        """Subscribe on first use (never at DAG parse time, unlike Airflow's sensor)."""
        if self._pubsub is None:
            channels = [self.channels] if isinstance(self.channels, str) else list(self.channels)
            self._hook = RedisHook(redis_conn_id=self.redis_conn_id)
            self._pubsub = self._hook.get_conn().pubsub()  # type: ignore[no-untyped-call,unused-ignore]  # typed from redis 8.2
            self._pubsub.subscribe(*channels)
            self.task_log(context).info("Subscribed to Redis channel(s) %s", ", ".join(channels))
        return self._pubsub

    def poke(self, context: Context) -> bool | PokeReturnValue:
        """Read what has arrived; on a published message push it to XCom and succeed."""
        pubsub = self._subscription(context)
        while (message := pubsub.get_message()) is not None:
            if message["type"] != "message":
                continue  # subscribe confirmations
            received = {key: _text(message[key]) for key in ("type", "pattern", "channel", "data")}
            self.task_log(context).info(
                "Received a message on Redis channel %r", received["channel"]
            )
            context["ti"].xcom_push(key="message", value=received)
            return PokeReturnValue(is_done=True, xcom_value=received)
        return False

    def execute(self, context: Context) -> Any:
        """Run the sensor, then unsubscribe and close the client whatever the outcome."""
        try:
            return super().execute(context)
        finally:
            self._close()

    def _close(self) -> None:
        if self._pubsub is not None:
            self._pubsub.close()
            self._pubsub = None
        if self._hook is not None:
            self._hook.close()
            self._hook = None
