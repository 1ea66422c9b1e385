"""Layer sizes of an image as a registry stores them (gzip) and as they unpack."""

from __future__ import annotations

import gzip
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import images


@dataclass(frozen=True)
class Layer:
    digest: str
    compressed: int
    uncompressed: int


def layers(ref: str) -> list[Layer]:
    """``ref``'s layers, pushed to an OCI layout directory (gzip, buildah's default)."""
    target = images.STORE / "oci" / ref.replace("/", "_").replace(":", "_")
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    images.buildah("push", "--quiet", ref, f"oci:{target}")
    blobs = target / "blobs" / "sha256"
    (entry,) = json.loads((target / "index.json").read_text())["manifests"]
    manifest = json.loads((blobs / entry["digest"].split(":", 1)[1]).read_bytes())
    found = []
    for layer in manifest["layers"]:
        blob = blobs / layer["digest"].split(":", 1)[1]
        found.append(Layer(layer["digest"], layer["size"], _unpacked_size(blob)))
    shutil.rmtree(target)
    return found


def _unpacked_size(blob: Path) -> int:
    size = 0
    with gzip.open(blob) as stream:
        while chunk := stream.read(1 << 20):
            size += len(chunk)
    return size


def mb(size: int) -> float:
    return round(size / 1_000_000, 1)
