"""What the repository holds: its distributions, their versions and their core ranges.

One place that tox (through ``pkgtest.py``), nox and the checks ask, so a new provider
directory is picked up everywhere without editing a list.
"""

from __future__ import annotations

import ast
import functools
import json
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
CORE_VERSION_FILE = "core/src/taskloom/_version.py"


@dataclass(frozen=True)
class Dist:
    """One distribution built from this repository."""

    #: Distribution name, e.g. ``taskloom-provider-postgres``.
    name: str
    #: ``core``, ``provider``, ``declarative``, ``webserver``, ``compat`` or ``testing``.
    kind: str
    #: Directory holding its pyproject.toml.
    path: Path
    #: Provider id (providers only).
    provider_id: str | None

    @property
    def pyproject(self) -> dict:
        return tomllib.loads((self.path / "pyproject.toml").read_text())

    @property
    def version(self) -> Version:
        if self.kind == "core":
            return Version(core_version_from_text((ROOT / CORE_VERSION_FILE).read_text()))
        return Version(self.pyproject["project"]["version"])

    @property
    def core_range(self) -> SpecifierSet | None:
        """The range of core this distribution declares (None for core itself)."""
        for line in self.pyproject["project"].get("dependencies", []):
            req = Requirement(line)
            if req.name == "taskloom":
                return req.specifier
        return None

    @property
    def core_min(self) -> Version:
        """The oldest core version the declared range admits (its ``>=`` floor)."""
        spec = self.core_range
        floors = [Version(s.version) for s in spec or () if s.operator in {">=", "=="}]
        if not floors:
            raise SystemExit(
                f"{self.name}: its dependency on taskloom needs a '>=' floor, got {spec!r}"
            )
        return max(floors)

    @property
    def manifest_only(self) -> bool:
        """Whether this is a manifest-only provider (``"manifest_only": true`` in provider.json)."""
        if self.kind != "provider":
            return False
        found = list(self.path.glob("src/taskloom/providers/*/provider.json"))
        return bool(found) and bool(json.loads(found[0].read_text()).get("manifest_only"))

    @property
    def test_requirements(self) -> Path:
        return self.path / "test-requirements.txt"

    @property
    def rel(self) -> str:
        return self.path.relative_to(ROOT).as_posix()


def core_version_from_text(text: str) -> str:
    """Read ``__version__ = "X"`` from the text of core's ``_version.py``."""
    for node in ast.parse(text).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets
        ):
            return str(ast.literal_eval(node.value))
    raise SystemExit(f"{CORE_VERSION_FILE} has no __version__ assignment")


@functools.cache
def dists() -> tuple[Dist, ...]:
    """Every released distribution: core, the declarative runtime, the webserver, the providers
    (sorted by id), compat."""
    found = [Dist("taskloom", "core", ROOT / "core", None)]
    if (ROOT / "declarative" / "pyproject.toml").exists():
        found.append(Dist("taskloom-declarative", "declarative", ROOT / "declarative", None))
    if (ROOT / "webserver" / "pyproject.toml").exists():
        found.append(Dist("taskloom-webserver", "webserver", ROOT / "webserver", None))
    for pyproject in sorted((ROOT / "providers").glob("*/pyproject.toml")):
        pid = pyproject.parent.name
        found.append(Dist(f"taskloom-provider-{pid}", "provider", pyproject.parent, pid))
    if (ROOT / "compat" / "pyproject.toml").exists():
        found.append(Dist("taskloom-compat", "compat", ROOT / "compat", None))
    return tuple(found)


def testing_dist() -> Dist:
    return Dist("taskloom-testing", "testing", ROOT / "testing", None)


def providers() -> tuple[Dist, ...]:
    return tuple(d for d in dists() if d.kind == "provider")


def by_key(key: str) -> Dist:
    """Look a distribution up by provider id, ``core``, ``compat`` or distribution name."""
    for dist in (*dists(), testing_dist()):
        if key in {dist.name, dist.provider_id, dist.kind if dist.kind != "provider" else None}:
            return dist
    known = ", ".join(d.provider_id or d.kind for d in dists())
    raise SystemExit(f"no distribution {key!r} in this repository (known: {known})")


def git(*args: str, root: Path = ROOT) -> str:
    return subprocess.run(
        ["git", "-C", str(root), *args], check=True, capture_output=True, text=True
    ).stdout


def core_commit_for(version: Version, root: Path = ROOT) -> str:
    """The newest commit at which core's version was ``version``, found from history (not tags).

    Walks the commits that touched core's version file, newest first; the first one that
    sets ``version`` introduced it, and the newest commit still carrying it is the one
    just before the next commit that touched the file (or HEAD if none did).
    """
    commits = git("log", "--format=%H", "--", CORE_VERSION_FILE, root=root).split()
    for i, commit in enumerate(commits):
        text = git("show", f"{commit}:{CORE_VERSION_FILE}", root=root)
        if Version(core_version_from_text(text)) == version:
            if i == 0:
                return git("rev-parse", "HEAD", root=root).strip()
            return git("rev-parse", f"{commits[i - 1]}^", root=root).strip()
    raise SystemExit(
        f"core was never at version {version} in this repository's history; "
        "lower the provider's taskloom floor to a version core had"
    )
