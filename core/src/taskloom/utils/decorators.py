"""``apply_defaults``, the 1.x decorator of operator ``__init__`` methods, now a no-op.

Every ``BaseOperator`` subclass gets ``default_args`` applied to its ``__init__`` without it
(:class:`~taskloom.models.baseoperator.BaseOperator` wraps subclasses itself), so decorating
does nothing but warn; the decorated function is returned unchanged.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TypeVar

_F = TypeVar("_F", bound=Callable[..., object])


def apply_defaults(func: _F) -> _F:
    """Return ``func`` unchanged, with a deprecation warning at the decorated line."""
    warnings.warn(
        "@apply_defaults is deprecated and will be removed in taskloom 3.0; remove it: "
        "every operator's __init__ gets default_args applied without it",
        DeprecationWarning,
        stacklevel=2,
    )
    return func
