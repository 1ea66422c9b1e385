"""Which distributions changed since their last release, and are they ready to release?

A release of distribution ``D`` at version ``V`` is the git tag ``D/vV``
(e.g. ``taskloom-provider-postgres/v1.0.0``).  For every distribution this prints its
version, its last release and whether what it ships (``src/`` and ``pyproject.toml``)
changed since; it fails when a changed distribution did not bump its version above the
last release, or has no changelog entry for it (a towncrier fragment in ``changelog.d/``
or a ``## <version>`` section in CHANGELOG.md).  A distribution never released yet must
have a changelog entry for its first version.  Versions are independent: one
distribution's change never requires another's release.

Usage: ``python tools/changed.py``
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import repo
from packaging.version import InvalidVersion
from packaging.version import Version

SHIPPED = ("src", "pyproject.toml")


@dataclass(frozen=True)
class Status:
    name: str
    version: Version
    last_release: Version | None
    changed: bool
    has_changelog_entry: bool

    @property
    def problem(self) -> str | None:
        if self.last_release is None:
            if not self.has_changelog_entry:
                return f"{self.name} {self.version} was never released and has no changelog entry: add changelog.d/<issue>.feature.md"
            return None
        if not self.changed:
            return None
        if self.version <= self.last_release:
            return (
                f"{self.name} changed since {self.last_release} but its version is still {self.version}: "
                "bump it"
            )
        if not self.has_changelog_entry:
            return f"{self.name} {self.version} has no changelog entry: add changelog.d/<issue>.<type>.md"
        return None


def last_release(dist: repo.Dist) -> tuple[Version, str] | None:
    releases = []
    for tag in repo.git("tag", "--list", f"{dist.name}/v*").split():
        try:
            releases.append((Version(tag.split("/v", 1)[1]), tag))
        except InvalidVersion:
            continue
    return max(releases) if releases else None


def has_changelog_entry(dist: repo.Dist) -> bool:
    fragments = [p for p in (dist.path / "changelog.d").glob("*.md") if p.name != "template.md"]
    changelog = dist.path / "CHANGELOG.md"
    heading = f"## {dist.version}"
    return bool(fragments) or (
        changelog.exists()
        and any(line.strip().startswith(heading) for line in changelog.read_text().splitlines())
    )


def status(dist: repo.Dist) -> Status:
    release = last_release(dist)
    changed = True
    if release is not None:
        paths = [f"{dist.rel}/{p}" for p in SHIPPED]
        changed = bool(repo.git("diff", "--name-only", release[1], "HEAD", "--", *paths).strip())
    return Status(
        dist.name, dist.version, release[0] if release else None, changed, has_changelog_entry(dist)
    )


def main() -> int:
    rows = [status(d) for d in repo.dists()]
    width = max(len(r.name) for r in rows)
    print(f"{'distribution':<{width}}  {'version':<8}  {'released':<8}  changed")
    for r in rows:
        released = str(r.last_release) if r.last_release else "never"
        print(f"{r.name:<{width}}  {r.version!s:<8}  {released:<8}  {'yes' if r.changed else 'no'}")
    problems = [r.problem for r in rows if r.problem]
    for problem in problems:
        print(f"error: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
