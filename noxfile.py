"""Workflows that span distributions.  Run them through the pinned tools::

    python3 tools/run.py nox -s demo            # the README demo
    python3 tools/run.py nox -s tests           # everything CI runs
    python3 tools/run.py nox -s build install_matrix release changed

Per-distribution tests live in tox.ini; this file builds, checks and installs the
distributions together.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import sys
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "tools"))

import repo  # noqa: E402 -- tools/ is put on sys.path just above
import wheels  # noqa: E402

nox.options.default_venv_backend = "uv"
nox.options.reuse_existing_virtualenvs = False
nox.options.sessions = ["tests"]

DIST = ROOT / "dist"
TOOLS_PYTHON = sys.executable
#: The two providers the install matrix and the release rehearsal install by name.
MATRIX_PROVIDERS = ("duckdb", "smtp")


def _tool(session: nox.Session, script: str, *args: str) -> None:
    session.run(TOOLS_PYTHON, str(ROOT / "tools" / script), *args, external=True)


@nox.session(python=False)
def build(session: nox.Session) -> None:
    """Build sdists and wheels of every distribution into dist/, reproducibly, and check them."""
    shutil.rmtree(DIST, ignore_errors=True)
    rebuild = wheels.CACHE / "rebuild"
    shutil.rmtree(rebuild, ignore_errors=True)
    env = wheels.build_env()
    session.log(f"SOURCE_DATE_EPOCH={env['SOURCE_DATE_EPOCH']} (the last commit's time)")
    for dist in repo.dists():
        session.log(f"building {dist.name} {dist.version}")
        wheels.build(dist.path, DIST, sdist=True)
        wheels.build(dist.path, rebuild)
    built = sorted(DIST.glob("*.whl"))
    differ = [w.name for w in built if not filecmp.cmp(w, rebuild / w.name, shallow=False)]
    if differ:
        session.error(f"two builds of the same tree gave different wheels: {differ}")
    session.log(f"reproducible: {len(built)} wheels byte-identical across two builds")
    session.run(
        str(Path(TOOLS_PYTHON).parent / "twine"),
        "check",
        "--strict",
        *map(str, sorted(DIST.iterdir())),
        external=True,
    )
    _tool(session, "check_wheels.py", *map(str, built))


@nox.session(python=False)
def install_matrix(session: nox.Session) -> None:
    """Install the wheels in dist/ every supported way (pip and uv) and probe each environment."""
    if not any(DIST.glob("*.whl")):
        session.notify("build")
        session.error("dist/ is empty: run `nox -s build install_matrix`")
    _tool(session, "install_matrix.py", str(DIST), *MATRIX_PROVIDERS, *session.posargs)


@nox.session(python=False)
def release(session: nox.Session) -> None:
    """Rehearse a release on loopback: local index, twine upload, install by name, run DAGs."""
    _tool(session, "release_rehearsal.py", str(DIST), *MATRIX_PROVIDERS)


@nox.session(python=False)
def changed(session: nox.Session) -> None:
    """List distributions changed since their last release; fail if one lacks a version bump or changelog entry."""
    _tool(session, "changed.py", *session.posargs)


@nox.session(python=False)
def codeowners(session: nox.Session) -> None:
    """Check CODEOWNERS against the maintainers each provider declares (``-- --write`` regenerates it)."""
    _tool(session, "codeowners.py", *(session.posargs or ["--check"]))


@nox.session(python=False)
def tests(session: nox.Session) -> None:
    """Everything CI runs: the tox matrix, then the cross-distribution checks."""
    tox = str(Path(TOOLS_PYTHON).parent / "tox")
    parallel = os.environ.get("TASKLOOM_TOX_PARALLEL", "2")
    shutil.rmtree(wheels.CACHE / "junit", ignore_errors=True)
    tox_ok = True
    try:
        session.run(tox, "run-parallel", "--parallel", parallel, "--parallel-live", external=True)
    except nox.command.CommandFailed:
        tox_ok = False  # still run the cross-distribution checks, then fail
    try:
        for step in (build, install_matrix, release, changed, codeowners):
            session.log(f"--- nox -s {step.__name__}")
            step(session)
    finally:
        session.log("--- the tests of every tox environment, added up")
        _tool(session, "junit_summary.py")
    if not tox_ok:
        session.error("some tox environments failed (see above)")
