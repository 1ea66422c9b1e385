"""Tests for taskloom.cli.variables: get, set, list, delete."""

from __future__ import annotations

import json

import pytest
from runtime_helpers import run_cli


def test_set_get_list_delete(capsys: pytest.CaptureFixture[str]) -> None:
    """A variable set from the CLI can be read, listed as JSON and deleted."""
    assert (
        run_cli(capsys, "variables", "set", "region", "eu-west-1", "--description", "where")[0] == 0
    )
    code, out, _ = run_cli(capsys, "variables", "get", "region")
    assert (code, out) == (0, "eu-west-1\n")
    code, out, _ = run_cli(capsys, "variables", "list", "-o", "json")
    assert json.loads(out) == [{"key": "region", "val": "eu-west-1", "description": "where"}]
    assert run_cli(capsys, "variables", "delete", "region")[0] == 0
    code, _, err = run_cli(capsys, "variables", "delete", "region")
    assert code == 1
    assert "does not exist" in err


def test_missing_variable(capsys: pytest.CaptureFixture[str]) -> None:
    """get of a missing key exits 1 with how to create it, or prints --default."""
    code, _, err = run_cli(capsys, "variables", "get", "nope")
    assert code == 1
    assert "taskloom variables set nope VALUE" in err
    code, out, _ = run_cli(capsys, "variables", "get", "nope", "--default", "fallback")
    assert (code, out) == (0, "fallback\n")


def test_json_values(capsys: pytest.CaptureFixture[str]) -> None:
    """--json validates on set and parses on get."""
    code, _, err = run_cli(capsys, "variables", "set", "cfg", "{not json", "--json")
    assert code == 2
    assert "not valid JSON" in err
    assert run_cli(capsys, "variables", "set", "cfg", '{"a": [1, 2]}', "--json")[0] == 0
    code, out, _ = run_cli(capsys, "variables", "get", "cfg", "--json")
    assert json.loads(out) == {"a": [1, 2]}


def test_environment_wins(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """TASKLOOM_VAR_<KEY> overrides the DB value."""
    run_cli(capsys, "variables", "set", "mode", "db")
    monkeypatch.setenv("TASKLOOM_VAR_MODE", "env")
    assert run_cli(capsys, "variables", "get", "mode")[1] == "env\n"


def test_secret_looking_values_are_hidden(capsys: pytest.CaptureFixture[str]) -> None:
    """list shows *** for keys named like secrets; get prints the value the user asked for."""
    run_cli(capsys, "variables", "set", "api_token", "tok-1234567890")
    _, out, _ = run_cli(capsys, "variables", "list", "-o", "json")
    assert json.loads(out)[0]["val"] == "***"
    assert "tok-1234567890" not in out
    assert run_cli(capsys, "variables", "get", "api_token")[1] == "tok-1234567890\n"
