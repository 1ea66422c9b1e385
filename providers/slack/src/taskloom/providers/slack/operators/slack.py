"""``SlackAPIPostOperator``: post a message with the Slack Web API (``chat.postMessage``)."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from taskloom.models.baseoperator import BaseOperator
from taskloom.models.baseoperator import Context
from taskloom.providers.slack.hooks.slack import SlackHook


class SlackAPIPostOperator(BaseOperator):
    """Post a message to a channel with ``chat.postMessage`` and a ``slack`` connection's token.

    ``channel``, ``text``, ``username``, ``icon_emoji``, ``icon_url``, ``blocks`` and
    ``attachments`` are templated. The message's ``ts`` (its id, for threads and edits) is
    pushed to XCom.

    :param channel: ``#name``, or a channel or user id (``C0123...``).
    :param text: the text, or the notification fallback when ``blocks`` are given.
    :param blocks: Block Kit blocks.
    :param attachments: legacy attachments.
    :param username: the sender's name (needs the ``chat:write.customize`` scope).
    :param icon_emoji: the sender's icon as an emoji.
    :param icon_url: the sender's icon as an image URL.
    :param thread_ts: post as a reply in this thread.
    :param slack_conn_id: the connection, default ``slack_api_default``.
    """

    template_fields = (
        "channel",
        "text",
        "username",
        "icon_emoji",
        "icon_url",
        "blocks",
        "attachments",
        "thread_ts",
    )
    template_fields_renderers = {"blocks": "json", "attachments": "json"}
    ui_color = "#e8d5f5"

    def __init__(
        self,
        *,
        channel: str,
        text: str = "",
        blocks: Sequence[Mapping[str, Any]] | None = None,
        attachments: Sequence[Mapping[str, Any]] | None = None,
        username: str | None = None,
        icon_emoji: str | None = None,
        icon_url: str | None = None,
        thread_ts: str | None = None,
        slack_conn_id: str = SlackHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.channel = channel
        self.text = text
        self.blocks = blocks
        self.attachments = attachments
        self.username = username
        self.icon_emoji = icon_emoji
        self.icon_url = icon_url
        self.thread_ts = thread_ts
        self.slack_conn_id = slack_conn_id

    def execute(self, context: Context) -> str | None:
        """Post the rendered message; return its ``ts``.

        :raises ValueError: no text, blocks or attachments.
        :raises SlackApiCallError: Slack refused the call (the message says why).
        """
        if not (self.text or self.blocks or self.attachments):
            raise ValueError(
                f"task {self.task_id!r}: a Slack message needs text, blocks or attachments."
            )
        body: dict[str, Any] = {
            "channel": self.channel,
            "text": self.text or None,
            "blocks": list(self.blocks) if self.blocks is not None else None,
            "attachments": list(self.attachments) if self.attachments is not None else None,
            "username": self.username,
            "icon_emoji": self.icon_emoji,
            "icon_url": self.icon_url,
            "thread_ts": self.thread_ts,
        }
        data = SlackHook(slack_conn_id=self.slack_conn_id).call(
            "chat.postMessage", json={k: v for k, v in body.items() if v is not None}
        )
        self.task_log(context).info(
            "posted message %s to %s", data.get("ts"), data.get("channel", self.channel)
        )
        ts = data.get("ts")
        return str(ts) if ts is not None else None
