"""What provider discovery learned from files that have not changed since, kept between processes.

Discovery's two costly steps are pure functions of files on disk: validating a
``provider.json`` against the schema, and deciding whether a distribution's range on
``taskloom`` admits this core (which needs :mod:`packaging`, about 10 ms to import).  Their
results are kept in ``$TASKLOOM_HOME/cache/providers-<environment>.json``, one file per
Python environment, and reused while the file they came from keeps its stamp (size,
modification time in nanoseconds and inode: Python's own bytecode cache trusts size and
whole-second mtime), for the same core version and schema.

The cache never changes an outcome, only its cost: only successful validations are kept
(a broken provider is re-checked, and reported, every time); a missing, unreadable or
foreign cache file is ignored; a home that cannot be written costs speed, not
correctness.
"""

from __future__ import annotations

import os
import sys
import zlib
from collections.abc import Callable
from typing import Any
from typing import Final

from taskloom._version import __version__
from taskloom.configuration import home_dir
from taskloom.registry.info import SCHEMA_FILE
from taskloom.registry.info import ProviderInfo
from taskloom.registry.info import build_provider_info
from taskloom.registry.info import load_provider_document
from taskloom.utils.json_cache import read_cache
from taskloom.utils.json_cache import write_cache

#: Bump when the layout of the cache file changes.
_FORMAT: Final = 1


def _stamp(path: str) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino]


class DiscoveryCache:
    """Validated provider documents and core-range verdicts, keyed by what they were computed from."""

    def __init__(self, path: str | None) -> None:
        """:param path: the cache file, ``None`` for a cache that keeps nothing between processes."""
        self._path = path
        self._header = {"format": _FORMAT, "core": __version__, "schema": _stamp(SCHEMA_FILE)}
        stored = self._read()
        self._stored_documents: dict[str, Any] = stored.get("documents", {})
        self._stored_ranges: dict[str, bool] = stored.get("core_ranges", {})
        #: What this build used: written back (and nothing else) when something was new.
        self._documents: dict[str, Any] = {}
        self._ranges: dict[str, bool] = {}
        self._changed = False

    @classmethod
    def for_environment(cls) -> DiscoveryCache:
        """The cache of the running Python environment, in the taskloom home folder."""
        environment = zlib.crc32(os.fsencode(sys.prefix))
        path = os.path.join(home_dir(), "cache", f"providers-{environment:08x}.json")
        return cls(path)

    def _read(self) -> dict[str, Any]:
        return read_cache(self._path, self._header)

    def provider_info(self, path: str, provider_id: str) -> ProviderInfo:
        """The metadata in the ``provider.json`` at ``path``, validated now or, while the file is unchanged, earlier.

        :raises ProviderValidationError: if it is missing, not JSON or not valid (nothing is kept then).
        """
        stamp = _stamp(path)
        entry = self._stored_documents.get(path)
        if stamp is not None and isinstance(entry, dict) and entry.get("stamp") == stamp:
            try:
                info = build_provider_info(entry["data"])
            except (KeyError, TypeError, AttributeError):
                pass  # an edited cache file: validate the real one again
            else:
                self._documents[path] = entry
                return info
        data = load_provider_document(path, provider_id=provider_id)
        if stamp is not None:
            self._documents[path] = {"stamp": stamp, "data": data}
            self._changed = True
        return build_provider_info(data)

    def core_allowed(self, specifier: str, decide: Callable[[str], bool]) -> bool:
        """Whether this core is in the range ``specifier`` (``<3,>=2.0``); ``decide`` computes it when not cached."""
        allowed = self._stored_ranges.get(specifier)
        if not isinstance(allowed, bool):
            allowed = decide(specifier)
            self._changed = True
        self._ranges[specifier] = allowed
        return allowed

    def save(self) -> None:
        """Write what this build used, if anything was new; failures are ignored (see the module docstring)."""
        if self._path is None or not self._changed:
            return
        content = {
            "header": self._header,
            "documents": self._documents,
            "core_ranges": self._ranges,
        }
        if write_cache(self._path, content):
            self._changed = False
