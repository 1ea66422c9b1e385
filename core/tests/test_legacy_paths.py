"""Without taskloom-compat, 1.x paths fail with advice; core's lazy submodules still work."""

from __future__ import annotations

import importlib

import pytest

import taskloom
from taskloom.legacy.moves import MOVES
from taskloom.legacy.moves import moves_by_module


def test_old_module_says_it_is_a_1x_path() -> None:
    """Importing a 1.x module names compat, the new import and the fix command."""
    with pytest.raises(ModuleNotFoundError) as info:
        importlib.import_module("taskloom.hooks.postgres_hook")
    message = str(info.value)
    assert "taskloom 1.x import path" in message
    assert "from taskloom.providers.postgres.hooks.postgres import PostgresHook" in message
    assert "taskloom compat fix" in message
    assert "pip install taskloom-compat" in message
    assert info.value.name == "taskloom.hooks.postgres_hook"


def test_old_name_in_a_core_package() -> None:
    """``from taskloom.models import DAG`` without compat explains the new path."""
    with pytest.raises(ImportError, match=r"from taskloom\.models\.dag import DAG"):
        from taskloom.models import DAG  # noqa: F401


def test_unknown_module_is_a_plain_error() -> None:
    """A path that never existed gets Python's usual error."""
    with pytest.raises(ModuleNotFoundError, match=r"No module named 'taskloom\.hooks\.nothing'"):
        importlib.import_module("taskloom.hooks.nothing")


def test_attribute_access_imports_submodules() -> None:
    """``import taskloom`` then ``taskloom.utils.module_loading`` works without an explicit import."""
    assert (
        taskloom.utils.module_loading.import_string("os.path.join")
        is importlib.import_module("os.path").join
    )


def test_table_is_consistent() -> None:
    """Every old path is unique, lives under taskloom, and its distribution is named."""
    olds = [m.old for m in MOVES]
    assert olds, "the table of 1.x moves is empty"
    assert len(olds) == len(set(olds))
    for move in MOVES:
        assert move.old.startswith("taskloom.")
        assert move.distribution == "taskloom" or move.new.startswith(
            f"taskloom.providers.{move.distribution.removeprefix('taskloom-provider-')}."
        )
    assert set(moves_by_module()) == {m.old_module for m in MOVES}
