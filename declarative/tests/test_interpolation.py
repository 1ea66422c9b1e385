"""Sandboxed interpolation and Airbyte's macros."""

from __future__ import annotations

import datetime as dt

import pytest

from taskloom.declarative import dates
from taskloom.declarative.errors import InterpolationError
from taskloom.declarative.interpolation import Interpolator


def test_single_expressions_keep_their_type_and_text_renders() -> None:
    """``{{ 1 + 1 }}`` is the int 2; text with an expression is a string."""
    i = Interpolator()
    assert i.eval("{{ config['n'] + 1 }}", {"config": {"n": 1}}) == 2
    assert i.eval("/users/{{ config.user }}/repos", {"config": {"user": "me"}}) == "/users/me/repos"
    assert i.eval("{{ config['missing'] }}", {"config": {}}) is None
    assert i.eval_bool("{{ not response.next }}", {"response": {"next": None}}) is True
    assert i.eval("{{ max(1, 5) }}", {}) == 5


def test_sandbox_refuses_python_internals() -> None:
    """Attributes that reach Python internals fail instead of running."""
    i = Interpolator()
    with pytest.raises(InterpolationError):
        i.eval("{{ ''.__class__.__mro__[1].__subclasses__() }}", {})
    with pytest.raises(InterpolationError):
        i.eval("{{ config.__class__.__init__.__globals__ }}", {"config": {}})


def test_date_macros() -> None:
    """format_datetime, str_to_datetime, duration and day_delta as manifests use them."""
    i = Interpolator()
    assert i.eval("{{ format_datetime('2024-01-02T03:04:05Z', '%Y/%m/%d') }}", {}) == "2024/01/02"
    assert i.eval("{{ str_to_datetime('2024-01-02').year }}", {}) == 2024
    assert i.eval("{{ (str_to_datetime('2024-01-02') + duration('P1D').delta).day }}", {}) == 3
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    assert i.eval("{{ day_delta(0, format='%Y-%m-%d') }}", {}) == today
    assert i.eval("{{ now_utc().year }}", {}) >= 2024


def test_durations_and_epoch_formats() -> None:
    """ISO 8601 durations with months, and Airbyte's epoch formats."""
    when = dates.parse("2024-01-31T00:00:00Z")
    assert dates.parse_duration("P1M").add_to(when).isoformat() == "2024-02-29T00:00:00+00:00"
    assert dates.format(when, "%s") == "1706659200"
    assert dates.format(when, "%ms") == "1706659200000"
    assert dates.parse("1706659200", "%s") == when
    with pytest.raises(ValueError, match="ISO 8601 duration"):
        dates.parse_duration("1 day")
