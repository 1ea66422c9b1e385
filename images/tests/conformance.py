"""Run inside a provider image by the image tests: does core see the provider as its author meant?

Usage: ``python conformance.py PROVIDER_ID VERSION``.  Prints one JSON object of findings;
exits 1 (after printing) when a check fails.  Checks, with only what the image holds:
the entry point and its distribution, ``taskloom providers check`` and ``list``, every
module provider.json names (Python providers), the manifest (manifest-only providers).
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from importlib import metadata
from importlib import resources

provider_id, version = sys.argv[1], sys.argv[2]
problems: list[str] = []

(entry_point,) = [
    ep for ep in metadata.entry_points(group="taskloom.providers") if ep.name == provider_id
]
dist = entry_point.dist
if dist is None or dist.name != f"taskloom-provider-{provider_id}" or dist.version != version:
    problems.append(f"entry point {entry_point} belongs to {dist and (dist.name, dist.version)}")

check = subprocess.run(["taskloom", "providers", "check"], capture_output=True, text=True)
if check.returncode:
    problems.append(
        f"taskloom providers check exited {check.returncode}: {check.stdout}{check.stderr}"
    )
listed = json.loads(
    subprocess.run(
        ["taskloom", "providers", "list", "--output", "json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
)
states = {row["id"]: row["state"] for row in listed}
if states.get(provider_id) != "ok":
    problems.append(f"providers list: {provider_id} is {states.get(provider_id)!r}")

package = resources.files(f"taskloom.providers.{provider_id}")
info = json.loads((package / "provider.json").read_text())
imported = []
for module in [*info.get("hooks", []), *info.get("operators", []), *info.get("sensors", [])]:
    try:
        importlib.import_module(module)
        imported.append(module)
    except Exception as exc:  # noqa: BLE001 -- every failure is a finding
        problems.append(f"import {module}: {exc!r}")
for conn_type, spec in info.get("connection_types", {}).items():
    module, _, name = spec["hook_class"].rpartition(".")
    try:
        if not hasattr(importlib.import_module(module), name):
            problems.append(f"{conn_type}: {spec['hook_class']} does not exist")
    except Exception as exc:  # noqa: BLE001 -- every failure is a finding
        problems.append(f"{conn_type}: import {module}: {exc!r}")

manifest = package / "manifest.yaml"
validated = None
if manifest.is_file():
    python_files = [p.name for p in package.iterdir() if p.name.endswith(".py")]
    if python_files:
        problems.append(f"a manifest-only provider ships Python files: {python_files}")
    result = subprocess.run(
        ["taskloom", "declarative", "validate", str(manifest)], capture_output=True, text=True
    )
    validated = result.returncode == 0
    if not validated:
        problems.append(f"declarative validate: {result.stdout}{result.stderr}")

print(json.dumps({"imported": imported, "manifest_valid": validated, "problems": problems}))
sys.exit(1 if problems else 0)
