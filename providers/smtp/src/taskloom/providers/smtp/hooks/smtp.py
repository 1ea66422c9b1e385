"""The SMTP hook: send e-mail through a mail server named by an ``smtp`` connection."""

from __future__ import annotations

import os
import smtplib
import ssl
import time
from collections.abc import Iterable
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate
from email.utils import make_msgid
from types import TracebackType
from typing import Any

from taskloom.exceptions import TaskloomError
from taskloom.hooks.base import BaseHook
from taskloom.models.connection import Connection

#: Default SMTP ports: implicit TLS (SMTPS) and plain/STARTTLS submission.
SSL_PORT = 465
PLAIN_PORT = 25

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class SmtpError(TaskloomError):
    """The mail server could not be reached, refused the login, or refused the message."""


def get_email_address_list(addresses: str | Iterable[str] | None) -> list[str]:
    """Split ``"a@x, b@y; c@z"`` (or a list of such strings) into single addresses."""
    if not addresses:
        return []
    items = [addresses] if isinstance(addresses, str) else list(addresses)
    result: list[str] = []
    for item in items:
        result += [part.strip() for part in item.replace(";", ",").split(",") if part.strip()]
    return result


class SmtpHook(BaseHook):
    """Send e-mail through the mail server of an ``smtp`` connection.

    The connection gives host, port, login and password; extras choose the transport and
    its limits: ``ssl`` (implicit TLS, port 465 by default), ``starttls`` (upgrade a plain
    connection before logging in), ``ssl_context`` (``default`` verifies the server's
    certificate against the system's CAs, or against ``ca_file`` when given; ``none``
    skips verification), ``from_email`` (the default sender), ``timeout`` (seconds, default
    30) and ``retry_limit`` (connection attempts, default 5).

    Use it as a context manager, which opens and logs in once and quits on exit::

        with SmtpHook(smtp_conn_id="smtp_default") as hook:
            hook.send_email_smtp(to="ops@example.com", subject="hi", html_content="<b>hi</b>")

    :param smtp_conn_id: id of the connection to use, default ``smtp_default``.
    """

    conn_name_attr = "smtp_conn_id"
    default_conn_name = "smtp_default"
    conn_type = "smtp"
    hook_name = "SMTP"

    def __init__(self, smtp_conn_id: str | None = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.smtp_conn_id = smtp_conn_id or self.default_conn_name
        self._connection: Connection | None = None
        #: The open client between :meth:`get_conn` and :meth:`close`.
        self.smtp_client: smtplib.SMTP | None = None

    # --- settings ---------------------------------------------------------------------

    @property
    def connection(self) -> Connection:
        """The connection, read once."""
        if self._connection is None:
            self._connection = self.get_connection(self.smtp_conn_id)
        return self._connection

    def _flag(self, key: str, default: bool) -> bool:
        value = self.connection.extra_dejson.get(key, default)
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise SmtpError(
            f"connection {self.smtp_conn_id!r}: extra {key!r} must be true or false, "
            f"got {value!r}; fix the connection's extra."
        )

    def _number(self, key: str, default: int) -> int:
        value = self.connection.extra_dejson.get(key, default)
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = 0
        if number < 1:
            raise SmtpError(
                f"connection {self.smtp_conn_id!r}: extra {key!r} must be a whole number "
                f"of at least 1, got {value!r}; fix the connection's extra."
            )
        return number

    @property
    def use_ssl(self) -> bool:
        """Implicit TLS from the first byte (extra ``ssl``)."""
        return self._flag("ssl", False)

    @property
    def use_starttls(self) -> bool:
        """Upgrade the plain connection with STARTTLS before login (extra ``starttls``)."""
        return self._flag("starttls", False)

    @property
    def timeout(self) -> int:
        """Seconds to wait for the server (extra ``timeout``, default 30)."""
        return self._number("timeout", 30)

    @property
    def retry_limit(self) -> int:
        """How many times to try to connect (extra ``retry_limit``, default 5)."""
        return self._number("retry_limit", 5)

    @property
    def from_email(self) -> str | None:
        """The default sender (extra ``from_email``), else the login when it is an address."""
        sender = self.connection.extra_dejson.get("from_email")
        if sender:
            return str(sender)
        login = self.connection.login
        return login if login and "@" in login else None

    @property
    def port(self) -> int:
        """The connection's port, or 465 with ``ssl`` and 25 without."""
        return self.connection.port or (SSL_PORT if self.use_ssl else PLAIN_PORT)

    def ssl_context(self) -> ssl.SSLContext:
        """The TLS settings for ``ssl`` and ``starttls`` (extras ``ssl_context``, ``ca_file``)."""
        extra = self.connection.extra_dejson
        mode = str(extra.get("ssl_context") or "default").lower()
        if mode == "none":
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            return context
        if mode != "default":
            raise SmtpError(
                f"connection {self.smtp_conn_id!r}: extra 'ssl_context' must be 'default' "
                f"(verify the server) or 'none' (do not), got {mode!r}."
            )
        ca_file = extra.get("ca_file")
        if ca_file and not os.path.isfile(ca_file):
            raise SmtpError(
                f"connection {self.smtp_conn_id!r}: extra 'ca_file' {ca_file!r} is not a file; "
                "give the path of a PEM file of trusted certificates."
            )
        return ssl.create_default_context(cafile=ca_file or None)

    # --- connecting -------------------------------------------------------------------

    def __enter__(self) -> SmtpHook:
        self.get_conn()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def get_conn(self) -> smtplib.SMTP:
        """Connect (trying up to ``retry_limit`` times), secure the channel and log in.

        :raises SmtpError: the server cannot be reached, TLS fails, or the login is refused;
            the message names the server and the fix, never the password.
        """
        if self.smtp_client is not None:
            return self.smtp_client
        host = self.connection.host or "localhost"
        where = f"SMTP server {host}:{self.port} (connection {self.smtp_conn_id!r})"
        attempts = self.retry_limit
        for attempt in range(1, attempts + 1):
            try:
                client = self._connect(host)
                break
            except ssl.SSLError as exc:
                raise SmtpError(
                    f"TLS with the {where} failed ({exc.reason or exc}); check the extras 'ssl', "
                    "'starttls', 'ca_file' and 'ssl_context', and that the port speaks TLS."
                ) from exc
            except (OSError, smtplib.SMTPServerDisconnected) as exc:
                if attempt == attempts:
                    raise SmtpError(
                        f"could not reach the {where} after {attempts} attempt(s): {exc}; check "
                        "its host and port, or raise the extras 'timeout' and 'retry_limit'."
                    ) from exc
                self.log.warning("%s: attempt %d of %d failed (%s)", where, attempt, attempts, exc)
                time.sleep(min(0.2 * 2**attempt, 5.0))
        login, password = self.connection.login, self.connection.password
        if login:
            try:
                client.login(login, password or "")
            except smtplib.SMTPAuthenticationError as exc:
                client.close()
                raise SmtpError(
                    f"the {where} refused the login {login!r} ({exc.smtp_code}); check the "
                    "connection's login and password."
                ) from None
            except smtplib.SMTPNotSupportedError:
                client.close()
                raise SmtpError(
                    f"the {where} offers no AUTH on this channel; most servers offer it only "
                    "after TLS: set the extra 'starttls' or 'ssl' to true."
                ) from None
        self.smtp_client = client
        return client

    def _connect(self, host: str) -> smtplib.SMTP:
        if self.use_ssl:
            return smtplib.SMTP_SSL(
                host, self.port, timeout=self.timeout, context=self.ssl_context()
            )
        client = smtplib.SMTP(host, self.port, timeout=self.timeout)
        if self.use_starttls:
            try:
                client.starttls(context=self.ssl_context())
            except BaseException:
                client.close()
                raise
        return client

    def close(self) -> None:
        """Say QUIT and close the connection (a dropped connection is simply closed)."""
        if self.smtp_client is None:
            return
        try:
            self.smtp_client.quit()
        except smtplib.SMTPServerDisconnected:
            self.smtp_client.close()
        finally:
            self.smtp_client = None

    def test_connection(self) -> tuple[bool, str]:
        """Connect, log in and say NOOP."""
        try:
            with self:
                code, _ = self.get_conn().noop()
        except SmtpError as exc:
            return False, str(exc)
        return code == 250, f"SMTP server answered NOOP with {code}"

    # --- sending ----------------------------------------------------------------------

    def send_email_smtp(
        self,
        *,
        to: str | Iterable[str],
        subject: str,
        html_content: str,
        from_email: str | None = None,
        files: Iterable[str] | None = None,
        cc: str | Iterable[str] | None = None,
        bcc: str | Iterable[str] | None = None,
        mime_subtype: str = "mixed",
        mime_charset: str = "utf-8",
        custom_headers: dict[str, str] | None = None,
    ) -> MIMEMultipart:
        """Send an HTML e-mail with attachments; return the message sent.

        :param to: recipients: an address, ``"a@x, b@y"``, or a list.
        :param from_email: the sender; default: the connection's ``from_email`` extra.
        :param files: paths of files to attach (each under its base name).
        :param cc: copy recipients, shown in the ``Cc`` header.
        :param bcc: blind copy recipients: sent to, never shown in a header.
        :param mime_subtype: subtype of the multipart message (``mixed``, ``related``...).
        :param custom_headers: more headers, e.g. ``{"Reply-To": "ops@example.com"}``.
        :raises SmtpError: no sender or no recipient, a missing attachment, or the server
            refused the message.
        """
        sender = from_email or self.from_email
        if not sender:
            raise SmtpError(
                f"no sender for the e-mail {subject!r}: pass from_email or set the extra "
                f"'from_email' of connection {self.smtp_conn_id!r}."
            )
        to_list, cc_list, bcc_list = map(get_email_address_list, (to, cc, bcc))
        recipients = to_list + cc_list + bcc_list
        if not recipients:
            raise SmtpError(f"the e-mail {subject!r} has no recipient: give to, cc or bcc.")
        message = build_mime_message(
            sender=sender,
            to=to_list,
            cc=cc_list,
            subject=subject,
            html_content=html_content,
            files=files,
            mime_subtype=mime_subtype,
            mime_charset=mime_charset,
            custom_headers=custom_headers,
        )
        client = self.get_conn()
        try:
            refused = client.sendmail(sender, recipients, message.as_string())
        except smtplib.SMTPException as exc:
            raise SmtpError(
                f"the SMTP server refused the e-mail {subject!r} ({exc}); check the sender "
                "and recipient addresses."
            ) from exc
        if refused:
            # The others got it: a partial delivery is reported, not turned into a failure.
            self.log.warning(
                "the SMTP server refused the e-mail %r for %s", subject, ", ".join(sorted(refused))
            )
        self.log.info("sent e-mail %r to %d recipient(s)", subject, len(recipients) - len(refused))
        return message


def build_mime_message(
    *,
    sender: str,
    to: list[str],
    cc: list[str],
    subject: str,
    html_content: str,
    files: Iterable[str] | None = None,
    mime_subtype: str = "mixed",
    mime_charset: str = "utf-8",
    custom_headers: dict[str, str] | None = None,
) -> MIMEMultipart:
    """Build the message :meth:`SmtpHook.send_email_smtp` sends (Bcc is never a header).

    :raises SmtpError: an attachment is not a readable file.
    """
    message = MIMEMultipart(mime_subtype)
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    for name, value in (custom_headers or {}).items():
        message[name] = value
    message.attach(MIMEText(html_content, "html", mime_charset))
    for path in files or ():
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise SmtpError(
                f"cannot attach {path!r} to the e-mail {subject!r}: {exc.strerror}."
            ) from None
        part = MIMEApplication(data, Name=os.path.basename(path))
        part["Content-Disposition"] = f'attachment; filename="{os.path.basename(path)}"'
        message.attach(part)
    return message
