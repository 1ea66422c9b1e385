"""Inside a benchmark environment: the installed distributions and their size on disk.

Prints JSON ``{"distributions": [...], "megabytes": float}``; pip, setuptools and wheel
(the installer's own tools) are left out.
"""

from __future__ import annotations

import importlib.metadata as md
import json
import os

TOOLS = {"pip", "setuptools", "wheel"}
names = []
size = 0
for dist in md.distributions():
    name = (dist.metadata["Name"] or "").lower()
    if name in TOOLS:
        continue
    names.append(name)
    for f in dist.files or ():
        path = dist.locate_file(f)
        # RECORD lists .pyc files the installer may not have written.
        size += os.path.getsize(path) if os.path.exists(path) else 0
print(json.dumps({"distributions": sorted(names), "megabytes": size / 1e6}))
