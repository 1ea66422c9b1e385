"""Reproducible and independent: the same inputs give the same digest, and bumping one base
changes no image built on the other."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import repo

import images

PYTHON_BASE, MANIFEST_BASE = "python-providers", "manifest-only"


def test_two_builds_of_the_same_inputs_give_the_same_digest(
    built: dict[str, images.Built], report: dict
) -> None:
    """Each base, and one provider image on each, rebuilt from scratch: the same digests."""
    for name, base in images.bases().items():
        again = images.build_base(base, no_cache=True)
        report[f"{name}.rebuild_seconds"] = round(again.seconds, 1)
        assert again.digest == built[name].digest, name
    for provider_id in ("redis", "github"):
        dist = repo.by_key(provider_id)
        base = built[images.provider_base(dist).name]
        again = images.build_provider(dist, base, no_cache=True)
        assert again.digest == built[provider_id].digest, provider_id


def clone_of_the_working_tree(target: Path) -> Path:
    """A clone sharing this repository's history, with the working tree's uncommitted files."""
    subprocess.run(["git", "clone", "--quiet", "--shared", str(repo.ROOT), str(target)], check=True)
    for rel in repo.git("ls-files", "--modified", "--others", "--exclude-standard").split():
        source = repo.ROOT / rel
        if source.is_file():
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / rel)
    return target


def bump(clone: Path, base: str) -> str:
    """What a release of ``base`` does: a dependency moves, a minor version, a changelog entry."""
    folder = clone / "images" / base
    lock = next(folder.glob("requirements-py*.lock")).read_text()
    name, version = re.search(r"^(idna)==(\S+)", lock, re.MULTILINE).groups()
    with (folder / "requirements.in").open("a") as f:
        f.write(f"{name}!={version}  # the decoupling test moves this dependency\n")
    major, minor, _ = (folder / "VERSION").read_text().strip().split(".")
    new = f"{major}.{int(minor) + 1}.0"
    (folder / "VERSION").write_text(new + "\n")
    changelog = folder / "CHANGELOG.md"
    title, _, rest = changelog.read_text().partition("\n")
    changelog.write_text(f"{title}\n\n## {new}\n\n- {name} other than {version}.\n{rest}")
    tool = [sys.executable, str(clone / "tools" / "images.py")]
    subprocess.run([*tool, "lock", base], check=True, cwd=clone, env=_env())
    git = ["git", "-C", str(clone), "-c", "user.name=test", "-c", "user.email=test@example.invalid"]
    subprocess.run([*git, "add", "images"], check=True)
    subprocess.run([*git, "commit", "--quiet", "-m", f"images/{base}: {new}"], check=True)
    return new


def _env() -> dict[str, str]:
    """The clone shares this checkout's image storage and caches (OS layers, wheels)."""
    return {**os.environ, "TASKLOOM_IMAGES_STORE": str(images.STORE)}


@pytest.mark.parametrize(
    ("bumped", "other"), [(MANIFEST_BASE, PYTHON_BASE), (PYTHON_BASE, MANIFEST_BASE)]
)
def test_bumping_one_base_leaves_every_image_on_the_other_unchanged(
    built: dict[str, images.Built], bumped: str, other: str, tmp_path: Path
) -> None:
    """A clone bumps ``bumped`` (newer dependency, VERSION, CHANGELOG) and commits; building
    there gives ``bumped`` a new digest and every image on ``other`` the same digest.

    Images whose inputs are unchanged are found by their build key (an image built from the
    same inputs is the same image: the test above proves it), so this costs one base's build.
    """
    clone = clone_of_the_working_tree(tmp_path / "clone")
    new_version = bump(clone, bumped)
    on_other = [
        d
        for d in images.plan([], changed_since=None).providers
        if images.provider_base(d).name == other
    ]
    on_bumped = [
        d
        for d in images.plan([], changed_since=None).providers
        if images.provider_base(d).name == bumped
    ]
    ids = [bumped, other, *(str(d.provider_id) for d in on_other), str(on_bumped[0].provider_id)]
    out = tmp_path / "built.json"
    try:
        subprocess.run(
            [sys.executable, str(clone / "tools" / "images.py"), "build", "--json", str(out), *ids],
            check=True,
            cwd=clone,
            env=_env(),
        )
    finally:
        # The clone tagged its provider image with the same name and version: point the
        # tags back at this tree's images.
        for image in built.values():
            images.buildah("tag", image.pinned, image.ref)
    after = json.loads(out.read_text())
    assert after[other]["digest"] == built[other].digest
    for dist in on_other:
        assert after[str(dist.provider_id)]["digest"] == built[str(dist.provider_id)].digest, (
            dist.provider_id
        )
    assert after[bumped]["digest"] != built[bumped].digest
    assert after[bumped]["ref"].endswith(f":{new_version}")
    first = str(on_bumped[0].provider_id)
    assert after[first]["digest"] != built[first].digest
