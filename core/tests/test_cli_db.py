"""Tests for taskloom.cli.db: migrate, check, reset."""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner
from runtime_helpers import query
from runtime_helpers import run_cli

from taskloom import configuration
from taskloom import store
from taskloom.cli import cli
from taskloom.store import schema


def test_migrate_then_check(capsys: pytest.CaptureFixture[str]) -> None:
    """migrate creates the DB; check then exits 0."""
    code, out, _ = run_cli(capsys, "db", "migrate")
    assert code == 0
    assert "Applied 0001_initial.sql" in out
    code, out, _ = run_cli(capsys, "db", "check")
    assert code == 0
    assert "up to date" in out


def test_check_behind_names_the_fix(capsys: pytest.CaptureFixture[str]) -> None:
    """A DB behind the code exits 1 and says to run `taskloom db migrate`."""
    configuration.home().mkdir(parents=True)
    sqlite3.connect(configuration.home() / "taskloom.db").close()
    code, _, err = run_cli(capsys, "db", "check")
    assert code == 1
    assert "run `taskloom db migrate`" in err


def test_check_ahead_names_the_fix(capsys: pytest.CaptureFixture[str]) -> None:
    """A DB from a newer taskloom exits 1 and says to upgrade."""
    store.connect().close()
    raw = sqlite3.connect(configuration.home() / "taskloom.db")
    raw.execute(f"PRAGMA user_version={schema.head_version() + 5}")
    raw.close()
    code, _, err = run_cli(capsys, "db", "check")
    assert code == 1
    assert "ahead of this taskloom" in err


def test_reset_needs_confirmation(capsys: pytest.CaptureFixture[str]) -> None:
    """reset asks first (answering no keeps the data); reset -y empties the DB."""
    conn = store.connect()
    with conn.transaction():
        conn.execute("INSERT INTO variable(key, val) VALUES ('k', 'v')")
    conn.close()
    result = CliRunner().invoke(cli, ["db", "reset"], input="n\n")
    assert result.exit_code == 1
    assert "Aborted" in result.output
    assert len(query("SELECT * FROM variable")) == 1
    code, out, _ = run_cli(capsys, "db", "reset", "-y")
    assert "Reset" in out
    assert code == 0
    assert query("SELECT count(*) FROM variable")[0][0] == 0
