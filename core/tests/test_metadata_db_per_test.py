"""The suite's metadata DB mechanism (taskloom_testing.home): every test gets an empty DB
of its own on the backend ``TASKLOOM_TEST_DATABASE`` names, and its subprocesses use it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from taskloom import store
from taskloom.models.variable import Variable
from taskloom.store import schema


def test_the_suite_runs_on_the_backend_it_names() -> None:
    assert store.configured_url().dialect == os.environ.get("TASKLOOM_TEST_DATABASE", "sqlite")


@pytest.mark.parametrize("turn", [1, 2])
def test_each_test_starts_with_an_empty_db(turn: int) -> None:
    """Nothing another test (or the other turn) wrote is visible; the DB is not migrated yet."""
    assert store.check() == (0, schema.head_version(store.configured_url().dialect))
    assert Variable.list() == []
    Variable.set("written_by_turn", str(turn))


def test_subprocesses_use_the_tests_db() -> None:
    Variable.set("shared", "from the test")
    child = subprocess.run(
        [sys.executable, "-m", "taskloom", "variables", "get", "shared"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == "from the test"


@pytest.mark.sqlite_only("what the marker does")
def test_sqlite_only_keeps_a_test_on_sqlite() -> None:
    assert store.configured_url().dialect == "sqlite"
    assert Variable.list() == []
