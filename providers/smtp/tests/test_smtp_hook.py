"""SmtpHook against real SMTP servers on loopback: plain, STARTTLS and SMTPS, with AUTH."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import SENDER

from taskloom.hooks.base import BaseHook
from taskloom.providers.smtp.hooks.smtp import SmtpError
from taskloom.providers.smtp.hooks.smtp import SmtpHook
from taskloom.providers.smtp.hooks.smtp import get_email_address_list
from taskloom_testing.servers import free_port
from taskloom_testing.smtp import SMTP_PASSWORD
from taskloom_testing.smtp import SmtpServer

DefineConn = Callable[..., None]


def test_send_html_with_attachments_cc_bcc(
    smtp_server: SmtpServer, smtp_conn: DefineConn, tmp_path: Path
) -> None:
    """Headers, HTML body, attachments and envelope recipients arrive as sent; Bcc stays hidden."""
    smtp_conn(smtp_server)
    report = tmp_path / "report.csv"
    report.write_text("day,revenue\n2026-01-05,29.99\n")
    blob = tmp_path / "data.bin"
    blob.write_bytes(bytes(range(256)))
    with SmtpHook() as hook:
        hook.send_email_smtp(
            to="ops@example.com, dev@example.com",
            subject="Daily report ✓",
            html_content="<h1>Revenue</h1><p>29.99 €</p>",
            files=[str(report), str(blob)],
            cc=["lead@example.com"],
            bcc="audit@example.com",
            custom_headers={"Reply-To": "noreply@example.com"},
        )
    [received] = smtp_server.wait_for_messages(1)
    assert received.login == smtp_server.login
    assert received.mail_from == SENDER
    assert sorted(received.rcpt_tos) == [
        "audit@example.com",
        "dev@example.com",
        "lead@example.com",
        "ops@example.com",
    ]
    message = received.message
    assert message["Subject"] == "Daily report ✓"
    assert message["From"] == SENDER
    assert message["To"] == "ops@example.com, dev@example.com"
    assert message["Cc"] == "lead@example.com"
    assert message["Reply-To"] == "noreply@example.com"
    assert message["Bcc"] is None
    assert message["Message-ID"].endswith("@example.com>")
    assert message.get_content_subtype() == "mixed"
    body = message.get_body(preferencelist=("html",))
    assert body is not None
    assert body.get_content() == "<h1>Revenue</h1><p>29.99 €</p>"
    attachments = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    assert attachments == {"report.csv": report.read_bytes(), "data.bin": blob.read_bytes()}


def test_starttls_with_trusted_certificate(
    smtp_starttls_server: SmtpServer, smtp_conn: DefineConn
) -> None:
    """STARTTLS upgrades the channel, verifies the certificate against ca_file, then logs in."""
    smtp_conn(smtp_starttls_server, starttls=True, ca_file=smtp_starttls_server.ca_file)
    with SmtpHook() as hook:
        hook.send_email_smtp(
            to="ops@example.com", subject="over starttls", html_content="<p>tls</p>"
        )
    [received] = smtp_starttls_server.wait_for_messages(1)
    assert received.login == smtp_starttls_server.login
    assert received.message["Subject"] == "over starttls"


def test_ssl_with_trusted_certificate(smtp_ssl_server: SmtpServer, smtp_conn: DefineConn) -> None:
    """Implicit TLS verifies the certificate against ca_file (extras given as URI-style strings)."""
    smtp_conn(smtp_ssl_server, ssl="true", ca_file=smtp_ssl_server.ca_file, timeout="5")
    with SmtpHook() as hook:
        assert hook.use_ssl
        hook.send_email_smtp(to="ops@example.com", subject="over ssl", html_content="<p>ssl</p>")
    [received] = smtp_ssl_server.wait_for_messages(1)
    assert received.message["Subject"] == "over ssl"


def test_ssl_without_verification(smtp_ssl_server: SmtpServer, smtp_conn: DefineConn) -> None:
    """ssl_context 'none' accepts the self-signed certificate without a CA file."""
    smtp_conn(smtp_ssl_server, ssl=True, ssl_context="none")
    with SmtpHook() as hook:
        hook.send_email_smtp(to="ops@example.com", subject="unverified", html_content="x")
    assert len(smtp_ssl_server.wait_for_messages(1)) == 1


@pytest.mark.parametrize("mode", ["ssl", "starttls"])
def test_untrusted_certificate(
    mode: str, smtp_ssl_server: SmtpServer, smtp_starttls_server: SmtpServer, smtp_conn: DefineConn
) -> None:
    """A certificate that the system does not trust fails with the extras to check."""
    server = smtp_ssl_server if mode == "ssl" else smtp_starttls_server
    smtp_conn(server, **{mode: True})
    with pytest.raises(
        SmtpError,
        match=r"TLS with the SMTP server .* failed .*CERTIFICATE_VERIFY_FAILED.*'ca_file'",
    ):
        SmtpHook().get_conn()


def test_starttls_required_for_auth(
    smtp_starttls_server: SmtpServer, smtp_conn: DefineConn
) -> None:
    """A server that offers AUTH only after TLS gets a hint to set starttls."""
    smtp_conn(smtp_starttls_server)
    with pytest.raises(SmtpError, match=r"offers no AUTH on this channel.*'starttls'"):
        SmtpHook().get_conn()


def test_wrong_password(
    smtp_server: SmtpServer, smtp_conn: DefineConn, caplog: pytest.LogCaptureFixture
) -> None:
    """A refused login names the login and the fix, never the password, in errors or logs."""
    wrong = "Wr0ng-" + SMTP_PASSWORD
    smtp_conn(smtp_server, "smtp_wrong", password=wrong)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(
        SmtpError,
        match="refused the login 'mailer' \\(535\\); check the connection's login and password",
    ) as info:
        SmtpHook(smtp_conn_id="smtp_wrong").get_conn()
    assert wrong not in str(info.value)
    assert info.value.__cause__ is None
    assert wrong not in caplog.text


def test_unreachable_server_retries(
    smtp_conn: DefineConn, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A closed port is tried retry_limit times, then named with the extras to raise."""
    smtp_conn(smtp_server, "smtp_closed", retry_limit=2)
    conn = BaseHook.get_connection("smtp_closed")
    closed = free_port()
    monkeypatch.setenv(
        "TASKLOOM_CONN_SMTP_CLOSED", conn.to_json().replace(str(smtp_server.port), str(closed))
    )
    with pytest.raises(
        SmtpError,
        match=rf"could not reach the SMTP server 127.0.0.1:{closed} .* after 2 attempt\(s\)",
    ):
        SmtpHook(smtp_conn_id="smtp_closed").get_conn()


