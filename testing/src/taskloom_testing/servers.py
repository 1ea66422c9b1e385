"""Small helpers every server fixture uses: free ports, readiness, missing binaries."""

from __future__ import annotations

import shutil
import socket
import time
from pathlib import Path

import pytest


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, *, host: str = "127.0.0.1", timeout: float = 30.0) -> None:
    """Block until ``host:port`` accepts TCP connections, or fail the test after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"nothing answered on {host}:{port} within {timeout:.0f}s")


def require_binary(name: str, *, debian_package: str, search: tuple[str, ...] = ()) -> str:
    """Return the path of executable ``name`` or fail with the package that provides it.

    ``search`` lists extra directories (Debian keeps ``initdb`` in
    ``/usr/lib/postgresql/<version>/bin``, which is not on ``PATH``).
    """
    found = shutil.which(name)
    if found:
        return found
    for pattern in search:
        for candidate in sorted(Path("/").glob(pattern.lstrip("/")), reverse=True):
            if (candidate / name).is_file():
                return str(candidate / name)
    pytest.fail(
        f"{name!r} is not installed; install it with `apt-get install -y {debian_package}` "
        "(the tests start a real server and never skip)."
    )
