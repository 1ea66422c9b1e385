"""SlackWebhookHook against a real HTTP server on loopback that records every request."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

import pytest
from conftest import WEBHOOK_TOKEN

from taskloom.exceptions import HttpError
from taskloom.exceptions import InvalidConnectionError
from taskloom.hooks.base import BaseHook
from taskloom.providers.slack.hooks.slack_webhook import SlackWebhookHook
from taskloom.utils.secrets_masker import SecretsMaskerFilter
from taskloom_testing.http_recorder import HttpRecorder

DefineConn = Callable[..., str]


def test_send_posts_json_payload(http_recorder: HttpRecorder, webhook_conn: DefineConn) -> None:
    """Every given field is posted as JSON to the webhook path; None fields are left out."""
    path = webhook_conn()
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*done*"}}]
    attachments = [{"color": "#36a64f", "text": "42 rows"}]
    response = SlackWebhookHook().send(
        text="Load finished",
        blocks=blocks,
        attachments=attachments,
        channel="#data",
        username="taskloom",
        icon_emoji=":robot_face:",
        unfurl_links=False,
    )
    assert response.text == "ok"
    [request] = http_recorder.requests
    assert (request.method, request.path) == ("POST", path)
    assert request.header("Content-Type") == "application/json"
    assert request.json == {
        "text": "Load finished",
        "blocks": blocks,
        "attachments": attachments,
        "channel": "#data",
        "username": "taskloom",
        "icon_emoji": ":robot_face:",
        "unfurl_links": False,
    }


def test_send_text_and_dict(http_recorder: HttpRecorder, webhook_conn: DefineConn) -> None:
    """send_text posts only text; send_dict posts the body as given."""
    webhook_conn()
    hook = SlackWebhookHook()
    hook.send_text("hello")
    hook.send_dict({"text": "raw", "mrkdwn": False})
    assert [r.json for r in http_recorder.requests] == [
        {"text": "hello"},
        {"text": "raw", "mrkdwn": False},
    ]


@pytest.mark.parametrize(
    ("fields", "expected_path"),
    [
        ({"password": "{url}/services/T1/B1/full"}, "/services/T1/B1/full"),
        ({"host": "{url}/custom/base", "password": "T2/B2/tok"}, "/custom/base/T2/B2/tok"),
        (
            {"host": "127.0.0.1", "port": "{port}", "schema": "http", "password": "/T3/B3/tok"},
            "/services/T3/B3/tok",
        ),
    ],
)
def test_webhook_url_forms(
    http_recorder: HttpRecorder,
    monkeypatch: pytest.MonkeyPatch,
    fields: dict[str, str],
    expected_path: str,
) -> None:
    """The webhook URL comes from a full URL in the password, or base URL plus token."""
    values = {
        k: v.format(url=http_recorder.url, port=http_recorder.port) for k, v in fields.items()
    }
    connection = {"conn_type": "slack_webhook", **values}
    if "port" in connection:
        connection["port"] = int(connection["port"])  # type: ignore[assignment]
    monkeypatch.setenv("TASKLOOM_CONN_HOOK", json.dumps(connection))
    SlackWebhookHook("hook").send_text("x")
    assert http_recorder.requests[0].path == expected_path


def test_default_url_is_slack(monkeypatch: pytest.MonkeyPatch) -> None:
    """With only a token, the URL is Slack's own webhook endpoint over https."""
    monkeypatch.setenv("TASKLOOM_CONN_SLACK_DEFAULT", "slack-webhook://:T000%2FB000%2FXXXX@")
    hook = SlackWebhookHook(None)  # as Connection.get_hook builds it for a connection without an id
    hook.get_conn()
    assert hook.base_url == "https://hooks.slack.com/services/T000/B000/XXXX"


