"""``RedisKeySensor``: wait until a key exists in Redis."""

from __future__ import annotations

from typing import Any

from taskloom.models.baseoperator import Context
from taskloom.providers.redis.hooks.redis import RedisHook
from taskloom.sensors.base import BaseSensorOperator


class RedisKeySensor(BaseSensorOperator):
    """Succeed once ``key`` exists (``EXISTS``); the key is Jinja-templated.

    Each poke uses a fresh client and closes it, so the sensor holds no connection
    between pokes and works in ``mode="reschedule"``.

    :param key: the key to wait for.
    :param redis_conn_id: id of a connection of type ``redis``.
    """

    template_fields = ("key",)

    def __init__(
        self,
        *,
        key: str,
        redis_conn_id: str = RedisHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.key = key
        self.redis_conn_id = redis_conn_id

    def poke(self, context: Context) -> bool:
        """Return whether the key exists now."""
        self.task_log(context).info("Checking whether Redis key %r exists", self.key)
        hook = RedisHook(redis_conn_id=self.redis_conn_id)
        try:
            return bool(hook.get_conn().exists(self.key))
        finally:
            hook.close()
