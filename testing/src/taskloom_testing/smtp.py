"""Real SMTP servers on 127.0.0.1 (aiosmtpd in a thread) that keep every message they receive.

Three session-scoped fixtures, each with AUTH (``LOGIN``/``PLAIN``) for the user
:data:`SMTP_LOGIN` / :data:`SMTP_PASSWORD`:

- ``smtp_server``: plain SMTP; AUTH is offered but not required (no TLS, as a relay on
  localhost is usually set up);
- ``smtp_starttls_server``: STARTTLS is required before MAIL and before AUTH;
- ``smtp_ssl_server``: implicit TLS (SMTPS) from the first byte.

The TLS servers use a self-signed certificate for ``localhost``/``127.0.0.1`` made in a
temporary folder by the ``cryptography`` package; :attr:`SmtpServer.ca_file` is its path,
for clients that verify it. Each received message is parsed with :mod:`email` (policy
``default``), so tests can read headers, the HTML body and attachments. Recipients in
:data:`REFUSED_DOMAIN` are refused with ``550``, to test a refused message.

The messages live in this process, so the server always runs here: ``TASKLOOM_TEST_SMTP_HOST``
and ``TASKLOOM_TEST_SMTP_PORT`` choose the address it binds (to watch it with a mail client,
say) instead of pointing at another server. The TLS variants always take a free port.

aiosmtpd and cryptography are imported inside the fixtures: importing this module never
fails, and a missing package fails the test with the package to install.
"""

from __future__ import annotations

import datetime
import email
import email.policy
import ipaddress
import logging
import os
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from taskloom_testing.servers import free_port

#: The user every fixture server accepts.
SMTP_LOGIN = "mailer"
#: That user's password (tests check it never reaches a log).
SMTP_PASSWORD = "smtp-Secr3t-p@ss"
#: Every server refuses recipients in this domain (``550``), to test refused mail.
REFUSED_DOMAIN = "@refused.invalid"


@dataclass
class ReceivedMessage:
    """One message as the server received it."""

    #: The envelope sender (``MAIL FROM``).
    mail_from: str
    #: The envelope recipients (``RCPT TO``): to, cc and bcc together.
    rcpt_tos: list[str]
    #: The parsed message.
    message: EmailMessage
    #: The login the client authenticated as, or ``None``.
    login: str | None


@dataclass
class SmtpServer:
    """A running SMTP server and what it received."""

    host: str
    port: int
    #: ``"none"``, ``"starttls"`` or ``"ssl"``.
    tls: str
    login: str = SMTP_LOGIN
    password: str = SMTP_PASSWORD
    #: PEM file of the self-signed certificate (TLS variants), for clients that verify it.
    ca_file: str | None = None
    messages: list[ReceivedMessage] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def clear(self) -> None:
        """Forget the messages received so far (call it at the start of a test)."""
        with self._lock:
            self.messages.clear()

    def wait_for_messages(self, count: int, timeout: float = 10.0) -> list[ReceivedMessage]:
        """Return the received messages once there are at least ``count`` of them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.02)
        pytest.fail(f"the SMTP server received {len(self.messages)} messages, expected {count}")

    def _store(self, received: ReceivedMessage) -> None:
        with self._lock:
            self.messages.append(received)


def _import(module: str, package: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        pytest.fail(
            f"the SMTP fixtures need {package!r}; add it to the test requirements "
            f"(`pip install {package}`)."
        )


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address.lower().endswith(REFUSED_DOMAIN):
            return f"550 5.1.1 <{address}>: recipient refused"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        login = getattr(session.auth_data, "login", None) if session.authenticated else None
        self.server._store(
            ReceivedMessage(
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                message=message,
                login=login.decode() if isinstance(login, bytes) else login,
            )
        )
        return "250 Message accepted for delivery"


def _authenticator(smtp: Any) -> Any:
    def authenticate(
        server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> Any:
        login = getattr(auth_data, "login", b"")
        password = getattr(auth_data, "password", b"")
        ok = login == SMTP_LOGIN.encode() and password == SMTP_PASSWORD.encode()
        return smtp.AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    return authenticate


def _self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """Write a self-signed certificate for localhost/127.0.0.1 and its key; return both paths."""
    x509 = _import("cryptography.x509", "cryptography")
    hashes = _import("cryptography.hazmat.primitives.hashes", "cryptography")
    serialization = _import("cryptography.hazmat.primitives.serialization", "cryptography")
    ec = _import("cryptography.hazmat.primitives.asymmetric.ec", "cryptography")
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file = folder / "smtp-cert.pem"
    key_file = folder / "smtp-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def _quiet_login_data(record: logging.LogRecord) -> bool:
    # aiosmtpd 1.4 sets its own deprecated Session.login_data on every AUTH and warns about it.
    return "login_data is deprecated" not in record.getMessage()


def _run(tls: str, folder: Path | None) -> Iterator[SmtpServer]:
    controller_module = _import("aiosmtpd.controller", "aiosmtpd")
    smtp_module = _import("aiosmtpd.smtp", "aiosmtpd")
    server_log = logging.getLogger("mail.log")
    if _quiet_login_data not in server_log.filters:
        server_log.addFilter(_quiet_login_data)
    if tls == "none":
        host = os.environ.get("TASKLOOM_TEST_SMTP_HOST", "127.0.0.1")
        port = int(os.environ.get("TASKLOOM_TEST_SMTP_PORT") or free_port())
    else:
        host, port = "127.0.0.1", free_port()
    server = SmtpServer(host=host, port=port, tls=tls)
    kwargs: dict[str, Any] = {
        "hostname": host,
        "port": port,
        "authenticator": _authenticator(smtp_module),
        "auth_require_tls": tls == "starttls",
    }
    if folder is not None:
        cert_file, key_file = _self_signed_certificate(folder)
        server.ca_file = str(cert_file)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_file, key_file)
        if tls == "ssl":
            kwargs["ssl_context"] = context
        else:
            kwargs.update(tls_context=context, require_starttls=True)
    controller = controller_module.Controller(_Handler(server), **kwargs)
    # start() returns once a test connection got the server's greeting (or raises).
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    """A plain SMTP server on 127.0.0.1 that offers (does not require) AUTH."""
    yield from _run("none", None)


@pytest.fixture(scope="session")
def smtp_starttls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmtpServer]:
    """An SMTP server that requires STARTTLS (self-signed certificate) before MAIL and AUTH."""
    yield from _run("starttls", tmp_path_factory.mktemp("smtp-starttls"))


@pytest.fixture(scope="session")
def smtp_ssl_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmtpServer]:
    """An SMTPS server: TLS from the first byte (self-signed certificate)."""
    yield from _run("ssl", tmp_path_factory.mktemp("smtp-ssl"))
