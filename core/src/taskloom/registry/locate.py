"""Where an installed provider's package lives, found without executing any of its code."""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from typing import Final

from taskloom.registry.info import METADATA_FILE

#: Every provider package lives below this namespace.
PROVIDER_NAMESPACE: Final = "taskloom.providers"


def namespace_dirs() -> dict[str, str]:
    """provider id -> its package directory, from one listing of each ``taskloom.providers`` path entry.

    Covers wheels and path-based editable installs with one ``scandir`` per entry instead of
    a ``find_spec`` per provider; the first entry on the path wins, as it would on import.
    """
    try:
        namespace = importlib.import_module(PROVIDER_NAMESPACE)
    except ImportError:
        return {}
    found: dict[str, str] = {}
    for entry in getattr(namespace, "__path__", ()):
        try:
            with os.scandir(entry) as listing:
                for item in listing:
                    if item.is_dir() and item.name not in found:
                        found[item.name] = item.path
        except OSError:
            continue
    return found


def package_dir(provider_id: str, listed: Mapping[str, str]) -> str | None:
    """The directory of ``taskloom.providers.<provider_id>``, executing none of its code.

    Falls back to :func:`importlib.util.find_spec` (which imports only the parent
    namespace) for packages served by an import hook, such as some editable installs.
    """
    directory = listed.get(provider_id)
    if directory is not None and os.path.isfile(os.path.join(directory, METADATA_FILE)):
        return directory
    import importlib.util

    spec = importlib.util.find_spec(f"{PROVIDER_NAMESPACE}.{provider_id}")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        if os.path.isfile(os.path.join(location, METADATA_FILE)):
            return str(location)
    return str(next(iter(spec.submodule_search_locations)))
