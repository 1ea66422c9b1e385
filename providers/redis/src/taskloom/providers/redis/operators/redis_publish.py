"""``RedisPublishOperator``: publish one message on a Redis pub/sub channel."""

from __future__ import annotations

from typing import Any

from taskloom.models.baseoperator import BaseOperator
from taskloom.models.baseoperator import Context
from taskloom.providers.redis.hooks.redis import RedisHook


class RedisPublishOperator(BaseOperator):
    """Publish ``message`` on ``channel`` (``PUBLISH``); both are Jinja-templated.

    Pub/sub delivers only to clients subscribed at that moment: a message nobody listens
    to is dropped by Redis, so the operator returns (and pushes to XCom) the number of
    subscribers that received it, for downstream tasks that care.

    :param channel: the channel name.
    :param message: the message text.
    :param redis_conn_id: id of a connection of type ``redis``.
    """

    template_fields = ("channel", "message")

    def __init__(
        self,
        *,
        channel: str,
        message: str,
        redis_conn_id: str = RedisHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.channel = channel
        self.message = message
        self.redis_conn_id = redis_conn_id

    def execute(self, context: Context) -> int:
        """Publish the rendered message and return how many subscribers received it."""
        log = self.task_log(context)
        hook = RedisHook(redis_conn_id=self.redis_conn_id)
        try:
            log.info("Publishing a message on Redis channel %r", self.channel)
            receivers = int(hook.get_conn().publish(self.channel, self.message))
        finally:
            hook.close()
        log.info("%d subscriber(s) received the message", receivers)
        return receivers
