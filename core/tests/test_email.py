"""Tests for taskloom.utils.email: backend selection and address handling."""

from __future__ import annotations

import pytest
import runtime_helpers

from taskloom.exceptions import EmailBackendError
from taskloom.utils import email


def test_configured_backend_gets_normalised_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    """Comma/semicolon strings become lists; the backend's return value is passed back."""
    monkeypatch.setenv("TASKLOOM__EMAIL__EMAIL_BACKEND", "runtime_helpers.record_mail")
    runtime_helpers.SENT_MAILS.clear()
    assert email.send_email("a@x.org; b@x.org", "hi", "<p>hi</p>", cc="c@x.org") == "<recorded>"
    assert runtime_helpers.SENT_MAILS == [
        {
            "to": ["a@x.org", "b@x.org"],
            "subject": "hi",
            "html_content": "<p>hi</p>",
            "files": None,
            "cc": ["c@x.org"],
            "bcc": None,
        }
    ]


def test_default_backend_names_the_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    """When the default backend cannot be imported the error says which distribution to install."""
    monkeypatch.setattr(email, "DEFAULT_BACKEND", "taskloom_no_such_dist.smtp.send_email")
    with pytest.raises(EmailBackendError, match="pip install taskloom-provider-smtp"):
        email.send_email("a@x.org", "s", "b")