def test_without_login(smtp_server: SmtpServer, smtp_conn: DefineConn) -> None:
    """A connection without a login sends without AUTH."""
    smtp_conn(smtp_server, login=None)
    with SmtpHook() as hook:
        hook.send_email_smtp(
            to="ops@example.com", subject="anonymous", html_content="x", mime_subtype="alternative"
        )
    [received] = smtp_server.wait_for_messages(1)
    assert received.login is None
    assert received.message.get_content_subtype() == "alternative"


def test_sender_and_recipient_errors(
    smtp_server: SmtpServer, smtp_conn: DefineConn, tmp_path: Path
) -> None:
    """No sender, no recipient, or a missing attachment fails before anything is sent."""
    smtp_conn(smtp_server, from_email="")
    with SmtpHook() as hook:
        with pytest.raises(
            SmtpError,
            match="no sender for the e-mail 'x': pass from_email or set the extra 'from_email'",
        ):
            hook.send_email_smtp(to="ops@example.com", subject="x", html_content="x")
        with pytest.raises(SmtpError, match="has no recipient"):
            hook.send_email_smtp(to=[], subject="x", html_content="x", from_email=SENDER)
        with pytest.raises(SmtpError, match=r"cannot attach .*missing.txt.*No such file"):
            hook.send_email_smtp(
                to="a@example.com",
                subject="x",
                html_content="x",
                from_email=SENDER,
                files=[str(tmp_path / "missing.txt")],
            )
    assert smtp_server.messages == []


