"""SlackHook (slack-sdk's WebClient) against a real HTTP server on loopback posing as the Web API."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from conftest import BOT_TOKEN

from taskloom.exceptions import InvalidConnectionError
from taskloom.hooks.base import BaseHook
from taskloom.providers.slack.hooks.slack import SlackApiCallError
from taskloom.providers.slack.hooks.slack import SlackHook
from taskloom_testing.http_recorder import HttpRecorder
from taskloom_testing.servers import free_port

DefineConn = Callable[..., None]


def test_call_posts_json_with_bearer_token(
    http_recorder: HttpRecorder, api_conn: DefineConn
) -> None:
    """A call posts its JSON body to <base_url>/<method> with the token as a bearer token."""
    api_conn()
    http_recorder.respond(json_body={"ok": True, "channel": "C1", "ts": "1700000000.000100"})
    data = SlackHook().call("chat.postMessage", json={"channel": "#data", "text": "hello"})
    assert data == {"ok": True, "channel": "C1", "ts": "1700000000.000100"}
    [request] = http_recorder.requests
    assert (request.method, request.path) == ("POST", "/api/chat.postMessage")
    assert request.header("Authorization") == f"Bearer {BOT_TOKEN}"
    assert request.json == {"channel": "#data", "text": "hello"}


def test_error_names_code_and_fix(http_recorder: HttpRecorder, api_conn: DefineConn) -> None:
    """ok: false raises SlackApiCallError with Slack's error code and a hint, never the token."""
    api_conn()
    http_recorder.respond_slack_error(200, "channel_not_found", path="/api/chat.postMessage")
    with pytest.raises(SlackApiCallError) as info:
        SlackHook().call("chat.postMessage", json={"channel": "#nope", "text": "x"})
    assert info.value.error == "channel_not_found"
    assert str(info.value) == (
        "Slack API chat.postMessage failed (HTTP 200, error 'channel_not_found') for connection "
        "'slack_api_default'; the channel does not exist or the app cannot see it: invite the app"
    )
    assert BOT_TOKEN not in str(info.value)


def test_rate_limit_retried_after_retry_after(
    http_recorder: HttpRecorder, api_conn: DefineConn
) -> None:
    """HTTP 429 is repeated after Retry-After, then the call succeeds."""
    api_conn()
    http_recorder.respond_rate_limited(retry_after=1, path="/api/chat.postMessage")
    started = time.monotonic()
    assert SlackHook().call("chat.postMessage", json={"channel": "#c", "text": "x"}) == {"ok": True}
    assert time.monotonic() - started >= 0.9
    assert [r.path for r in http_recorder.requests] == ["/api/chat.postMessage"] * 2


def test_rate_limit_exhausted(http_recorder: HttpRecorder, api_conn: DefineConn) -> None:
    """When the retries are used up, the error says to slow down or raise the retries."""
    api_conn(rate_limit_retries=1)
    for _ in range(2):
        http_recorder.respond_rate_limited(retry_after=0, path="/api/chat.postMessage")
    with pytest.raises(
        SlackApiCallError, match=r"HTTP 429, error 'ratelimited'.*'rate_limit_retries'"
    ):
        SlackHook().call("chat.postMessage", json={"channel": "#c", "text": "x"})
    assert len(http_recorder.requests) == 2


def test_test_connection(http_recorder: HttpRecorder, api_conn: DefineConn) -> None:
    """test_connection calls auth.test and names the team, or reports the refusal."""
    api_conn()
    http_recorder.respond(json_body={"ok": True, "team": "Taskloom", "user": "etl-bot"})
    assert SlackHook().test_connection() == (
        True,
        "Slack accepted the token of team 'Taskloom' as user 'etl-bot'",
    )
    http_recorder.respond_slack_error(200, "invalid_auth", path="/api/auth.test")
    ok, message = SlackHook().test_connection()
    assert not ok
    assert "error 'invalid_auth'" in message
    assert "check the connection's password" in message
    assert [r.path for r in http_recorder.requests] == ["/api/auth.test"] * 2


def test_missing_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """A connection without a token says what to put in the password."""
    monkeypatch.setenv("TASKLOOM_CONN_SLACK_API_DEFAULT", '{"conn_type": "slack"}')
    with pytest.raises(InvalidConnectionError, match="has no token: set its password"):
        SlackHook().call("auth.test")


def test_unreachable_server(api_conn: DefineConn, monkeypatch: pytest.MonkeyPatch) -> None:
    """A base URL nobody answers on gives an error naming the extra to check."""
    monkeypatch.setenv(
        "TASKLOOM_CONN_DOWN",
        f'{{"conn_type": "slack", "password": "{BOT_TOKEN}", "extra": {{"base_url": "http://127.0.0.1:{free_port()}/api"}}}}',
    )
    with pytest.raises(
        SlackApiCallError,
        match=r"could not call Slack API auth.test for connection 'down'.*'base_url'",
    ):
        SlackHook("down").call("auth.test")


def test_bad_timeout(api_conn: DefineConn) -> None:
    """A timeout that is not a number names the extra."""
    api_conn(timeout="soon")
    with pytest.raises(
        InvalidConnectionError, match="extra 'timeout' must be a whole number, got 'soon'"
    ):
        SlackHook().get_conn()


def test_get_hook_resolves_through_registry(api_conn: DefineConn) -> None:
    """Core finds SlackHook for conn_type slack through the provider's metadata."""
    api_conn("team")
    hook = BaseHook.get_hook("team")
    assert isinstance(hook, SlackHook)
    assert hook.slack_conn_id == "team"
