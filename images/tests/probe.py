"""Run inside an image by the image tests: print what the image holds, as one JSON object.

One container run answers every sanity question (starting a container on vfs storage costs
seconds): Python, installed distributions, providers core sees, user, home, tools present.
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from importlib import metadata

start = time.perf_counter()
import taskloom  # noqa: E402 -- timed
import taskloom.cli  # noqa: E402,F401

import_ms = (time.perf_counter() - start) * 1000

home = os.environ["TASKLOOM_HOME"]
probe_file = os.path.join(home, "probe")
with open(probe_file, "w") as f:
    f.write("ok")
os.remove(probe_file)

providers = subprocess.run(
    ["taskloom", "providers", "list", "--output", "json"],
    capture_output=True,
    text=True,
    check=True,
).stdout


def unmet_requirements() -> list[str]:
    """Requirements of installed distributions that nothing installed satisfies (pip check)."""
    from packaging.requirements import Requirement

    installed = {
        d.metadata["Name"].lower().replace("_", "-"): d.version for d in metadata.distributions()
    }
    unmet = []
    for dist in metadata.distributions():
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            version = installed.get(req.name.lower().replace("_", "-"))
            if version is None or not req.specifier.contains(version, prereleases=True):
                unmet.append(f"{dist.metadata['Name']} needs {req}")
    return unmet


cli_spec = importlib.util.find_spec("taskloom.cli")
assert cli_spec is not None
assert cli_spec.origin is not None

print(
    json.dumps(
        {
            "python": platform.python_version(),
            "prefix": sys.prefix,
            "uid": os.getuid(),
            "home": home,
            "import_ms": round(import_ms, 1),
            "pyc_shipped": os.path.exists(importlib.util.cache_from_source(cli_spec.origin)),
            "dists": {d.metadata["Name"]: d.version for d in metadata.distributions()},
            "unmet": unmet_requirements(),
            "debian_packages": subprocess.run(
                ["dpkg-query", "-W", "-f", "${Package} ${Version}\n"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.splitlines(),
            "providers": json.loads(providers),
            "programs": {
                name: shutil.which(name)
                for name in ("gcc", "cc", "c++", "make", "pip", "pip3", "uv", "apt-get")
                if shutil.which(name)
            },
            "modules": {
                name: importlib.util.find_spec(name) is not None
                for name in ("pip", "ensurepip", "setuptools", "taskloom.declarative")
            },
        }
    )
)
