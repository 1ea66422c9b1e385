"""Finding core's commit for a version from git history, and reading the repository's distributions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import repo
from packaging.version import Version


def commit_version(root: Path, version: str, message: str) -> str:
    path = root / repo.CORE_VERSION_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'"""v"""\n\n__version__ = "{version}"\n')
    return commit(root, message)


def commit(root: Path, message: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    subprocess.run(
        ["git", "-C", str(root), "commit", "-qm", message, "--allow-empty"], check=True, env=env
    )
    return repo.git("rev-parse", "HEAD", root=root).strip()


@pytest.fixture
def history(tmp_path: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    return tmp_path


def test_newest_commit_carrying_a_version(history: Path) -> None:
    """2.0.0 was set, then other work landed, then 2.1.0: 2.0.0 maps to the last commit before the bump."""
    commit_version(history, "2.0.0", "core 2.0.0")
    (history / "other.txt").write_text("work")
    last_200 = commit(history, "more work on 2.0.0")
    commit_version(history, "2.1.0", "core 2.1.0")
    head = commit(history, "after 2.1.0")
    assert repo.core_commit_for(Version("2.0.0"), root=history) == last_200
    assert repo.core_commit_for(Version("2.1.0"), root=history) == head


def test_unknown_version_names_the_fix(history: Path) -> None:
    """A floor core never had is an error that says to lower it."""
    commit_version(history, "2.0.0", "core 2.0.0")
    with pytest.raises(SystemExit, match=r"never at version 1\.5"):
        repo.core_commit_for(Version("1.5"), root=history)


def test_repository_distributions() -> None:
    """Core, compat and every providers/* directory are found; providers declare a bounded core range."""
    names = [d.name for d in repo.dists()]
    assert names[0] == "taskloom"
    assert "taskloom-compat" in names
    assert repo.providers(), "no provider found under providers/"
    for dist in repo.providers():
        assert dist.core_range is not None
        assert dist.core_min >= Version("2.0")
        assert any(s.operator == "<" for s in dist.core_range), (
            f"{dist.name} needs a ceiling on core"
        )


def untested_floors(listed: list[str]) -> list[str]:
    """The provider environments (``<id>-corelatest|coremin|lowest``) missing from ``listed``."""
    return [
        f"{dist.provider_id}-{flavour}"
        for dist in repo.providers()
        for flavour in ("corelatest", "coremin", "lowest")
        if f"{dist.provider_id}-{flavour}" not in listed
    ]


def test_every_provider_is_tested_at_its_core_floor() -> None:
    """tox runs each provider against the oldest core it declares (``-coremin``, ``-lowest``) and the newest.

    The floor must be a version core had in this repository's history, so pkgtest can build it.
    """
    listed = subprocess.run(
        [sys.executable, "-m", "tox", "-l", "-c", str(repo.ROOT / "tox.ini")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert repo.providers(), "no provider found under providers/"
    missing = untested_floors(listed)
    assert not missing, f"tox.ini lists no {missing} environment: add them to its env_list"
    for dist in repo.providers():
        assert repo.core_commit_for(dist.core_min), (
            f"{dist.name}: no commit of core {dist.core_min}"
        )


def test_a_provider_without_its_floor_environment_is_found() -> None:
    """A listing without ``redis-coremin`` (as if tox.ini forgot it) is reported."""
    everything = [
        f"{d.provider_id}-{f}"
        for d in repo.providers()
        for f in ("corelatest", "coremin", "lowest")
    ]
    assert "redis-coremin" in everything
    assert untested_floors([e for e in everything if e != "redis-coremin"]) == ["redis-coremin"]


def without_conformance(dists: tuple[repo.Dist, ...]) -> list[str]:
    """The providers whose ``tests/test_conformance.py`` does not run the suite for their id."""
    missing = []
    for dist in dists:
        path = dist.path / "tests" / "test_conformance.py"
        call = f'conformance_suite("{dist.provider_id}"'
        if not path.is_file() or call not in path.read_text(encoding="utf-8"):
            missing.append(dist.name)
    return missing


def test_every_provider_runs_the_conformance_suite() -> None:
    """Python and manifest-only providers alike run taskloom-testing's suite, one line each."""
    assert repo.providers(), "no provider found under providers/"
    missing = without_conformance(repo.providers())
    assert not missing, (
        f"{missing} run no conformance suite: add tests/test_conformance.py with "
        'TestConformance = conformance_suite("<id>") (see CONTRIBUTING.md)'
    )


def test_a_provider_without_the_suite_is_found(tmp_path: Path) -> None:
    """A provider folder whose tests/ has no test_conformance.py is reported."""
    (tmp_path / "tests").mkdir()
    bare = repo.Dist("taskloom-provider-bare", "provider", tmp_path, "bare")
    assert without_conformance((bare,)) == ["taskloom-provider-bare"]
