"""The mapping table drives the shim files and the README, and every target resolves."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

import pytest
import table

import taskloom_compat
from taskloom._moved import MOVES
from taskloom._moved import Move
from taskloom._moved import moves_by_module
from taskloom_compat._shim import target

README = Path(__file__).parent.parent / "README.md"


def test_every_old_module_has_a_shim() -> None:
    """Each 1.x module in the table is a compat module (or a core package with __getattr__)."""
    for module in moves_by_module():
        spec = importlib.util.find_spec(module)
        assert spec is not None, module
        origin = Path(str(spec.origin))
        if origin.name == "__init__.py":
            assert "taskloom_compat" not in str(origin)  # a core package: served by its __getattr__
        else:
            assert "module_getattr(__name__)" in origin.read_text(), origin


def test_shims_hold_nothing_else() -> None:
    """compat ships no 1.x module the table does not know."""
    package_dir = Path(taskloom_compat.__file__).parent.parent / "taskloom"
    shipped = {
        ".".join(p.relative_to(package_dir.parent).with_suffix("").parts)
        for p in package_dir.rglob("*.py")
        if "__pycache__" not in p.parts and "taskloom_compat" in p.read_text()
    }
    assert shipped <= set(moves_by_module())


@pytest.mark.parametrize("move", MOVES, ids=lambda m: m.old)
def test_every_target_resolves(move: Move) -> None:
    """Each new home exists; the old name is the same object (or a renaming subclass)."""
    module, _, name = move.new.rpartition(".")
    new_obj = getattr(importlib.import_module(module), name)
    old_obj = target(move)
    if move.renamed_args:
        assert issubclass(old_obj, new_obj)
        assert old_obj.__name__ == move.old_name
    else:
        assert old_obj is new_obj


def test_readme_table_is_current() -> None:
    """The README's table is generated from MOVES."""
    text = README.read_text()
    start = text.index(table.START)
    end = text.index(table.END) + len(table.END)
    assert text[start:end] == table.render(), (
        "regenerate with: PYTHONPATH=tests python -c 'import table; print(table.render())'"
    )