def test_refused_recipient(smtp_server: SmtpServer, smtp_conn: DefineConn) -> None:
    """A recipient the server refuses gives an error naming the e-mail."""
    smtp_conn(smtp_server)
    with (
        SmtpHook() as hook,
        pytest.raises(SmtpError, match=r"refused the e-mail .x. .*550.*recipient refused"),
    ):
        hook.send_email_smtp(to="nobody@refused.invalid", subject="x", html_content="x")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"ssl": "maybe"}, "extra 'ssl' must be true or false, got 'maybe'"),
        ({"timeout": "soon"}, "extra 'timeout' must be a whole number of at least 1, got 'soon'"),
        ({"retry_limit": 0}, "extra 'retry_limit' must be a whole number of at least 1, got 0"),
        ({"ssl": True, "ssl_context": "lax"}, "extra 'ssl_context' must be 'default'"),
        (
            {"starttls": True, "ca_file": "/no/such/ca.pem"},
            "extra 'ca_file' '/no/such/ca.pem' is not a file",
        ),
    ],
)
def test_bad_extras(
    smtp_server: SmtpServer, smtp_conn: DefineConn, extra: dict[str, object], message: str
) -> None:
    """Unusable extras name the connection, the extra and the fix."""
    smtp_conn(smtp_server, "smtp_bad", **extra)
    with pytest.raises(SmtpError, match=message) as info:
        SmtpHook(smtp_conn_id="smtp_bad").get_conn()
    assert "'smtp_bad'" in str(info.value)


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """The port follows ssl; the sender falls back to a login that is an address."""
    monkeypatch.setenv(
        "TASKLOOM_CONN_SMTP_DEFAULT", "smtp://bot%40example.com:pw@mail.example.com?ssl=true"
    )
    hook = SmtpHook()
    assert (hook.port, hook.from_email, hook.timeout, hook.retry_limit) == (
        465,
        "bot@example.com",
        30,
        5,
    )
    monkeypatch.setenv("TASKLOOM_CONN_SMTP_OTHER", "smtp://user:pw@mail.example.com")
    other = SmtpHook(smtp_conn_id="smtp_other")
    assert (other.port, other.from_email, other.use_starttls) == (25, None, False)


def test_test_connection(smtp_server: SmtpServer, smtp_conn: DefineConn) -> None:
    """test_connection says NOOP worked, or why it did not."""
    smtp_conn(smtp_server)
    assert SmtpHook().test_connection() == (True, "SMTP server answered NOOP with 250")
    smtp_conn(smtp_server, "smtp_wrong", password="nope")
    ok, message = SmtpHook(smtp_conn_id="smtp_wrong").test_connection()
    assert not ok
    assert "refused the login 'mailer'" in message


def test_get_hook_resolves_through_registry(smtp_server: SmtpServer, smtp_conn: DefineConn) -> None:
    """Core finds SmtpHook for conn_type smtp through the provider's metadata."""
    smtp_conn(smtp_server, "mail")
    hook = BaseHook.get_hook("mail")
    assert isinstance(hook, SmtpHook)
    assert hook.smtp_conn_id == "mail"


def test_get_email_address_list() -> None:
    """Addresses split on commas and semicolons, from a string or a list."""
    assert get_email_address_list("a@x, b@y;c@z ") == ["a@x", "b@y", "c@z"]
    assert get_email_address_list(["a@x; b@y", "c@z"]) == ["a@x", "b@y", "c@z"]
    assert get_email_address_list(None) == []


def test_partly_refused_recipients(
    smtp_server: SmtpServer, smtp_conn: DefineConn, caplog: pytest.LogCaptureFixture
) -> None:
    """When some recipients are refused, the others get the e-mail and the refusals are logged."""
    smtp_conn(smtp_server)
    with SmtpHook() as hook:
        hook.send_email_smtp(
            to="ops@example.com, nobody@refused.invalid", subject="partly", html_content="x"
        )
    [received] = smtp_server.wait_for_messages(1)
    assert received.rcpt_tos == ["ops@example.com"]
    assert "refused the e-mail 'partly' for nobody@refused.invalid" in caplog.text
