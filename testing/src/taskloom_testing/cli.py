"""Run the ``taskloom`` command line in a new process, as a user would.

::

    from taskloom_testing.cli import run_taskloom

    result = run_taskloom("connections", "test", "postgres_default")
    assert result.returncode == 0, result.stdout + result.stderr

The child process inherits this process's environment, so its ``TASKLOOM_HOME`` and
``TASKLOOM_CONN_*`` variables.  For ``taskloom dags test`` see
:mod:`taskloom_testing.dagrun`, which also reads what the run did.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import time

__all__ = ["run_taskloom", "run_taskloom_on_terminal"]


def run_taskloom(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``python -m taskloom ARGS...`` and wait for it; its output is captured as text.

    :param timeout: seconds the process may take; :class:`subprocess.TimeoutExpired` is
        raised after that.
    :returns: the finished process; a non-zero exit status raises nothing.
    """
    return subprocess.run(
        [sys.executable, "-m", "taskloom", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_taskloom_on_terminal(*args: str, timeout: float = 120) -> tuple[int, str]:
    """Run ``python -m taskloom ARGS...`` with stdout and stderr on a pseudo-terminal.

    What a person at a terminal sees (progress bars, colours), as raw text with its
    escape codes; stdin is empty.

    :returns: the exit status and everything written to the terminal.
    """
    leader, follower = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "taskloom", *args],
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    chunks = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: every writer closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
    return process.wait(timeout=10), b"".join(chunks).decode(errors="replace")
