"""``send_email``: the function core calls for failure and retry e-mails.

Core's task runner sends its notifications through ``taskloom.utils.email.send_email``,
which resolves to :func:`send_email` here unless ``[email] email_backend`` names another
function with the same signature.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from taskloom.providers.smtp.hooks.smtp import SmtpHook


def send_email(
    to: str | Iterable[str],
    subject: str,
    html_content: str,
    files: Iterable[str] | None = None,
    cc: str | Iterable[str] | None = None,
    bcc: str | Iterable[str] | None = None,
    conn_id: str = "smtp_default",
    **kwargs: Any,
) -> str:
    """Send an HTML e-mail through the ``smtp`` connection ``conn_id``; return its Message-ID.

    :param kwargs: ``from_email``, ``mime_subtype``, ``mime_charset`` and
        ``custom_headers``, as :meth:`SmtpHook.send_email_smtp` takes them.
    :raises SmtpError: the server cannot be reached or refuses the login or the message.
    :raises TypeError: for an argument :meth:`SmtpHook.send_email_smtp` does not take.
    """
    known = {"from_email", "mime_subtype", "mime_charset", "custom_headers"}
    unknown = sorted(set(kwargs) - known)
    if unknown:
        raise TypeError(
            f"send_email() got unknown argument(s) {', '.join(unknown)}; it takes "
            f"{', '.join(sorted(known))} besides to, subject, html_content, files, cc, bcc, conn_id."
        )
    with SmtpHook(smtp_conn_id=conn_id) as hook:
        message = hook.send_email_smtp(
            to=to, subject=subject, html_content=html_content, files=files, cc=cc, bcc=bcc, **kwargs
        )
    return str(message["Message-ID"])