def test_missing_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """A connection without a password says where the webhook goes."""
    monkeypatch.setenv(
        "TASKLOOM_CONN_EMPTY", '{"conn_type": "slack_webhook", "host": "hooks.slack.com"}'
    )
    with pytest.raises(
        InvalidConnectionError, match="connection 'empty': has no webhook: set its password"
    ):
        SlackWebhookHook("empty").send_text("x")


@pytest.mark.parametrize(
    ("status", "error", "hint"),
    [
        (404, "no_service", "the webhook is disabled, revoked or mistyped"),
        (400, "invalid_payload", "the message is not valid JSON for Slack"),
        (410, "channel_is_archived", "the webhook's channel is archived"),
        (403, "action_prohibited", "a workspace admin restricted posting"),
    ],
)
def test_slack_errors_name_the_fix(
    http_recorder: HttpRecorder,
    webhook_conn: DefineConn,
    caplog: pytest.LogCaptureFixture,
    status: int,
    error: str,
    hint: str,
) -> None:
    """Slack's error answers raise HttpError with status, error and hint; logs mask the token."""
    webhook_conn()
    http_recorder.respond_slack_error(status, error)
    caplog.set_level(logging.DEBUG)
    caplog.handler.addFilter(SecretsMaskerFilter())  # as on every task log handler
    with pytest.raises(HttpError) as info:
        SlackWebhookHook().send_text("x")
    message = str(info.value)
    assert info.value.status_code == status
    assert f"returned HTTP {status}" in message
    assert f": {error}; {hint}" in message
    assert WEBHOOK_TOKEN not in message
    assert WEBHOOK_TOKEN not in caplog.text
    assert len(http_recorder.requests) == 1  # a refused POST is not repeated


def test_unknown_error_is_kept(http_recorder: HttpRecorder, webhook_conn: DefineConn) -> None:
    """An error body Slack does not document is reported as it came."""
    webhook_conn()
    http_recorder.respond(500, text="rollup_error")
    with pytest.raises(HttpError, match=r"returned HTTP 500 .*: rollup_error$"):
        SlackWebhookHook().send_text("x")
    assert len(http_recorder.requests) == 1  # a POST is not repeated after a server error


def test_rate_limit_retried_after_retry_after(
    http_recorder: HttpRecorder, webhook_conn: DefineConn
) -> None:
    """HTTP 429 is retried after the Retry-After seconds, then the message goes through."""
    path = webhook_conn()
    http_recorder.respond_rate_limited(retry_after=1)
    started = time.monotonic()
    assert SlackWebhookHook().send_text("after the limit").text == "ok"
    assert time.monotonic() - started >= 0.9
    assert [(r.path, r.json) for r in http_recorder.requests] == [
        (path, {"text": "after the limit"})
    ] * 2


def test_rate_limit_exhausted(http_recorder: HttpRecorder, webhook_conn: DefineConn) -> None:
    """When every retry is rate-limited too, the error says so."""
    webhook_conn()
    for _ in range(2):
        http_recorder.respond_rate_limited(retry_after=0)
    with pytest.raises(
        HttpError, match=r"returned HTTP 429 .*rate_limited; Slack rate-limited the webhook"
    ):
        SlackWebhookHook(retry=1).send_text("x")
    assert len(http_recorder.requests) == 2


def test_message_needs_content(webhook_conn: DefineConn) -> None:
    """An empty message or an unknown option is refused before anything is sent."""
    webhook_conn()
    with pytest.raises(ValueError, match="needs text, blocks or attachments"):
        SlackWebhookHook().send(channel="#data")
    with pytest.raises(ValueError, match=r"unknown Slack webhook option.*colour"):
        SlackWebhookHook().send(text="x", colour="red")


def test_get_hook_resolves_through_registry(webhook_conn: DefineConn) -> None:
    """Core finds SlackWebhookHook for conn_type slack_webhook through the provider's metadata."""
    webhook_conn("alerts")
    hook = BaseHook.get_hook("alerts")
    assert isinstance(hook, SlackWebhookHook)
    assert hook.slack_webhook_conn_id == "alerts"
