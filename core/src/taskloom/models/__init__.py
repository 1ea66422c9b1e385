__path__ = __import__("pkgutil").extend_path(__path__, __name__)
# The line above stays first: taskloom-compat adds 1.x modules to this package from
# its own wheel, which may live in another sys.path entry (editable installs).
__doc__ = """The objects a DAG file and the metadata DB are made of: DAGs, operators, connections, runs.

Below hooks, operators, execution, jobs and the CLI (the package map is in CONTRIBUTING.md).
"""

from typing import Any


def __getattr__(name: str) -> Any:
    # Lazy submodules (``taskloom.models.<module>`` after a bare ``import taskloom``) and 1.x names.
    from taskloom.legacy.finder import package_getattr

    return package_getattr(__name__, name)
