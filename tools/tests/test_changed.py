"""The release-readiness rules of tools/changed.py."""

from __future__ import annotations

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
