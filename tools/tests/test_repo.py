"""Finding core's commit for a version from git history, and reading the repository's distributions."""

from __future__ import annotations

import subprocess
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
    for dist in repo.providers():
        assert dist.core_range is not None
        assert dist.core_min >= Version("2.0")
        assert any(s.operator == "<" for s in dist.core_range), (
            f"{dist.name} needs a ceiling on core"
        )
