"""Fixtures of the image tests: the images built once per session, and a way to run in them.

The tests run on the host (``nox -s images``), start the services they need on 127.0.0.1
(taskloom_testing's fixtures) and run commands inside the images with ``buildah run`` on
the host network, as a deployment would run a task with ``taskloom tasks ...``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "tools"), str(ROOT / "testing" / "src")]

import repo  # noqa: E402

import images  # noqa: E402 -- tools/ is put on sys.path just above

pytest_plugins = ["taskloom_testing.redis", "taskloom_testing.fake_api"]

#: Sizes and timings the tests measure, written for the session's summary (nox -s images).
REPORT = images.STORE / "report.json"


def selected() -> images.Plan:
    """The images under test: ``TASKLOOM_IMAGES`` (ids, comma-separated, set by
    ``nox -s images -- <ids>``) or all of them."""
    ids = [i for i in os.environ.get("TASKLOOM_IMAGES", "").split(",") if i]
    return images.plan(ids, changed_since=None)


@pytest.fixture(scope="session")
def built() -> dict[str, images.Built]:
    """The images under test, built (or found already built from the same inputs)."""
    return images.build_all(selected())


@pytest.fixture(scope="session")
def report() -> Iterator[dict[str, object]]:
    """A dict the tests add figures to; merged into ``.cache/images/report.json``."""
    figures: dict[str, object] = json.loads(REPORT.read_text()) if REPORT.exists() else {}
    yield figures
    REPORT.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")


def run(
    ref: str, *cmd: str, check: bool = True, **options: object
) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` in a throwaway container of ``ref`` on the host network (see images.run_in)."""
    try:
        return images.run_in(ref, *cmd, check=check, **options)  # type: ignore[arg-type]
    except SystemExit as exc:
        raise AssertionError(str(exc)) from None


def provider_dists() -> list[repo.Dist]:
    return list(selected().providers)


def base_names() -> list[str]:
    return [base.name for base in selected().bases]
