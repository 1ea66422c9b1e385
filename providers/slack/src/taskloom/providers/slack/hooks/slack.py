"""The Slack Web API hook, on slack-sdk's ``WebClient``."""

from __future__ import annotations

from functools import cached_property
from typing import Any
from typing import ClassVar

from taskloom.exceptions import InvalidConnectionError
from taskloom.exceptions import TaskloomError
from taskloom.hooks.base import BaseHook
from taskloom.models.connection import Connection

#: Slack's Web API, used when the connection names no other base URL.
DEFAULT_API_URL = "https://slack.com/api/"


class SlackApiCallError(TaskloomError):
    """A Slack Web API call answered ``ok: false`` (or failed to reach Slack)."""

    def __init__(self, message: str, *, error: str | None = None) -> None:
        super().__init__(message)
        #: Slack's error code (``channel_not_found``, ``invalid_auth``...), when it sent one.
        self.error = error


class SlackHook(BaseHook):
    """Call the Slack Web API with the bot or user token of a ``slack`` connection.

    The token (``xoxb-...``) is the connection's password, secret like every password.
    Extras: ``base_url`` (default ``https://slack.com/api/``; an Enterprise Grid or test
    server), ``timeout`` (seconds, default 30) and ``rate_limit_retries`` (how often a call
    answered with HTTP 429 is repeated after Slack's ``Retry-After``, default 3).

    :param slack_conn_id: id of the connection, default ``slack_api_default``.
    """

    conn_name_attr: ClassVar[str] = "slack_conn_id"
    default_conn_name: ClassVar[str] = "slack_api_default"
    conn_type: ClassVar[str] = "slack"
    hook_name: ClassVar[str] = "Slack API"

    def __init__(self, slack_conn_id: str | None = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.slack_conn_id = slack_conn_id or self.default_conn_name

    @cached_property
    def connection(self) -> Connection:
        """The connection, read once."""
        return self.get_connection(self.slack_conn_id)

    def _number(self, key: str, default: int) -> int:
        value = self.connection.extra_dejson.get(key, default)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise InvalidConnectionError(
                f"extra {key!r} must be a whole number, got {value!r}",
                conn_id=self.slack_conn_id,
            ) from None

    @cached_property
    def client(self) -> Any:
        """A ``slack_sdk.WebClient`` with the connection's token, base URL and retries."""
        from slack_sdk import WebClient
        from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
        from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

        token = self.connection.password
        if not token:
            raise InvalidConnectionError(
                "has no token: set its password to a Slack bot or user token (xoxb-... / xoxp-...)",
                conn_id=self.slack_conn_id,
            )
        base_url = str(self.connection.extra_dejson.get("base_url") or DEFAULT_API_URL)
        return WebClient(
            token=token,
            base_url=base_url.rstrip("/") + "/",
            timeout=self._number("timeout", 30),
            retry_handlers=[
                ConnectionErrorRetryHandler(),
                RateLimitErrorRetryHandler(max_retry_count=self._number("rate_limit_retries", 3)),
            ],
        )

    def get_conn(self) -> Any:
        """The ``WebClient`` (see :attr:`client`)."""
        return self.client

    def call(self, api_method: str, **kwargs: Any) -> dict[str, Any]:
        """Call ``api_method`` (``chat.postMessage``...) and return Slack's answer.

        :param kwargs: as ``WebClient.api_call`` takes them: ``json=`` for a JSON body,
            ``params=`` for form fields.
        :raises SlackApiCallError: Slack answered ``ok: false``, or could not be reached;
            the message names the method, Slack's error code and what to check.
        """
        from slack_sdk.errors import SlackApiError
        from slack_sdk.errors import SlackClientError

        try:
            response = self.client.api_call(api_method, **kwargs)
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else None
            status = exc.response.status_code if exc.response is not None else "?"
            raise SlackApiCallError(
                f"Slack API {api_method} failed (HTTP {status}, error {error!r}) for connection "
                f"{self.slack_conn_id!r}; {_hint(error)}",
                error=error,
            ) from None
        except (SlackClientError, OSError) as exc:
            raise SlackApiCallError(
                f"could not call Slack API {api_method} for connection {self.slack_conn_id!r}: "
                f"{type(exc).__name__}: {exc}; check the extra 'base_url' and the network."
            ) from None
        return dict(response.data)

    def test_connection(self) -> tuple[bool, str]:
        """Call ``auth.test``: it checks the token and names the workspace."""
        try:
            data = self.call("auth.test")
        except (SlackApiCallError, InvalidConnectionError) as exc:
            return False, str(exc)
        return (
            True,
            f"Slack accepted the token of team {data.get('team')!r} as user {data.get('user')!r}",
        )


def _hint(error: str | None) -> str:
    hints = {
        "invalid_auth": "the token is wrong or revoked: check the connection's password",
        "not_authed": "no token was sent: set the connection's password",
        "account_inactive": "the token's user or app was deactivated",
        "token_revoked": "the token was revoked: create a new one",
        "missing_scope": "the token lacks a scope this method needs: add it to the Slack app",
        "channel_not_found": "the channel does not exist or the app cannot see it: invite the app",
        "not_in_channel": "the app is not in the channel: invite it",
        "is_archived": "the channel is archived",
        "ratelimited": "Slack rate-limited the calls and the retries were used up; slow down or raise the extra 'rate_limit_retries'",
    }
    return hints.get(error or "", "see https://api.slack.com/methods for what the error means")
