"""The mapping table drives the shim files and the README, and every target resolves."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

import pytest
import table

from taskloom.legacy.moves import MOVES
from taskloom.legacy.moves import Move
from taskloom.legacy.moves import moves_by_module
from taskloom_compat._shim import target

README = Path(__file__).parent.parent / "README.md"
SHIM_LINE = "from taskloom_compat._shim import module_getattr"


def test_every_old_module_has_a_shim() -> None:
    """Each 1.x module in the table is a compat module (or a core package with __getattr__)."""
    modules = moves_by_module()
    assert modules, "the table of 1.x moves is empty"
    for module in modules:
        spec = importlib.util.find_spec(module)
        assert spec is not None, module
        origin = Path(str(spec.origin))
        if origin.name == "__init__.py" or "module_getattr" not in origin.read_text():
            # A core package or module (taskloom.exceptions): served by its __getattr__.
            assert "taskloom_compat" not in str(origin)
            assert "def __getattr__" in origin.read_text(), origin
        else:
            assert "module_getattr(__name__)" in origin.read_text(), origin


def test_shims_hold_nothing_else() -> None:
    """The shim modules installed under taskloom/ are exactly the table's 1.x modules."""
    origin = importlib.util.find_spec("taskloom.hooks.base_hook").origin  # type: ignore[union-attr]
    root = Path(str(origin)).parents[1]  # the taskloom/ directory holding compat's shims
    shipped = {
        ".".join(p.relative_to(root.parent).with_suffix("").parts)
        for p in root.rglob("*.py")
        if SHIM_LINE in p.read_text()
    }
    stubbed = {
        m
        for m in moves_by_module()
        if "taskloom_compat" in Path(str(importlib.util.find_spec(m).origin)).read_text()  # type: ignore[union-attr]
    }
    assert shipped == stubbed


def test_a_move_is_an_immutable_value() -> None:
    """Moves compare and hash by value (the shims cache targets by move) and never change."""
    move = Move(
        "taskloom.hooks.x_hook.XHook", "taskloom.providers.x.hooks.x.XHook", "taskloom-provider-x"
    )
    same = Move(
        "taskloom.hooks.x_hook.XHook",
        "taskloom.providers.x.hooks.x.XHook",
        distribution="taskloom-provider-x",
        renamed_args=(),
    )
    assert move == same
    assert hash(move) == hash(same)
    assert (move.old_module, move.new_name) == ("taskloom.hooks.x_hook", "XHook")
    with pytest.raises(AttributeError):
        move.old = "taskloom.hooks.y_hook.YHook"  # type: ignore[misc]


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
