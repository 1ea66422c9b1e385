"""``SlackWebhookOperator``: post a message to a Slack incoming webhook."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from taskloom.models.baseoperator import BaseOperator
from taskloom.models.baseoperator import Context
from taskloom.providers.slack.hooks.slack_webhook import SlackWebhookHook


class SlackWebhookOperator(BaseOperator):
    """Post a message through the incoming webhook of a ``slack_webhook`` connection.

    ``message``, ``blocks``, ``attachments``, ``channel``, ``username``, ``icon_emoji`` and
    ``icon_url`` are templated (strings inside ``blocks`` and ``attachments`` too).

    :param message: the text, or the notification fallback when ``blocks`` are given.
    :param blocks: Block Kit blocks.
    :param attachments: legacy attachments.
    :param channel: ``#channel`` or ``@user`` (legacy webhooks only).
    :param username: the sender's name (legacy webhooks only).
    :param icon_emoji: the sender's icon as an emoji, e.g. ``:robot_face:``.
    :param icon_url: the sender's icon as an image URL.
    :param link_names: turn ``@name`` and ``#channel`` into links.
    :param slack_webhook_conn_id: the connection, default ``slack_default``.
    """

    template_fields = (
        "message",
        "blocks",
        "attachments",
        "channel",
        "username",
        "icon_emoji",
        "icon_url",
    )
    template_fields_renderers = {"blocks": "json", "attachments": "json"}
    ui_color = "#e8d5f5"

    def __init__(
        self,
        *,
        message: str = "",
        blocks: Sequence[Mapping[str, Any]] | None = None,
        attachments: Sequence[Mapping[str, Any]] | None = None,
        channel: str | None = None,
        username: str | None = None,
        icon_emoji: str | None = None,
        icon_url: str | None = None,
        link_names: bool = False,
        slack_webhook_conn_id: str = SlackWebhookHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.message = message
        self.blocks = blocks
        self.attachments = attachments
        self.channel = channel
        self.username = username
        self.icon_emoji = icon_emoji
        self.icon_url = icon_url
        self.link_names = link_names
        self.slack_webhook_conn_id = slack_webhook_conn_id

    def execute(self, context: Context) -> None:
        """Post the rendered message.

        :raises HttpError: Slack refused it (the message says why).
        """
        SlackWebhookHook(slack_webhook_conn_id=self.slack_webhook_conn_id).send(
            text=self.message or None,
            blocks=self.blocks,
            attachments=self.attachments,
            channel=self.channel,
            username=self.username,
            icon_emoji=self.icon_emoji,
            icon_url=self.icon_url,
            link_names=self.link_names or None,
        )
        self.task_log(context).info(
            "posted the message to the Slack webhook of %r", self.slack_webhook_conn_id
        )
