"""Tests for taskloom.models.variable: Variable.get/set/delete and the environment override."""

from __future__ import annotations

import json

import pytest

from taskloom.models.variable import Variable
from taskloom.secrets import BaseSecretsBackend


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


class VaultBackend(BaseSecretsBackend):
    """A configured secrets backend that serves variables (as a vault provider's does)."""

    def __init__(self, variables: dict[str, str]) -> None:
        self.variables = variables

    def get_variable(self, key: str) -> str | None:
        return self.variables.get(key)


class DownBackend(BaseSecretsBackend):
    """A configured secrets backend whose service is down."""

    def get_variable(self, key: str) -> str | None:
        raise OSError("vault unreachable")


def test_secrets_backend_is_asked_first_like_for_connections(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Configured backend, then TASKLOOM_VAR_*, then the DB: the same order as connections."""
    Variable.set("region", "from-db")
    Variable.set("only_db", "from-db")
    assert Variable.get("region") == "from-db"
    monkeypatch.setenv("TASKLOOM_VAR_REGION", "from-env")
    assert Variable.get("region") == "from-env"
    monkeypatch.setenv(
        "TASKLOOM__SECRETS__BACKEND", f"{VaultBackend.__module__}.{VaultBackend.__qualname__}"
    )
    monkeypatch.setenv(
        "TASKLOOM__SECRETS__BACKEND_KWARGS",
        json.dumps({"variables": {"region": "from-vault", "limits": '{"rows": 5}'}}),
    )
    assert Variable.get("region") == "from-vault"
    assert Variable.get("limits", deserialize_json=True) == {"rows": 5}
    assert Variable.get("only_db") == "from-db"
    assert Variable.get("nowhere", default_var="dflt") == "dflt"


def test_a_failing_backend_is_skipped(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    Variable.set("region", "from-db")
    monkeypatch.setenv(
        "TASKLOOM__SECRETS__BACKEND", f"{DownBackend.__module__}.{DownBackend.__qualname__}"
    )
    assert Variable.get("region") == "from-db"
    assert "looking up variable 'region'" in caplog.text
