"""The Slack incoming-webhook hook, built on core's :class:`~taskloom.hooks.http.HttpHook`."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any
from typing import ClassVar
from typing import Final

import requests
from urllib3.util.retry import Retry

from taskloom.exceptions import HttpError
from taskloom.exceptions import InvalidConnectionError
from taskloom.hooks.http import HttpHook
from taskloom.models.connection import Connection

#: Where Slack serves incoming webhooks when the connection names no host.
DEFAULT_WEBHOOK_HOST: Final = "hooks.slack.com"
#: The keys of a webhook message :meth:`SlackWebhookHook.send` sends when given.
PAYLOAD_KEYS: Final = (
    "text",
    "blocks",
    "attachments",
    "channel",
    "username",
    "icon_emoji",
    "icon_url",
    "link_names",
    "unfurl_links",
    "unfurl_media",
    "mrkdwn",
    "thread_ts",
)

#: What Slack's webhook error bodies mean, and what to do about them.
_HINTS: Final = {
    "invalid_payload": "the message is not valid JSON for Slack; check text, blocks and attachments",
    "no_text": "the message has neither text nor blocks",
    "invalid_token": "the webhook token is wrong; check the connection's password",
    "no_service": "the webhook is disabled, revoked or mistyped; check the connection's password (the webhook URL or its T.../B.../... token)",
    "no_service_id": "the webhook URL lacks its service id; check the connection's password",
    "no_team": "the webhook URL names no workspace; check the connection's password",
    "team_disabled": "the Slack workspace of this webhook is disabled",
    "action_prohibited": "a workspace admin restricted posting to this channel",
    "channel_not_found": "the webhook's channel no longer exists; create a new webhook",
    "channel_is_archived": "the webhook's channel is archived; unarchive it or create a new webhook",
    "posting_to_general_channel_denied": "only admins may post to this channel",
    "too_many_attachments": "Slack accepts at most 100 attachments per message",
    "rate_limited": "Slack rate-limited the webhook (1 message per second); retries were used up",
}


def webhook_retry(total: int = 3) -> Retry:
    """Retry a webhook POST on 429 (honouring ``Retry-After``) and on refused connections.

    A POST is not repeated after a server error or a read timeout: Slack may already have
    posted the message, and a retry would post it twice.

    :param total: how many retries at most.
    """
    return Retry(
        total=total,
        connect=total,
        read=0,
        status=total,
        status_forcelist=(429,),
        allowed_methods=frozenset({"POST"}),
        backoff_factor=0.5,
        respect_retry_after_header=True,
        raise_on_status=False,
    )


class SlackWebhookHook(HttpHook):
    """Post messages to a Slack incoming webhook named by a ``slack_webhook`` connection.

    The webhook URL is the connection's password when that is a full URL
    (``https://hooks.slack.com/services/T000/B000/XXXX``); otherwise the password is the
    token (``T000/B000/XXXX``) appended to ``<schema>://<host>[:<port>]/services/``, with
    host ``hooks.slack.com`` and schema ``https`` by default (a host that holds a path, such
    as ``hooks.slack.com/services``, is used as the base as is). The password is secret:
    logs and errors show it masked.

    Posts are retried on HTTP 429, after the ``Retry-After`` Slack sends, and on refused
    connections; the connection's ``retry`` extra replaces that policy.

    :param slack_webhook_conn_id: id of the connection, default ``slack_default``.
    :param timeout: seconds per request (default: the ``timeout`` extra, else 60).
    :param retry: a number of retries for that policy, or a :class:`urllib3.util.Retry`
        to use instead.
    """

    conn_name_attr: ClassVar[str] = "slack_webhook_conn_id"
    default_conn_name: ClassVar[str] = "slack_default"
    conn_type: ClassVar[str] = "slack_webhook"
    hook_name: ClassVar[str] = "Slack Incoming Webhook"

    def __init__(
        self,
        slack_webhook_conn_id: str | None = default_conn_name,
        *,
        timeout: float | None = None,
        retry: Retry | int | None = None,
    ) -> None:
        slack_webhook_conn_id = slack_webhook_conn_id or self.default_conn_name
        super().__init__(
            method="POST", http_conn_id=slack_webhook_conn_id, timeout=timeout, retry=retry
        )
        self.slack_webhook_conn_id = slack_webhook_conn_id

    def _base_url(self, connection: Connection) -> str:
        token = (connection.password or "").strip()
        if token.startswith(("https://", "http://")):
            return token
        if not token:
            raise InvalidConnectionError(
                "has no webhook: set its password to the webhook URL "
                "(https://hooks.slack.com/services/T.../B.../...) or to the part after /services/",
                conn_id=connection.conn_id,
            )
        host = (connection.host or DEFAULT_WEBHOOK_HOST).rstrip("/")
        if "://" not in host:
            scheme = connection.schema if connection.schema in ("http", "https") else "https"
            port = f":{connection.port}" if connection.port else ""
            host = f"{scheme}://{host}{port}"
        if "/" not in host.partition("://")[2]:
            host += "/services"
        return f"{host}/{token.lstrip('/')}"

    def _retry(self, connection: Connection | None, extra: dict[str, Any]) -> Retry:
        if self.retry is None and "retry" not in extra:
            return webhook_retry()
        if isinstance(self.retry, int):
            return webhook_retry(self.retry)
        return super()._retry(connection, extra)

    def send_dict(self, body: Mapping[str, Any]) -> requests.Response:
        """Post ``body`` as the JSON message.

        :raises HttpError: Slack refused it (the message says why and what to do).
        """
        try:
            return self.run(json=dict(body))
        except HttpError as exc:
            hint = _HINTS.get(exc.body.strip())
            if hint is None:
                raise
            raise HttpError(f"{exc}; {hint}", status_code=exc.status_code, body=exc.body) from exc

    def send(
        self,
        *,
        text: str | None = None,
        blocks: Sequence[Mapping[str, Any]] | None = None,
        attachments: Sequence[Mapping[str, Any]] | None = None,
        channel: str | None = None,
        username: str | None = None,
        icon_emoji: str | None = None,
        icon_url: str | None = None,
        **options: Any,
    ) -> requests.Response:
        """Post a message; arguments left ``None`` are not sent.

        :param text: the message, or its fallback text when ``blocks`` are given.
        :param blocks: Block Kit blocks.
        :param attachments: legacy attachments.
        :param channel: ``#channel`` or ``@user`` (legacy webhooks only; newer ones post
            to the channel they were made for).
        :param username: the sender's name (legacy webhooks only).
        :param options: more payload keys from :data:`PAYLOAD_KEYS` (``link_names``,
            ``unfurl_links``, ``thread_ts``...).
        :raises ValueError: no text, blocks or attachments, or an unknown option.
        :raises HttpError: Slack refused the message.
        """
        unknown = sorted(set(options) - set(PAYLOAD_KEYS))
        if unknown:
            raise ValueError(
                f"unknown Slack webhook option(s) {', '.join(unknown)}; known: {', '.join(PAYLOAD_KEYS)}"
            )
        if not (text or blocks or attachments):
            raise ValueError("a Slack message needs text, blocks or attachments; all are empty.")
        values = {
            "text": text,
            "blocks": list(blocks) if blocks is not None else None,
            "attachments": list(attachments) if attachments is not None else None,
            "channel": channel,
            "username": username,
            "icon_emoji": icon_emoji,
            "icon_url": icon_url,
            **options,
        }
        return self.send_dict({key: value for key, value in values.items() if value is not None})

    def send_text(self, text: str) -> requests.Response:
        """Post a plain text message."""
        return self.send(text=text)
