"""Send email through the configured backend (task failure and retry mails use it).

Core sends no mail itself: the setting ``[email] email_backend`` names a function with
the signature of :func:`send_email`, by default the SMTP provider's
``taskloom.providers.smtp.utils.email.send_email``, so ``pip install
taskloom-provider-smtp`` is all it takes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from taskloom import configuration
from taskloom.exceptions import EmailBackendError

#: The backend used when ``[email] email_backend`` is not set.
DEFAULT_BACKEND = "taskloom.providers.smtp.utils.email.send_email"


def _addresses(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
    return [address for item in value for address in _addresses(item)]


def send_email(
    to: str | Iterable[str],
    subject: str,
    html_content: str,
    files: list[str] | None = None,
    cc: str | Iterable[str] | None = None,
    bcc: str | Iterable[str] | None = None,
    **kwargs: Any,
) -> Any:
    """Send a mail through the configured backend and return what it returns.

    Addresses may be a list or a comma/semicolon separated string.

    :raises EmailBackendError: if the backend cannot be imported (naming the package to install).
    """
    from taskloom.utils.module_loading import import_string

    path = str(configuration.get("email", "email_backend", DEFAULT_BACKEND))
    try:
        backend = import_string(path)
    except ImportError as exc:
        hint = (
            "pip install taskloom-provider-smtp"
            if path == DEFAULT_BACKEND
            else "install the distribution that provides it, or fix [email] email_backend (TASKLOOM__EMAIL__EMAIL_BACKEND)"
        )
        raise EmailBackendError(f"cannot load the email backend {path!r} ({exc}); {hint}") from None
    return backend(
        _addresses(to),
        subject,
        html_content,
        files=files,
        cc=_addresses(cc) or None,
        bcc=_addresses(bcc) or None,
        **kwargs,
    )


def __getattr__(name: str) -> Any:
    # 1.x names of this module, from the table of moves.
    from taskloom.legacy.finder import package_getattr

    return package_getattr(__name__, name)
