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

import subprocess
import sys

__all__ = ["run_taskloom"]


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
