"""The sanity suite of each base runtime image, run inside it (tests/probe.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sizes
from conftest import base_names
from conftest import run

import images

PROBE = Path(__file__).with_name("probe.py")


@pytest.fixture(scope="module", params=base_names())
def base(request: pytest.FixtureRequest, built: dict[str, images.Built]) -> images.Base:
    return images.bases()[request.param]


@pytest.fixture(scope="module")
def facts(base: images.Base) -> dict[str, Any]:
    """What the probe, run as the image's own user, finds inside ``base``."""
    out = run(base.ref, "python", "/tmp/probe.py", volumes=(f"{PROBE}:/tmp/probe.py:ro",))
    return json.loads(out.stdout)


def test_labels_name_the_version_source_and_revision(base: images.Base) -> None:
    """OCI labels: the image's own VERSION, the folder it is built from and the commit."""
    labels = images.labels(base.ref)
    assert labels["org.opencontainers.image.version"] == base.version
    assert labels["org.opencontainers.image.source"].endswith(f"/images/{base.name}")
    commit, _ = images.input_commit(base.inputs)
    assert labels["org.opencontainers.image.revision"] == commit


def test_python_is_the_suites_and_matches_the_label(base: images.Base, facts: dict) -> None:
    assert facts["python"].startswith(base.python + ".")
    assert images.labels(base.ref)["io.taskloom.python.version"] == facts["python"]
    assert facts["prefix"] == "/opt/taskloom"


def test_distribution_versions_match_the_labels_and_the_tree(
    base: images.Base, facts: dict
) -> None:
    """core (and the declarative runtime) as installed, as labelled, as in this tree."""
    labels = images.labels(base.ref)
    for dist in base.dists:
        assert facts["dists"][dist.name] == labels[f"io.taskloom.{dist.kind}.version"]
        assert facts["dists"][dist.name] == str(dist.version)
    assert [p["id"] for p in facts["providers"]] == ["core"]


def test_only_the_locked_distributions_are_installed(base: images.Base, facts: dict) -> None:
    """The venv holds the lock and this repository's wheels: nothing more, nothing less."""
    locked = images.lock_names(base.lock.read_text())
    installed = {images.normalize(name) for name in facts["dists"]}
    own = {images.normalize(d.name) for d in base.dists}
    assert installed - own <= locked
    assert locked - installed <= {"async-timeout", "tzdata"}  # markers: not for this Python/OS
    assert facts["unmet"] == []


def test_runs_as_a_non_root_user_with_a_writable_home(base: images.Base, facts: dict) -> None:
    config = json.loads(images.buildah("inspect", "--type", "image", base.ref))["OCIv1"]["config"]
    assert config["User"] == "1000:1000"
    assert facts["uid"] == 1000
    assert facts["home"] == "/home/taskloom/.taskloom"  # the probe wrote a file there


def test_import_taskloom_uses_shipped_bytecode(
    base: images.Base, facts: dict, report: dict
) -> None:
    """The venv ships its .pyc files (a read-only image never compiles); the time is recorded."""
    assert facts["pyc_shipped"] is True
    report[f"{base.name}.import_taskloom_ms"] = facts["import_ms"]


def test_debian_packages_are_the_recorded_ones(
    base: images.Base, facts: dict, report: dict
) -> None:
    """The packages image.toml asks for are there; any drift from os-packages.txt (Debian's
    security releases since the lock was made) is reported, with the versions."""
    installed = dict(line.split(" ", 1) for line in facts["debian_packages"])
    assert set(base.config["os_packages"]) <= set(installed)
    recorded = dict(
        line.split(" ", 1)
        for line in (base.path / "os-packages.txt").read_text().splitlines()
        if not line.startswith("#")
    )
    assert set(recorded) == set(installed), (
        "the OS layer's package set changed: run `tools/images.py lock`"
    )
    drift = {
        name: f"{recorded[name]} -> {version}"
        for name, version in installed.items()
        if recorded[name] != version
    }
    report[f"{base.name}.debian_packages"] = {"count": len(installed), "newer_than_recorded": drift}


def test_size_is_within_budget(base: images.Base, report: dict) -> None:
    layers = sizes.layers(base.ref)
    compressed = sum(layer.compressed for layer in layers)
    unpacked = sum(layer.uncompressed for layer in layers)
    report[f"{base.name}.size_mb"] = {"gzip": sizes.mb(compressed), "unpacked": sizes.mb(unpacked)}
    assert sizes.mb(compressed) <= base.config["size_budget_mb"], report[f"{base.name}.size_mb"]


def test_no_compiler_and_no_installer(base: images.Base, facts: dict) -> None:
    """No base can build code; the manifest-only one cannot install any either."""
    assert not {"gcc", "cc", "c++", "make", "apt-get"} & set(facts["programs"])
    if base.name == "manifest-only":
        assert facts["programs"] == {}
        assert not facts["modules"]["pip"]
        assert not facts["modules"]["setuptools"]


def test_each_runtime_is_in_its_own_image_only(base: images.Base, facts: dict) -> None:
    """The bases share core and nothing else: the declarative runtime is only in manifest-only."""
    assert facts["modules"]["taskloom.declarative"] is (base.name == "manifest-only")
