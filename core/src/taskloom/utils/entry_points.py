"""Entry points and distribution metadata of this environment, read from the installed ``*.dist-info`` folders.

Why not :mod:`importlib.metadata`: importing it costs about 18 ms (it pulls in the
``email`` parser, ``zipfile``, ``csv`` and ``pathlib``), more than discovering a hundred
providers, and every ``taskloom`` command and registry build reads entry points.  This
module reads the same files that pip, uv and setuptools (wheels and editable installs
alike) write into the directories on :data:`sys.path`, and follows the same rules as
``importlib.metadata.entry_points()``: ``sys.path`` order, the first distribution of a
name wins.  A path entry that is not a directory (a zip file) is read through
:mod:`importlib.metadata`, imported only then.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from collections import defaultdict
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final
from typing import NamedTuple
from typing import final

_METADATA_DIRS: Final = (".dist-info", ".egg-info")
#: Runs of ``-``, ``_`` and ``.`` fold to one ``_`` (PEP 503 names as importlib.metadata compares them).
_NAME_SEPARATORS: Final = re.compile(r"[-_.]+")


@final
class Distribution:
    """One installed distribution: its metadata files, and the headers taskloom needs from them."""

    __slots__ = ("_headers", "_read", "location")

    def __init__(self, location: str, read: Callable[[str], str | None]) -> None:
        #: Its ``*.dist-info`` (or ``*.egg-info``) folder, or where importlib.metadata found it.
        self.location = location
        self._read = read
        self._headers: tuple[str, str | None, tuple[str, ...]] | None = None

    @classmethod
    def from_folder(cls, path: str) -> Distribution:
        """The distribution whose metadata folder is ``path``."""
        return cls(path, functools.partial(_read_file, path))

    def read_text(self, filename: str) -> str | None:
        """The text of one of its metadata files (``METADATA``, ``entry_points.txt``), ``None`` if absent."""
        return self._read(filename)

    def _parsed(self) -> tuple[str, str | None, tuple[str, ...]]:
        if self._headers is None:
            text = self.read_text("METADATA")
            if text is None:
                text = self.read_text("PKG-INFO") or ""
            self._headers = _core_headers(text)
        return self._headers

    @property
    def name(self) -> str:
        """Its ``Name`` as written in its metadata (``taskloom-provider-postgres``)."""
        return self._parsed()[0]

    @property
    def version(self) -> str | None:
        return self._parsed()[1]

    @property
    def requires(self) -> tuple[str, ...]:
        """Its ``Requires-Dist`` lines."""
        return self._parsed()[2]

    def entry_points(self) -> list[EntryPoint]:
        """Its entry points, in file order.

        :raises ValueError: if ``entry_points.txt`` has a line that is neither a section nor ``name = value``.
        """
        text = self.read_text("entry_points.txt")
        return [] if text is None else list(_parse_entry_points(text, self))

    def __repr__(self) -> str:
        return f"<Distribution at {self.location}>"


class EntryPoint(NamedTuple):
    """One ``name = value`` line of a distribution's ``entry_points.txt``."""

    name: str
    #: ``package.module`` or ``package.module:attribute`` (extras in brackets removed).
    value: str
    group: str
    dist: Distribution


def _read_file(folder: str, filename: str) -> str | None:
    try:
        with open(os.path.join(folder, filename), encoding="utf-8") as fh:
            return fh.read()
    except (FileNotFoundError, NotADirectoryError):
        return None


def _core_headers(text: str) -> tuple[str, str | None, tuple[str, ...]]:
    """Name, Version and Requires-Dist from the header block of a ``METADATA`` file.

    Read line by line: the ``email`` parser behind ``importlib.metadata`` costs more than
    the rest of discovery.  Continuation lines (which start with white space) belong to
    long headers such as ``License`` and are skipped.
    """
    name = ""
    version: str | None = None
    requires: list[str] = []
    for line in text.splitlines():
        if not line:
            break
        if line[0] in " \t":
            continue
        key, _, value = line.partition(":")
        key = key.lower()
        if key == "name":
            name = value.strip()
        elif key == "version":
            version = value.strip()
        elif key == "requires-dist":
            requires.append(value.strip())
    return name, version, tuple(requires)


def _parse_entry_points(text: str, dist: Distribution) -> Iterator[EntryPoint]:
    group = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            group = line[1:-1].strip()
            continue
        name, sep, value = line.partition("=")
        if not sep or group is None:
            raise ValueError(f"not an entry point (name = value under a [group]): {line!r}")
        # ``module:attr [extra1,extra2]``: the extras only matter to installers.
        yield EntryPoint(name.strip(), value.partition("[")[0].strip(), group, dist)


def _folder_key(entry: str) -> str | None:
    """The normalised distribution name of a metadata folder name, ``None`` if it is not one."""
    stem, dot, suffix = entry.rpartition(".")
    if not dot or f".{suffix.lower()}" not in _METADATA_DIRS:
        return None
    # ``name-version.dist-info``; names in folder names never contain ``-``.
    return _NAME_SEPARATORS.sub("_", stem.partition("-")[0]).lower()


def _in_directory(directory: str) -> Iterator[tuple[str, Distribution]]:
    try:
        with os.scandir(directory) as listing:
            # Sorted: two folders of one name (a botched upgrade) resolve the same way every time.
            names = sorted((item.name, item.path) for item in listing)
    except OSError:
        return
    for name, path in names:
        key = _folder_key(name)
        if key is not None and os.path.isdir(path):
            yield key, Distribution.from_folder(path)


def _in_archive(entry: str) -> Iterator[tuple[str, Distribution]]:
    import importlib.metadata

    for found in importlib.metadata.distributions(path=[entry]):
        name = _NAME_SEPARATORS.sub("_", found.metadata["Name"] or "").lower()
        yield name, Distribution(f"{entry} ({name})", found.read_text)


def distributions(path: list[str] | None = None) -> Iterator[Distribution]:
    """Every distribution installed on ``path`` (default :data:`sys.path`), the first of each name only."""
    seen: set[str] = set()
    for entry in sys.path if path is None else path:
        directory = entry or "."
        if os.path.isdir(directory):
            found = _in_directory(directory)
        elif os.path.isfile(entry):
            found = _in_archive(entry)
        else:
            continue  # gone, or never there (the python3XX.zip entry usually is not)
        for key, dist in found:
            if key not in seen:
                seen.add(key)
                yield dist


@functools.cache
def grouped_entry_points() -> Mapping[str, tuple[EntryPoint, ...]]:
    """All entry points of this environment grouped by group, from one scan; cached for the process.

    A distribution whose ``entry_points.txt`` cannot be read or parsed is skipped with a
    warning: one corrupt install must not hide every other distribution's entry points.
    """
    grouped: defaultdict[str, list[EntryPoint]] = defaultdict(list)
    for dist in distributions():
        try:
            found = dist.entry_points()
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            import logging  # only now: logging costs every command a few milliseconds

            logging.getLogger("taskloom.providers_manager").warning(
                "skipping the entry points of a distribution at %s: %s: %s; reinstall it",
                dist.location,
                type(exc).__name__,
                exc,
            )
            continue
        for ep in found:
            grouped[ep.group].append(ep)
    return MappingProxyType({group: tuple(eps) for group, eps in grouped.items()})


def entry_points(group: str) -> tuple[EntryPoint, ...]:
    """The entry points of ``group`` in this environment (see :func:`grouped_entry_points`)."""
    return grouped_entry_points().get(group, ())
