#!/usr/bin/env python3
"""Run a developer tool (nox, tox, ruff, ...) from a throwaway tools environment.

Usage: ``python3 tools/run.py nox -s demo`` / ``python3 tools/run.py tox -e lint``.

Needs only Python 3.11+ and its ``venv`` module.  The first call creates ``.tools/venv``
and installs ``tools/requirements.txt`` (pinned); later calls reuse it until that file
changes.  The Python 3.11-3.13 interpreters of the test matrix are put on ``PATH``
(pyenv keeps them outside it).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS_DIR = ROOT / ".tools"
VENV = TOOLS_DIR / "venv"
REQUIREMENTS = ROOT / "tools" / "requirements.txt"
STAMP = VENV / "requirements.sha256"
MATRIX_PYTHONS = ("3.11", "3.12", "3.13")


def _bin(name: str) -> Path:
    return VENV / "bin" / name


def _ensure_tools() -> None:
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest and _bin("nox").exists():
        return
    print(
        f"tools/run.py: installing {REQUIREMENTS.relative_to(ROOT)} into {VENV.relative_to(ROOT)}",
        flush=True,
    )
    shutil.rmtree(VENV, ignore_errors=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    pip = [str(_bin("python")), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    # The machine's pip configuration (extra indexes, find-links) must not leak in.
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull}
    env.pop("PIP_FIND_LINKS", None)
    result = subprocess.run([*pip, "-r", str(REQUIREMENTS)], env=env, check=False)
    if result.returncode:
        sys.exit(
            f"tools/run.py: installing the tools failed (pip exit status {result.returncode}); see above."
        )
    STAMP.write_text(digest)


def _works(python: str) -> bool:
    try:
        subprocess.run([python, "-c", ""], check=True, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return True


def _matrix_path_dirs() -> list[str]:
    """Directories holding a working ``python3.X`` for each matrix version."""
    dirs: list[str] = []
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    for version in MATRIX_PYTHONS:
        name = f"python{version}"
        found = shutil.which(name)
        if found and _works(found):
            continue
        try:
            candidates = sorted(pyenv_root.glob(f"versions/{version}.*/bin/{name}"), reverse=True)
        except OSError:  # e.g. HOME still names root's home after `runuser`/`su` without -l
            candidates = []
        for candidate in candidates:
            if _works(str(candidate)):
                dirs.append(str(candidate.parent))
                break
    return dirs


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    _ensure_tools()
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(VENV / "bin"), *_matrix_path_dirs(), env.get("PATH", "")])
    env["VIRTUAL_ENV"] = str(VENV)
    # The machine's pip configuration (extra indexes, find-links) must not leak into builds.
    env["PIP_CONFIG_FILE"] = os.devnull
    env.pop("PIP_FIND_LINKS", None)
    tool = shutil.which(argv[0], path=env["PATH"])
    if tool is None:
        print(
            f"tools/run.py: {argv[0]!r} is not one of the tools in {REQUIREMENTS.relative_to(ROOT)}",
            file=sys.stderr,
        )
        return 2
    os.chdir(ROOT)
    os.execve(tool, [tool, *argv[1:]], env)
    return 0  # pragma: no cover (execve does not return)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
