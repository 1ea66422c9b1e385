"""Measure whole processes: wall time over several runs (warm-up first) and peak RSS."""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Mapping
from dataclasses import asdict
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Sample:
    """Timings (seconds) and peak resident memory (MiB) of one command over ``runs`` runs."""

    median: float
    min: float
    max: float
    runs: int
    peak_rss_mib: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class CommandFailed(RuntimeError):
    """A measured command exited non-zero (its output is in the message)."""


def run_once(
    cmd: list[str], env: Mapping[str, str] | None = None, cwd: str | None = None
) -> tuple[float, float, str]:
    """Run ``cmd`` once; return (wall seconds, peak RSS of that process in MiB, stdout)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd, env=dict(env) if env is not None else None, cwd=cwd, stdout=out, stderr=err
        )
        # wait4 reaps the child and returns its own rusage (ru_maxrss in KiB on Linux).
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode:
        raise CommandFailed(
            f"{' '.join(cmd)} exited {proc.returncode}:\n{stdout[-3000:]}\n{stderr[-3000:]}"
        )
    return elapsed, usage.ru_maxrss / 1024, stdout


def measure(
    cmd: list[str],
    *,
    runs: int,
    env: Mapping[str, str] | None = None,
    warmup: int = 1,
    cwd: str | None = None,
) -> Sample:
    """Run ``cmd`` ``warmup`` times unmeasured, then ``runs`` times; return the statistics."""
    for _ in range(warmup):
        run_once(cmd, env, cwd)
    times = []
    rss = []
    for _ in range(runs):
        elapsed, peak, _ = run_once(cmd, env, cwd)
        times.append(elapsed)
        rss.append(peak)
    return Sample(statistics.median(times), min(times), max(times), runs, max(rss))
