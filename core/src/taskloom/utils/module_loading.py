"""Import objects named by dotted paths (hook classes, executors, secrets backends, callbacks)."""

from __future__ import annotations

import importlib
from typing import Any


def import_string(dotted_path: str) -> Any:
    """Import ``package.module.Name`` (or ``package.module:Name``) and return ``Name``.

    :raises ImportError: naming the path when the module or the attribute does not exist.
    """
    module_name, sep, attr = dotted_path.partition(":")
    if not sep:
        module_name, _, attr = dotted_path.rpartition(".")
    if not module_name or not attr:
        raise ImportError(f"{dotted_path!r} is not a dotted path of the form 'package.module.Name'")
    module = importlib.import_module(module_name)
    try:
        return getattr(module, attr)
    except AttributeError:
        raise ImportError(
            f"module {module_name!r} has no attribute {attr!r} (from {dotted_path!r})"
        ) from None
