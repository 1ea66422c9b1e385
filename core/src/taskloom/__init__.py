__path__ = __import__("pkgutil").extend_path(__path__, __name__)
# The line above must stay the first statement: it lets ``taskloom.providers.<id>`` and the
# compat shims resolve when distributions live in different ``sys.path`` entries (editable
# installs, ``--target`` dirs).  Everything else is re-exported lazily so that
# ``import taskloom`` stays cheap.

__doc__ = """taskloom: a slim workflow runtime; integrations live in ``taskloom-provider-*`` distributions.

The package map (which package imports which) is in the repository's CONTRIBUTING.md.
"""

import sys as _sys
from typing import TYPE_CHECKING
from typing import Any

from taskloom._version import __version__ as __version__
from taskloom.legacy.finder import LegacyPathFinder as _LegacyPathFinder

# 1.x import paths fail with migration advice instead of a bare ModuleNotFoundError.
if _LegacyPathFinder not in _sys.meta_path:
    _sys.meta_path.append(_LegacyPathFinder)

if TYPE_CHECKING:
    from taskloom.decorators import dag as dag
    from taskloom.decorators import task as task
    from taskloom.models.dag import DAG as DAG

_LAZY = {
    "DAG": "taskloom.models.dag",
    "dag": "taskloom.decorators",
    "task": "taskloom.decorators",
}

__all__ = ["DAG", "__version__", "dag", "task"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        # ``import taskloom`` then ``taskloom.utils.dates...``: import the subpackage on demand.
        from taskloom.legacy.finder import package_getattr

        return package_getattr(__name__, name)
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
