"""Build wheels of this repository's distributions (the product users install)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from repo import ROOT
from repo import Dist
from repo import core_commit_for
from repo import git

CACHE = ROOT / ".cache"


def uv() -> str:
    """The ``uv`` binary installed beside the tools' Python."""
    candidate = Path(sys.executable).parent / "uv"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("uv")
    if found:
        return found
    raise SystemExit("uv not found: run the tooling through `python3 tools/run.py ...`")


def build_env() -> dict[str, str]:
    """Environment for reproducible builds that ignore the machine's pip configuration."""
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull}
    env.pop("PIP_FIND_LINKS", None)
    env.setdefault("SOURCE_DATE_EPOCH", git("log", "-1", "--format=%ct").strip() or "315532800")
    return env


def build(source: Path, out_dir: Path, *, sdist: bool = False) -> list[Path]:
    """Build the wheel (and keep the sdist if asked) of the package in ``source`` into ``out_dir``.

    The wheel is always built *from the sdist*, as pip would from an index: a file missing
    from the sdist fails here, and no stale ``build/`` directory in the source tree can
    leak into a wheel.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [uv(), "build", "--quiet", "--out-dir", tmp, str(source)], check=True, env=build_env()
        )
        built = []
        for artifact in sorted(Path(tmp).iterdir()):
            if artifact.suffix == ".whl" or sdist:
                built.append(Path(shutil.move(artifact, out_dir / artifact.name)))
    return built


#: Directories and files never part of a distribution's source (build by-products, caches).
_NOT_SOURCE = {
    "build",
    "dist",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".hypothesis",
}


def source_digest(path: Path) -> str:
    """A digest of every source file under ``path`` (names and contents)."""
    digest = hashlib.sha256()
    for file in sorted(path.rglob("*")):
        rel = file.relative_to(path)
        if not file.is_file() or _NOT_SOURCE & set(rel.parts) or rel.parts[0].endswith(".egg-info"):
            continue
        if any(part.endswith(".egg-info") for part in rel.parts):
            continue
        digest.update(rel.as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def build_dist(dist: Dist, out_dir: Path) -> Path:
    """``dist``'s wheel as the working tree is now, copied into ``out_dir``; return its path.

    Wheels are cached by a digest of the distribution's source files, so an unchanged
    distribution is built once per change, and a changed one is always rebuilt: an
    environment never gets a stale wheel.
    """
    cached = CACHE / "wheelhouse" / f"{dist.name}-{source_digest(dist.path)}"
    wheels = sorted(cached.glob("*.whl")) if cached.exists() else []
    if not wheels:
        cached.parent.mkdir(parents=True, exist_ok=True)
        # Parallel tox environments may build the same wheel: each builds in its own
        # directory and the first rename wins.
        tmp = Path(tempfile.mkdtemp(dir=cached.parent, prefix=f"{cached.name}.tmp-"))
        build(dist.path, tmp)
        try:
            tmp.rename(cached)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
        wheels = sorted(cached.glob("*.whl"))
    out_dir.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy2(wheels[0], out_dir / wheels[0].name))


def build_core_min(dist: Dist) -> Path:
    """Build core's wheel at the oldest version ``dist`` declares, from git history.

    The commit is found from the history of core's version file, not from tags, and the
    wheel is cached per commit under ``.cache/coremin/``.
    """
    version = dist.core_min
    commit = core_commit_for(version)
    out_dir = CACHE / "coremin" / commit
    wheels = sorted(out_dir.glob("taskloom-*.whl")) if out_dir.exists() else []
    if wheels:
        return wheels[0]
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", "--format=tar", commit, "core"],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        (wheel,) = [p for p in build(Path(tmp) / "core", out_dir) if p.suffix == ".whl"]
    print(f"core {version} built from commit {commit[:12]}: {wheel.name}", flush=True)
    return wheel
