"""Tests for taskloom.utils.secrets_masker: forms, short secrets, redact, the logging filter."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from taskloom.utils.secrets_masker import SecretsMaskerFilter
from taskloom.utils.secrets_masker import get_secrets_masker
from taskloom.utils.secrets_masker import is_sensitive_key
from taskloom.utils.secrets_masker import mask_secret
from taskloom.utils.secrets_masker import redact

SECRET = 'p@ss w/rd"\\é+%'


@pytest.fixture(autouse=True)
def _clean_masker() -> Iterator[None]:
    """Forget secrets registered by the test."""
    yield
    get_secrets_masker().clear()


@pytest.fixture
def captured_log() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger whose handler carries the masking filter and writes to a string."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(SecretsMaskerFilter())
    logger = logging.getLogger("taskloom.test.masker")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def test_masks_every_encoded_form() -> None:
    """The raw, percent-encoded, form-encoded, JSON-escaped and repr forms are all masked."""
    mask_secret(SECRET)
    forms = [SECRET, quote(SECRET, safe=""), quote(SECRET, safe="").replace("%20", "+")]
    forms += [
        json.dumps(SECRET)[1:-1],
        json.dumps(SECRET, ensure_ascii=False)[1:-1],
        repr(SECRET)[1:-1],
    ]
    for form in forms:
        assert redact(f"before {form} after") == "before *** after", form
    assert redact(json.dumps({"payload": SECRET})) == '{"payload": "***"}'
    assert redact(f"postgres://u:{quote(SECRET, safe='')}@h/db") == "postgres://u:***@h/db"


def test_longest_secret_masked_whole() -> None:
    """When one secret contains another, the longer one is masked in one piece."""
    mask_secret("abcdefgh")
    mask_secret("abcdefgh-and-more")
    assert redact("x abcdefgh-and-more y abcdefgh") == "x *** y ***"


def test_short_and_empty_secrets_are_not_masked_by_substring(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A 1-character password does not turn log lines into asterisks; a warning says it is not masked."""
    with caplog.at_level(logging.WARNING, logger="taskloom.utils.secrets_masker"):
        mask_secret("a", "password of connection 'x'")
        mask_secret("", "password of connection 'y'")
        mask_secret(None)
    assert redact("a task ran at 10:00") == "a task ran at 10:00"
    assert [r.getMessage() for r in caplog.records] == [
        "secret \"password of connection 'x'\" is shorter than 5 characters and is NOT masked in logs "
        "(short secrets would turn ordinary text into '***'); use a longer secret"
    ]


def test_short_secret_still_masked_under_a_secret_key() -> None:
    """Under a key naming a secret, a value is masked whole whatever its length."""
    assert redact({"password": "a", "host": "a", "nested": [{"api_token": 42}]}) == {
        "password": "***",
        "host": "a",
        "nested": [{"api_token": "***"}],
    }


def test_min_length_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """[logging] min_length_masked_secret changes the short-secret threshold."""
    monkeypatch.setenv("TASKLOOM__LOGGING__MIN_LENGTH_MASKED_SECRET", "3")
    mask_secret("xyz")
    assert redact("the xyz value") == "the *** value"


def test_redact_nested_structures_and_other_objects() -> None:
    """Dicts, lists, tuples and sets are copied with secrets masked; other objects pass unchanged."""
    mask_secret("topsecret")
    data = {"k": ["topsecret", ("in topsecret tuple", 1)], "s": {"topsecret"}}
    assert redact(data) == {"k": ["***", ("in *** tuple", 1)], "s": {"***"}}
    marker = object()
    assert redact(marker) is marker


def test_mask_secret_mapping_and_list() -> None:
    """Registering a mapping or list registers each value."""
    mask_secret({"a": "value-one", "b": ["value-two"]})
    assert redact("value-one value-two") == "*** ***"


def test_is_sensitive_key() -> None:
    """Key names containing password, secret, token, api_key... are sensitive."""
    assert all(
        map(
            is_sensitive_key,
            [
                "password",
                "DB_PASSWORD",
                "client_secret",
                "auth_token",
                "X-API-KEY".replace("-", "_"),
            ],
        )
    )
    assert not any(map(is_sensitive_key, ["host", "region", "timeout"]))


def test_filter_masks_message_args_and_exception(
    captured_log: tuple[logging.Logger, io.StringIO],
) -> None:
    """The logging filter masks the message, its %-args and the formatted traceback."""
    logger, stream = captured_log
    mask_secret("hunter2-password")
    logger.info("connecting with %s", "hunter2-password")
    logger.info("dict arg %(pw)s", {"pw": "hunter2-password"})
    try:
        raise RuntimeError("login failed for hunter2-password")
    except RuntimeError:
        logger.exception("task failed")
    output = stream.getvalue()
    assert "hunter2" not in output
    assert "INFO connecting with ***" in output
    assert "INFO dict arg ***" in output
    assert "RuntimeError: login failed for ***" in output
    assert "Traceback (most recent call last)" in output


def test_filter_masks_objects_str(captured_log: tuple[logging.Logger, io.StringIO]) -> None:
    """Secrets inside an argument's str() are masked (the message is rendered first)."""
    logger, stream = captured_log

    class Holder:
        def __str__(self) -> str:
            return "holder(hunter2-password)"

    mask_secret("hunter2-password")
    logger.warning("got %s", Holder())
    assert stream.getvalue() == "WARNING got holder(***)\n"


def test_filter_keeps_records_without_secrets(
    captured_log: tuple[logging.Logger, io.StringIO],
) -> None:
    """With nothing registered, records pass through unchanged."""
    logger, stream = captured_log
    logger.info("plain %d", 5)
    assert stream.getvalue() == "INFO plain 5\n"
