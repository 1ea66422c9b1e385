"""Run inside an installed environment: does everything that is installed still work?

Checks, for the environment it runs in:

- ``taskloom`` imports, and ``taskloom.providers`` is a PEP 420 namespace;
- every provider found through the ``taskloom.providers`` entry points imports, with the
  modules its provider.json lists, and the ``expect`` providers are among them;
- the compat shims import when taskloom-compat is installed;
- every file in each installed ``taskloom*`` distribution's RECORD still exists
  (installing or uninstalling one distribution never deletes another's files);
- the ``taskloom`` console script answers ``taskloom version``.

Usage: ``python probe.py [--expect ID ...] [--absent ID ...]``; exits 1 on any problem.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata as md
import json
import shutil
import subprocess
import sys
from pathlib import Path


def record_problems() -> list[str]:
    problems = []
    for dist in md.distributions():
        name = (dist.metadata["Name"] or "").lower()
        # Only installed wheels have a RECORD; a source tree's *.egg-info (seen on sys.path
        # through an editable install) lists sources, not installed files.
        if not name.startswith("taskloom") or dist.read_text("RECORD") is None:
            continue
        for f in dist.files or ():
            if f.suffix == ".pyc" or "__pycache__" in f.parts:
                continue
            if not Path(dist.locate_file(f)).exists():
                problems.append(f"{name}: {f} is in its RECORD but missing on disk")
    return problems


def provider_problems(expect: set[str], absent: set[str]) -> tuple[list[str], list[str]]:
    problems = []
    found = []
    for ep in md.entry_points(group="taskloom.providers"):
        found.append(ep.name)
        try:
            package = importlib.import_module(ep.value)
            # A manifest-only provider is a namespace package: no __file__, one __path__ entry.
            folder = Path(next(iter(package.__path__)))
            info = json.loads((folder / "provider.json").read_text())
            for module in [
                *info.get("hooks", []),
                *info.get("operators", []),
                *info.get("sensors", []),
            ]:
                importlib.import_module(module)
        except Exception as exc:  # noqa: BLE001 -- report every broken provider, not just the first
            problems.append(f"provider {ep.name}: {type(exc).__name__}: {exc}")
    for pid in sorted(expect - set(found)):
        problems.append(
            f"provider {pid} expected but not found through entry points (found {sorted(found)})"
        )
    for pid in sorted(absent & set(found)):
        problems.append(f"provider {pid} should be uninstalled but its entry point is still there")
    return problems, found


def compat_problems() -> list[str]:
    try:
        md.distribution("taskloom-compat")
    except md.PackageNotFoundError:
        return []
    try:
        from taskloom.legacy.moves import MOVES  # the one mapping table compat is driven by
    except ImportError as exc:
        return [f"compat installed but core's mapping table does not import: {exc}"]
    installed = {(d.metadata["Name"] or "").lower() for d in md.distributions()}
    problems = []
    import warnings

    for move in MOVES:
        if move.distribution not in installed:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                module = importlib.import_module(move.old_module)
                getattr(module, move.old_name)
            except Exception as exc:  # noqa: BLE001 -- report every broken shim
                problems.append(
                    f"compat: {move.old_module}.{move.old_name}: {type(exc).__name__}: {exc}"
                )
    return problems


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--expect", nargs="*", default=[])
    parser.add_argument("--absent", nargs="*", default=[])
    args = parser.parse_args()
    problems = []
    import taskloom

    more, found = provider_problems(set(args.expect), set(args.absent))
    if found:
        import taskloom.providers as namespace

        if getattr(namespace, "__file__", None) is not None:
            problems.append(
                f"taskloom.providers is a regular package ({namespace.__file__}), not a namespace"
            )
    problems += more + compat_problems() + record_problems()
    exe = shutil.which("taskloom", path=str(Path(sys.executable).parent))
    if exe is None:
        problems.append("the taskloom console script is not installed")
    else:
        out = subprocess.run([exe, "version"], capture_output=True, text=True)
        if out.returncode != 0 or taskloom.__version__ not in out.stdout:
            problems.append(f"`taskloom version` failed: {out.stdout}{out.stderr}")
    for problem in problems:
        print(f"  problem: {problem}")
    print(
        f"  probe: core {taskloom.__version__}, providers {sorted(found)}, {len(problems)} problem(s)"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
