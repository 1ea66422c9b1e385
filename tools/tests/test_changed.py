"""The release-readiness rules of tools/changed.py."""

from __future__ import annotations

import subprocess
from pathlib import Path

import changed
import pytest
import repo
from changed import Status
from packaging.version import Version


def make(version: str, released: str | None, changed: bool, entry: bool) -> Status:
    return Status(
        "taskloom-provider-x",
        Version(version),
        Version(released) if released else None,
        changed,
        entry,
    )


def test_unchanged_release_is_fine() -> None:
    """A distribution untouched since its release needs nothing."""
    assert make("1.0.0", "1.0.0", changed=False, entry=False).problem is None


def test_change_without_bump_fails() -> None:
    """A change since the release with the same version asks for a bump."""
    problem = make("1.0.0", "1.0.0", changed=True, entry=True).problem
    assert problem is not None
    assert "bump it" in problem


def test_bump_without_changelog_fails() -> None:
    """A bumped version needs a changelog entry."""
    problem = make("1.1.0", "1.0.0", changed=True, entry=False).problem
    assert problem is not None
    assert "changelog" in problem


def test_bump_with_changelog_passes() -> None:
    """Bumped and described: ready."""
    assert make("1.1.0", "1.0.0", changed=True, entry=True).problem is None


def test_first_release_needs_changelog() -> None:
    """A never-released distribution needs an entry for its first version."""
    assert make("1.0.0", None, changed=True, entry=False).problem is not None
    assert make("1.0.0", None, changed=True, entry=True).problem is None


def test_image_changed_without_bump_or_entry_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A base image whose recipe changed since its release tag needs a VERSION and a CHANGELOG section."""
    root = tmp_path / "repo"
    folder = root / "images" / "base"
    folder.mkdir(parents=True)
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q"], check=True)
    (folder / "VERSION").write_text("1.0.0\n")
    (folder / "CHANGELOG.md").write_text("# Changelog\n\n## 1.0.0\n\n- First.\n")
    (folder / "Containerfile").write_text("FROM scratch\n")
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "1.0.0"], check=True)
    subprocess.run([*git, "tag", "taskloom-image-base/v1.0.0"], check=True)
    monkeypatch.setattr(repo, "ROOT", root)

    assert changed.image_status(folder).problem is None  # released, untouched
    (folder / "README.md").write_text("docs\n")
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "docs"], check=True)
    assert changed.image_status(folder).problem is None  # docs do not change the image

    (folder / "Containerfile").write_text("FROM scratch\nCOPY x /x\n")
    subprocess.run([*git, "commit", "-qam", "recipe"], check=True)
    problem = changed.image_status(folder).problem
    assert problem is not None
    assert "bump it" in problem
    (folder / "VERSION").write_text("1.1.0\n")
    subprocess.run([*git, "commit", "-qam", "bump"], check=True)
    problem = changed.image_status(folder).problem
    assert problem is not None
    assert "'## 1.1.0' section to images/base/CHANGELOG.md" in problem
    (folder / "CHANGELOG.md").write_text(
        "# Changelog\n\n## 1.1.0\n\n- COPY x.\n\n## 1.0.0\n\n- First.\n"
    )
    subprocess.run([*git, "commit", "-qam", "entry"], check=True)
    assert changed.image_status(folder).problem is None
