"""Which DAG files passed the child-process check, kept between processes while they are unchanged.

:class:`taskloom.dag_file_processor.DagFileProcessorPool` imports every DAG file first in a
child process.  A file that passed and has not changed since need not be checked again:
the scheduler re-reads its folder every few seconds, and every CLI command is a new
process.  The verdicts are kept in ``$TASKLOOM_HOME/cache/dag-files-<environment>.json``,
one file per Python interpreter, like provider discovery's cache
(:mod:`taskloom.registry.discovery_cache`), under the same rules:

- a verdict is keyed so it is never wrong: the file's absolute path and its stamp (size,
  modification time in nanoseconds, inode, and the inode's change time, which no one can
  set back: a file restored with its old modification time still differs), for the same
  core version, Python version and executable and ``[core] dagbag_import_timeout``;
- only passes are kept: a broken file is checked, and reported, every time;
- a file changed in the last :data:`RACY_SECONDS` is not kept (a second edit within the
  file system's timestamp resolution, 2 s on FAT, could keep its whole stamp);
- a missing, corrupt or foreign cache is ignored and an unwritable home costs speed,
  never correctness; the file is written atomically, mode 0600 in a 0700 folder (it
  names the DAG files' paths).

What a stamp cannot tell: a DAG file that imports a helper module that changed since is
not checked again (see ``docs/security.md``).
"""

from __future__ import annotations

import os
import sys
import time
import zlib
from typing import Final

from taskloom._version import __version__
from taskloom.configuration import home_dir
from taskloom.utils.json_cache import read_cache
from taskloom.utils.json_cache import write_cache

#: Bump when the layout of the cache file changes.
_FORMAT: Final = 1
#: A file modified this recently is not remembered (coarse file system timestamps).
RACY_SECONDS: Final = 2.0

Stamp = tuple[int, int, int, int]


def stamp(path: str) -> Stamp | None:
    """What tells that a file changed: size, modification time, inode, change time; ``None``: unreadable."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns


class PassedFiles:
    """The DAG files that passed the child-process check, with the stamp they had then."""

    def __init__(self, path: str | None, timeout: float) -> None:
        """:param path: the cache file, ``None`` to keep verdicts in this process only.
        :param timeout: ``[core] dagbag_import_timeout`` the verdicts were reached under."""
        self._path = path
        self._header = {
            "format": _FORMAT,
            "core": __version__,
            "python": sys.version,
            "executable": sys.executable,
            "timeout": timeout,
        }
        self._passed: dict[str, Stamp] = self._read()
        #: Paths that failed in this process: dropped from the file on :meth:`save`.
        self._failed: set[str] = set()
        self._changed = False

    @classmethod
    def for_environment(cls, timeout: float) -> PassedFiles:
        """The verdicts of this Python interpreter, in the taskloom home folder."""
        environment = zlib.crc32(os.fsencode(sys.executable))
        return cls(os.path.join(home_dir(), "cache", f"dag-files-{environment:08x}.json"), timeout)

    def _read(self) -> dict[str, Stamp]:
        stored = read_cache(self._path, self._header)
        files = stored.get("files")
        if not isinstance(files, dict):
            return {}
        return {
            path: (value[0], value[1], value[2], value[3])
            for path, value in files.items()
            if isinstance(path, str)
            and isinstance(value, list)
            and len(value) == 4
            and all(type(part) is int for part in value)
        }

    def passed(self, path: str, current: Stamp | None) -> bool:
        """Whether ``path`` passed when it had the stamp ``current`` (its stamp now)."""
        return current is not None and self._passed.get(os.path.abspath(path)) == current

    def record(self, path: str, checked: Stamp | None, ok: bool) -> None:
        """Remember the verdict for ``path``, checked when it had the stamp ``checked``."""
        key = os.path.abspath(path)
        recent = time.time_ns() - int(RACY_SECONDS * 1e9)
        racy = checked is not None and max(checked[1], checked[3]) > recent
        if ok and checked is not None and not racy:
            self._failed.discard(key)
            if self._passed.get(key) != checked:
                self._passed[key] = checked
                self._changed = True
        else:
            if not ok:
                self._failed.add(key)
            if self._passed.pop(key, None) is not None or not ok:
                self._changed = True

    def save(self) -> None:
        """Write the verdicts if any changed, merged with what other processes wrote meanwhile;
        entries whose file changed since are dropped.  Failures are ignored."""
        if self._path is None or not self._changed:
            return
        merged = {**self._read(), **self._passed}
        files = {
            path: list(value)
            for path, value in merged.items()
            if path not in self._failed and stamp(path) == value
        }
        if write_cache(self._path, {"header": self._header, "files": files}):
            self._changed = False
