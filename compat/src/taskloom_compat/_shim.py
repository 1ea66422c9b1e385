"""How a 1.x name resolves: the warning, the object, and the error when a provider is missing.

Every shim module imports this one, so it imports only what resolving needs; the warning
class (and the ``deprecation`` library under it) is loaded by the first warning.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
import warnings
from collections.abc import Callable
from types import FrameType
from typing import Any

from taskloom.legacy.moves import Move
from taskloom.legacy.moves import moves_by_module


def _distribution_installed(name: str) -> bool:
    # Imported here: importlib.metadata is costly and only this error path needs it.
    import importlib.metadata

    try:
        importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


@functools.cache
def target(move: Move) -> Any:
    """The object ``move.old`` stands for now (a renaming subclass if arguments were renamed)."""
    try:
        module = importlib.import_module(move.new_module)
    except ModuleNotFoundError as exc:
        if move.distribution != "taskloom" and not _distribution_installed(move.distribution):
            raise ImportError(
                f"{move.old} moved to {move.new}, which {move.distribution} provides, and it is not "
                f"installed: {move.install_hint}",
                name=move.old_module,
            ) from exc
        raise
    obj = getattr(module, move.new_name)
    if move.renamed_args:
        return _renaming_subclass(obj, move)
    return obj


def _internal_dirs() -> tuple[str, ...]:
    import taskloom

    return tuple(os.path.join(d, "") for d in [*taskloom.__path__, os.path.dirname(__file__)])


def _first_user_frame() -> int:
    """The ``stacklevel`` of the nearest caller outside taskloom's own code.

    Operators' constructors may be wrapped (default_args handling), so a fixed
    stacklevel could land inside taskloom instead of on the user's DAG file line.
    """
    internal = _internal_dirs()
    frame: FrameType | None = sys._getframe(2)  # the caller of the function that asks
    level = 2
    while frame is not None and frame.f_code.co_filename.startswith(internal):
        frame = frame.f_back
        level += 1
    return level


def _renaming_subclass(cls: type, move: Move) -> type:
    """A subclass named like the 1.x class that accepts the 1.x keyword arguments."""
    renamed = dict(move.renamed_args)

    def rename(kwargs: dict[str, Any]) -> dict[str, Any]:
        for old, new in renamed.items():
            if old in kwargs:
                from taskloom_compat._warning import renamed_argument

                warnings.warn(renamed_argument(move, old, new), stacklevel=_first_user_frame())
                kwargs[new] = kwargs.pop(old)
        return kwargs

    class Renamed(cls):  # the base is chosen at run time
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **rename(kwargs))

    Renamed.__name__ = Renamed.__qualname__ = move.old_name
    Renamed.__module__ = move.old_module
    return Renamed


def resolve(move: Move, *, stacklevel: int, warn: bool = True) -> Any:
    """Warn that ``move.old`` was used (attributed ``stacklevel`` frames up) and return its object."""
    obj = target(move)
    if warn:
        from taskloom_compat._warning import moved

        warnings.warn(moved(move), stacklevel=stacklevel)
    return obj


def module_getattr(module: str) -> Callable[[str], Any]:
    """The PEP 562 ``__getattr__`` of a 1.x shim module."""
    moves = moves_by_module()[module]

    def __getattr__(name: str) -> Any:
        move = moves.get(name)
        if move is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        # 1: resolve, 2: this function, 3: the user's import or attribute access.
        return resolve(move, stacklevel=3)

    return __getattr__
