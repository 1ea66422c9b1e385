"""``EmailOperator``: send an HTML e-mail, with attachments, from a task."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from taskloom.models.baseoperator import BaseOperator
from taskloom.models.baseoperator import Context
from taskloom.providers.smtp.hooks.smtp import SmtpHook


class EmailOperator(BaseOperator):
    """Send an e-mail through the mail server of an ``smtp`` connection.

    ``to``, ``from_email``, ``subject``, ``html_content``, ``files``, ``cc``, ``bcc`` and
    ``custom_headers`` are templated; ``html_content`` may also name a ``.html`` template
    file, found next to the DAG file.

    :param to: recipients: an address, ``"a@x, b@y"``, or a list.
    :param subject: the subject line.
    :param html_content: the HTML body.
    :param from_email: the sender; default: the connection's ``from_email`` extra.
    :param files: paths of files to attach.
    :param cc: copy recipients.
    :param bcc: blind copy recipients (never shown in a header).
    :param mime_subtype: subtype of the multipart message.
    :param mime_charset: charset of the HTML body.
    :param conn_id: the ``smtp`` connection, default ``smtp_default``.
    :param custom_headers: more headers, e.g. ``{"Reply-To": "ops@example.com"}``.
    """

    template_fields = (
        "to",
        "from_email",
        "subject",
        "html_content",
        "files",
        "cc",
        "bcc",
        "custom_headers",
    )
    template_fields_renderers = {"html_content": "html"}
    template_ext = (".html",)
    ui_color = "#e6faf9"

    def __init__(
        self,
        *,
        to: str | Iterable[str],
        subject: str,
        html_content: str,
        from_email: str | None = None,
        files: list[str] | None = None,
        cc: str | Iterable[str] | None = None,
        bcc: str | Iterable[str] | None = None,
        mime_subtype: str = "mixed",
        mime_charset: str = "utf-8",
        conn_id: str = SmtpHook.default_conn_name,
        custom_headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.to = to
        self.subject = subject
        self.html_content = html_content
        self.from_email = from_email
        self.files = files or []
        self.cc = cc
        self.bcc = bcc
        self.mime_subtype = mime_subtype
        self.mime_charset = mime_charset
        self.conn_id = conn_id
        self.custom_headers = custom_headers

    def execute(self, context: Context) -> str:
        """Send the e-mail; return its ``Message-ID`` (pushed to XCom)."""
        with SmtpHook(smtp_conn_id=self.conn_id) as hook:
            message = hook.send_email_smtp(
                to=self.to,
                subject=self.subject,
                html_content=self.html_content,
                from_email=self.from_email,
                files=self.files,
                cc=self.cc,
                bcc=self.bcc,
                mime_subtype=self.mime_subtype,
                mime_charset=self.mime_charset,
                custom_headers=self.custom_headers,
            )
        self.task_log(context).info(
            "sent e-mail %r (%s) to %s", message["Subject"], message["Message-ID"], message["To"]
        )
        return str(message["Message-ID"])
