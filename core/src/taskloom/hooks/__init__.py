__path__ = __import__("pkgutil").extend_path(__path__, __name__)
# The line above stays first: taskloom-compat adds 1.x modules to this package from
# its own wheel, which may live in another sys.path entry (editable installs).
__doc__ = """Hooks: the classes that talk to outside systems, built from connections.

Core ships the bases (:class:`~taskloom.hooks.base.BaseHook`, ``DbApiHook``) and the hooks of its
built-in connection types (``sqlite``, ``http``); providers ship the rest, found through the
registry (:mod:`taskloom.providers_manager`).
"""

from typing import Any


def __getattr__(name: str) -> Any:
    # Lazy submodules (``taskloom.hooks.<module>`` after a bare ``import taskloom``) and 1.x names.
    from taskloom.legacy.finder import package_getattr

    return package_getattr(__name__, name)
