"""MovedWarning, the one module of compat that imports the ``deprecation`` library.

``deprecation`` imports ``packaging.version``, which compiles its version regex at import:
about 1.5 ms together, more than the rest of a 1.x import's overhead.  So nothing imports
this module until a warning is due: not the shim modules, not ``taskloom compat check|fix``.
"""

from __future__ import annotations

import deprecation

from taskloom.legacy.moves import DEPRECATED_IN
from taskloom.legacy.moves import REMOVED_IN
from taskloom.legacy.moves import Move


class MovedWarning(deprecation.DeprecatedWarning):
    """A taskloom 1.x import path or name was used; the message names its replacement."""


def moved(move: Move) -> MovedWarning:
    """The warning for a use of ``move.old``."""
    if move.old_name == move.new_name:
        details = f"Import it with `from {move.new_module} import {move.new_name}`."
    else:
        details = (
            f"Use `from {move.new_module} import {move.new_name}` ({move.old_name} was renamed)."
        )
    if move.distribution != "taskloom":
        details += f" It is provided by {move.distribution}."
    return MovedWarning(move.old, DEPRECATED_IN, REMOVED_IN, details)


def renamed_argument(move: Move, old: str, new: str) -> MovedWarning:
    """The warning for ``OldClass(old=...)``, a keyword argument renamed on the way."""
    return MovedWarning(
        f"{move.old_name}({old}=...)", DEPRECATED_IN, REMOVED_IN, f"Use {move.new_name}({new}=...)."
    )
