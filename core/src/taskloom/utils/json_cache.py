"""The cache files under ``$TASKLOOM_HOME/cache``: JSON read only when its header matches,
written atomically and privately, and never a reason for a command to fail."""

from __future__ import annotations

import contextlib
import json
import os
from typing import Any

from taskloom.configuration import make_private_dirs


def read_cache(path: str | None, header: dict[str, Any]) -> dict[str, Any]:
    """The cache at ``path`` if it is JSON written under ``header``; ``{}`` otherwise
    (missing, unreadable, corrupt, or from another core, Python or setting)."""
    if path is None:
        return {}
    try:
        with open(path, encoding="utf-8") as fh:
            stored = json.load(fh)
    except (OSError, ValueError):
        return {}
    if not isinstance(stored, dict) or stored.get("header") != header:
        return {}
    return stored


def write_cache(path: str, content: dict[str, Any]) -> bool:
    """Write ``content`` to ``path`` atomically (readers see the old file or the new one),
    mode 0600 in a 0700 folder; ``False``, and nothing left behind, when that fails."""
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        make_private_dirs(os.path.dirname(path))
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(descriptor, 0o600)  # also when a stale temporary file had a wider mode
        with open(descriptor, "w", encoding="utf-8") as fh:
            json.dump(content, fh, separators=(",", ":"))
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        return False
    return True
