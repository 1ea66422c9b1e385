"""Tests for taskloom.models.variable: Variable.get/set/delete and the environment override."""

from __future__ import annotations

import pytest

from taskloom.models.variable import Variable


def test_round_trip_text_and_json() -> None:
    """Values come back as text, or parsed when stored and read as JSON."""
    Variable.set("plain", 42)
    assert Variable.get("plain") == "42"
    Variable.set("structured", {"a": [1, None]}, serialize_json=True)
    assert Variable.get("structured", deserialize_json=True) == {"a": [1, None]}


def test_missing_and_default() -> None:
    """A missing key raises KeyError naming the fix, unless a default is given (even None)."""
    with pytest.raises(KeyError, match="TASKLOOM_VAR_ABSENT"):
        Variable.get("absent")
    assert Variable.get("absent", default_var=None) is None


def test_set_replaces_and_keeps_description() -> None:
    """Setting again replaces the value and keeps an earlier description."""
    Variable.set("k", "1", description="what k is")
    Variable.set("k", "2")
    assert Variable.list() == [{"key": "k", "val": "2", "description": "what k is"}]


def test_env_override(monkeypatch: pytest.MonkeyPatch) -> None:
    """TASKLOOM_VAR_<KEY> (key upper-cased) wins over the DB."""
    Variable.set("target", "db")
    monkeypatch.setenv("TASKLOOM_VAR_TARGET", '{"from": "env"}')
    assert Variable.get("target", deserialize_json=True) == {"from": "env"}


def test_bad_json_names_the_variable() -> None:
    """Reading a non-JSON value as JSON names the variable."""
    Variable.set("text", "not json")
    with pytest.raises(ValueError, match="variable 'text' is not valid JSON"):
        Variable.get("text", deserialize_json=True)


def test_delete() -> None:
    """delete() reports whether the key existed."""
    Variable.set("gone", "soon")
    assert Variable.delete("gone") is True
    assert Variable.delete("gone") is False


def test_secret_variables_are_masked_in_logs() -> None:
    """Reading a variable named like a secret registers its value with the secrets masker."""
    from taskloom.utils.secrets_masker import redact

    Variable.set("db_password", "correct-horse-battery")
    assert Variable.get("db_password") == "correct-horse-battery"
    assert redact("login with correct-horse-battery") == "login with ***"
