"""``taskloom connections test`` on a github connection, as a user runs it: a new process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

from conftest import REPO
from conftest import TOKEN


def test_an_unreachable_api_fails_in_seconds_naming_the_host() -> None:
    """A closed port: one line with the host and the cause within seconds, not after the manifest's
    backoff (8 retries, exponential from 5 s), and never the token."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed when the block ends: connecting is refused
    conn = {
        "conn_type": "github",
        "password": TOKEN,
        "extra": {"repositories": [REPO], "api_url": f"http://127.0.0.1:{port}"},
    }
    env = {**os.environ, "TASKLOOM_CONN_GITHUB_DOWN": json.dumps(conn)}
    started = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-m", "taskloom", "connections", "test", "github_down"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert time.monotonic() - started < 20
    assert out.returncode != 0
    line = out.stdout.strip()
    assert line.startswith("FAILED: github_down (github, from environment variable"), line
    assert line.endswith(
        f"cannot connect to 127.0.0.1:{port}: connection refused (3 attempts); "
        "check the connection's host and port and that this machine can reach it"
    ), line
    assert TOKEN not in out.stdout + out.stderr
    assert "Traceback" not in out.stderr
