"""Hooks that make taskloom 1.x import paths fail helpfully, or work through taskloom-compat.

Kept tiny and free of imports: ``taskloom/__init__.py`` installs :class:`LegacyPathFinder`
on every start-up, and the mapping table (:mod:`taskloom.legacy.moves`) is loaded only when an
old path is actually used.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

_COMPAT_MODULE = "taskloom_compat._shim"


class LegacyPathFinder:
    """Last entry of ``sys.meta_path``: turns a failed import of a 1.x module into advice.

    Python asks it only after every other finder failed, so it costs nothing on the
    normal path, and when ``taskloom-compat`` is installed its shim modules are found
    first.
    """

    @staticmethod
    def find_spec(fullname: str, path: object = None, target: object = None) -> None:
        if fullname.startswith("taskloom."):
            from taskloom.legacy.moves import COMPAT_DISTRIBUTION
            from taskloom.legacy.moves import DEPRECATED_IN
            from taskloom.legacy.moves import migration_advice
            from taskloom.legacy.moves import moves_by_module

            moves = moves_by_module().get(fullname)
            if moves:
                raise ModuleNotFoundError(
                    f"{fullname} is a taskloom 1.x import path, moved out of core in {DEPRECATED_IN} "
                    f"and kept only by {COMPAT_DISTRIBUTION}, which is not installed. "
                    + migration_advice(moves),
                    name=fullname,
                )
        return None


def package_getattr(package: str, name: str) -> Any:
    """``__getattr__`` for core packages: lazy submodules and 1.x attribute names.

    ``import taskloom; taskloom.utils.dates.days_ago(2)`` works because the submodule is
    imported on first attribute access; ``from taskloom.models import DAG`` (a 1.x name)
    is served by taskloom-compat with a deprecation warning, or fails with advice.
    Submodules are tried first: ``from taskloom import db`` asks here too, and must not
    pay for loading the table of moves.
    """
    if name.startswith("__"):
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    try:
        return importlib.import_module(f"{package}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{package}.{name}":
            raise
    from taskloom.legacy.moves import moves_by_module

    move = moves_by_module().get(package, {}).get(name)
    if move is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
    try:
        shim = importlib.import_module(_COMPAT_MODULE)
    except ModuleNotFoundError:
        from taskloom.legacy.moves import COMPAT_DISTRIBUTION
        from taskloom.legacy.moves import migration_advice

        raise ImportError(
            f"{package}.{name} is a taskloom 1.x name and {COMPAT_DISTRIBUTION} is not installed. "
            + migration_advice((move,)),
            name=package,
        ) from None
    # ``from taskloom.models import DAG`` asks twice: importlib's _handle_fromlist probes
    # with hasattr() before the real lookup.  Warn once, at the user's line.
    caller = sys._getframe(2).f_code
    probing = caller.co_name == "_handle_fromlist" and "importlib" in caller.co_filename
    return shim.resolve(move, stacklevel=4, warn=not probing)  # resolve, this, __getattr__, user
