"""Which distributions changed since their last release, and are they ready to release?

A release of distribution ``D`` at version ``V`` is the git tag ``D/vV``
(e.g. ``taskloom-provider-postgres/v1.0.0``).  For every distribution this prints its
version, its last release and whether what it ships (``src/`` and ``pyproject.toml``)
changed since; it fails when a changed distribution did not bump its version above the
last release, or has no changelog entry for it (a towncrier fragment in ``changelog.d/``
or a ``## <version>`` section in CHANGELOG.md).  A distribution never released yet must
have a changelog entry for its first version.  Versions are independent: one
distribution's change never requires another's release.

The base runtime images (``images/<base>/``, released as tag ``taskloom-image-<base>/vV``)
follow the same rules: a change to the image's recipe (anything in its folder but the
README and CHANGELOG) needs a new ``VERSION`` and a ``## <version>`` entry in its CHANGELOG.md.

Usage: ``python tools/changed.py``
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import repo
from packaging.version import InvalidVersion
from packaging.version import Version

SHIPPED = ("src", "pyproject.toml")
#: The files of an image folder that do not change the image.
IMAGE_DOCS = ("README.md", "CHANGELOG.md")


@dataclass(frozen=True)
class Status:
    name: str
    version: Version
    last_release: Version | None
    changed: bool
    has_changelog_entry: bool
    #: Where the changelog entry goes.
    entry_hint: str = "changelog.d/<issue>.<type>.md"

    @property
    def problem(self) -> str | None:
        if self.last_release is None:
            if not self.has_changelog_entry:
                return f"{self.name} {self.version} was never released and has no changelog entry: add {self.entry_hint}"
            return None
        if not self.changed:
            return None
        if self.version <= self.last_release:
            return (
                f"{self.name} changed since {self.last_release} but its version is still {self.version}: "
                "bump it"
            )
        if not self.has_changelog_entry:
            return f"{self.name} {self.version} has no changelog entry: add {self.entry_hint}"
        return None


def last_release(dist: repo.Dist) -> tuple[Version, str] | None:
    return last_tag(dist.name)


def last_tag(name: str) -> tuple[Version, str] | None:
    releases = []
    for tag in repo.git("tag", "--list", f"{name}/v*", root=repo.ROOT).split():
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


def image_status(folder: Path) -> Status:
    """The release status of the base image in ``folder`` (``images/<base>/``)."""
    name = f"taskloom-image-{folder.name}"
    version = Version((folder / "VERSION").read_text().strip())
    release = last_tag(name)
    changed = True
    if release is not None:
        rel = folder.relative_to(repo.ROOT).as_posix()
        paths = repo.git(
            "diff", "--name-only", release[1], "HEAD", "--", rel, root=repo.ROOT
        ).split()
        changed = any(Path(p).name not in IMAGE_DOCS for p in paths)
    changelog = folder / "CHANGELOG.md"
    entry = changelog.exists() and any(
        line.strip() == f"## {version}" for line in changelog.read_text().splitlines()
    )
    hint = f"a '## {version}' section to {folder.relative_to(repo.ROOT).as_posix()}/CHANGELOG.md"
    return Status(name, version, release[0] if release else None, changed, entry, hint)


def image_folders() -> list[Path]:
    return sorted(p.parent for p in (repo.ROOT / "images").glob("*/VERSION"))


def main() -> int:
    rows = [status(d) for d in repo.dists()] + [image_status(f) for f in image_folders()]
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
