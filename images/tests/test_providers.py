"""Each provider image: built on the base its provider.json names, pinned by digest, and the
provider passes the conformance checks (tests/conformance.py) inside it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import repo
import sizes
from conftest import provider_dists
from conftest import run

import images

CONFORMANCE = Path(__file__).with_name("conformance.py")
#: The most a manifest-only provider may add to its base (its manifest and metadata).
MANIFEST_ONLY_BUDGET = 100_000


@pytest.fixture(params=provider_dists(), ids=lambda d: d.provider_id)
def provider(request: pytest.FixtureRequest, built: dict[str, images.Built]) -> repo.Dist:
    return request.param


def test_conformance_inside_the_image(provider: repo.Dist) -> None:
    result = run(
        images.provider_ref(provider),
        "python",
        "/tmp/conformance.py",
        str(provider.provider_id),
        str(provider.version),
        volumes=(f"{CONFORMANCE}:/tmp/conformance.py:ro",),
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    findings = json.loads(result.stdout)
    assert findings["manifest_valid"] is (True if images.is_manifest_only(provider) else None)


def test_built_on_its_base_pinned_by_digest(
    provider: repo.Dist, built: dict[str, images.Built]
) -> None:
    """The base's layers are the image's first layers, and the labels pin the base's digest."""
    base = images.provider_base(provider)
    labels = images.labels(images.provider_ref(provider))
    assert labels["io.taskloom.runtime_image"] == base.name
    assert labels["io.taskloom.runtime_image.version"] == base.version
    assert labels["org.opencontainers.image.base.digest"] == built[base.name].digest
    assert labels["org.opencontainers.image.version"] == str(provider.version)
    ours = json.loads(images.buildah("inspect", "--type", "image", images.provider_ref(provider)))
    theirs = json.loads(images.buildah("inspect", "--type", "image", base.ref))
    base_layers = theirs["OCIv1"]["rootfs"]["diff_ids"]
    assert ours["OCIv1"]["rootfs"]["diff_ids"][: len(base_layers)] == base_layers
    assert len(ours["OCIv1"]["rootfs"]["diff_ids"]) == len(base_layers) + 1


def test_manifest_only_providers_add_only_their_files(report: dict) -> None:
    """A manifest-only provider image is its base plus one small layer of data files."""
    for dist in provider_dists():
        if not images.is_manifest_only(dist):
            continue
        base = images.provider_base(dist)
        base_count = len(sizes.layers(base.ref))
        added = sizes.layers(images.provider_ref(dist))[base_count:]
        size = sum(layer.uncompressed for layer in added)
        report[f"provider-{dist.provider_id}.added_bytes"] = {
            "unpacked": size,
            "gzip": sum(layer.compressed for layer in added),
        }
        assert size <= MANIFEST_ONLY_BUDGET, f"{dist.provider_id} adds {size} bytes"
