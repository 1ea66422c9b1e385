"""Tests for taskloom.cli.output: tables and JSON."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner

from taskloom.cli.output import format_table
from taskloom.cli.output import output_option
from taskloom.cli.output import render


@click.command()
@output_option
def _sample(output: str) -> None:
    render([{"key": "a", "val": 1}, {"key": "long-key", "val": None}], ["key", "val"], output)


def test_table_is_aligned() -> None:
    """Columns line up under the header, missing values are empty cells."""
    text = format_table([{"a": "x", "b": "yy"}, {"a": "longer", "b": None}], ["a", "b"])
    lines = text.splitlines()
    assert lines[0] == "a       b"
    assert lines[1] == "------  --"
    assert lines[2] == "x       yy"
    assert lines[3] == "longer"


def test_multiline_cell_keeps_first_line() -> None:
    """A multi-line value does not break the table's alignment."""
    text = format_table([{"a": "one\ntwo"}], ["a"])
    assert text.splitlines()[2] == "one"


def test_json_output_through_option() -> None:
    """--output json prints a list of objects with only the listed columns."""
    result = CliRunner().invoke(_sample, ["--output", "json"])
    assert result.exit_code == 0
    assert json.loads(result.output) == [{"key": "a", "val": 1}, {"key": "long-key", "val": None}]


def test_empty_table_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    """An empty result is visible as a table and is [] as JSON."""
    render([], ["a"], "table")
    render([], ["a"], "json")
    assert capsys.readouterr().out == "No results.\n[]\n"
    with pytest.raises(click.UsageError, match="unknown output format"):
        render([], ["a"], "yaml")


def test_bad_output_choice_is_usage_error() -> None:
    """An unknown --output value is rejected by click with exit code 2."""
    result = CliRunner().invoke(_sample, ["--output", "yaml"])
    assert result.exit_code == 2
