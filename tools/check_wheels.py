"""Check that the built wheels never step on each other's files.

Usage: ``python tools/check_wheels.py dist/*.whl`` — exits 1 and lists every problem.

The rules (see CONTRIBUTING.md, "Packaging rules"):

1. no path is shipped by two wheels;
2. a provider wheel holds nothing outside ``taskloom/providers/<id>/`` (and its dist-info),
   ships its ``provider.json`` and declares its ``taskloom.providers`` entry point;
3. core ships nothing under ``taskloom/providers/`` and its ``taskloom/__init__.py`` starts
   with the ``extend_path`` line, as does every core package compat adds modules to;
4. compat ships no ``__init__.py`` inside ``taskloom/`` and nothing under ``taskloom/providers/``;
5. no wheel ships ``taskloom/providers/__init__.py``;
6. the declarative runtime ships only ``taskloom/declarative/**``, the webserver only
   ``taskloom_webserver/**``;
7. a manifest-only provider (``"manifest_only": true`` in its provider.json) ships its
   ``manifest.yaml`` and not one ``.py`` file.
"""

from __future__ import annotations

import ast
import configparser
import json
import re
import sys
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from pathlib import PurePosixPath

EXTEND_PATH = ast.dump(
    ast.parse('__path__ = __import__("pkgutil").extend_path(__path__, __name__)').body[0]
)
PROVIDER_PREFIX = "taskloom-provider-"


@dataclass(frozen=True)
class Wheel:
    path: Path
    name: str  # normalised distribution name, dashes
    files: tuple[str, ...]  # library paths, without the dist-info directory
    entry_points: dict[str, dict[str, str]]
    texts: dict[str, str]  # the __init__.py files' text, for the extend_path rule
    provider_json: dict[str, object]  # a provider wheel's provider.json, parsed ({} if none)

    @property
    def provider_id(self) -> str | None:
        return (
            self.name.removeprefix(PROVIDER_PREFIX)
            if self.name.startswith(PROVIDER_PREFIX)
            else None
        )


def read_wheel(path: Path) -> Wheel:
    name = re.sub(r"[-_.]+", "-", path.name.split("-")[0]).lower()
    with zipfile.ZipFile(path) as zf:
        names = [n for n in zf.namelist() if not n.endswith("/")]
        dist_info = [n for n in names if PurePosixPath(n).parts[0].endswith(".dist-info")]
        files = tuple(n for n in names if n not in dist_info)
        entry_points: dict[str, dict[str, str]] = {}
        ep_file = next((n for n in dist_info if n.endswith(".dist-info/entry_points.txt")), None)
        if ep_file:
            parser = configparser.ConfigParser(delimiters=("=",))
            parser.optionxform = str  # type: ignore[assignment,method-assign]
            parser.read_string(zf.read(ep_file).decode())
            entry_points = {s: dict(parser.items(s)) for s in parser.sections()}
        texts = {n: zf.read(n).decode() for n in files if n.endswith("__init__.py")}
        metadata = next(
            (n for n in files if re.fullmatch(r"taskloom/providers/[^/]+/provider\.json", n)), None
        )
        provider_json = json.loads(zf.read(metadata)) if metadata else {}
    return Wheel(path, name, files, entry_points, texts, provider_json)


def starts_with_extend_path(text: str) -> bool:
    body = ast.parse(text).body
    return bool(body) and ast.dump(body[0]) == EXTEND_PATH


def check(wheels: list[Wheel]) -> list[str]:
    problems: list[str] = []
    owners: dict[str, list[str]] = defaultdict(list)
    for wheel in wheels:
        for f in wheel.files:
            owners[f].append(wheel.path.name)
    for f, shipped_by in sorted(owners.items()):
        if len(shipped_by) > 1:
            problems.append(f"{f}: shipped by {len(shipped_by)} wheels ({', '.join(shipped_by)})")
        if f == "taskloom/providers/__init__.py":
            problems.append(
                f"{shipped_by[0]}: ships taskloom/providers/__init__.py; taskloom.providers must stay a "
                "PEP 420 namespace (delete the file and list packages explicitly in packages.find include)"
            )

    core_inits = {}
    for wheel in wheels:
        if wheel.name == "taskloom":
            core_inits = wheel.texts
            problems += _check_core(wheel)
        elif wheel.provider_id is not None:
            problems += _check_provider(wheel, wheel.provider_id)
        elif wheel.name == "taskloom-declarative":
            problems += [
                f"{wheel.path.name}: ships {f}; the declarative runtime ships only taskloom/declarative/"
                for f in wheel.files
                if not f.startswith("taskloom/declarative/")
            ]
        elif wheel.name == "taskloom-webserver":
            problems += [
                f"{wheel.path.name}: ships {f}; the webserver ships only taskloom_webserver/"
                for f in wheel.files
                if not f.startswith("taskloom_webserver/")
            ]
    for wheel in wheels:
        if wheel.name == "taskloom-compat":
            problems += _check_compat(wheel, core_inits)
    return problems


def _check_core(wheel: Wheel) -> list[str]:
    problems = [
        f"{wheel.path.name}: core ships {f}; core must ship nothing under taskloom/providers/"
        for f in wheel.files
        if f.startswith("taskloom/providers/")
    ]
    init = wheel.texts.get("taskloom/__init__.py")
    if init is None:
        problems.append(f"{wheel.path.name}: core does not ship taskloom/__init__.py")
    elif not starts_with_extend_path(init):
        problems.append(
            f"{wheel.path.name}: the first statement of taskloom/__init__.py must be "
            '__path__ = __import__("pkgutil").extend_path(__path__, __name__)'
        )
    return problems


def _check_provider(wheel: Wheel, pid: str) -> list[str]:
    prefix = f"taskloom/providers/{pid}/"
    problems = [
        f"{wheel.path.name}: ships {f} outside {prefix}; restrict packages.find include to "
        f'["taskloom.providers.{pid}*"]'
        for f in wheel.files
        if not f.startswith(prefix)
    ]
    if f"{prefix}provider.json" not in wheel.files:
        problems.append(f"{wheel.path.name}: lacks {prefix}provider.json (add it to package-data)")
    if wheel.provider_json.get("manifest_only"):
        problems += [
            f"{wheel.path.name}: manifest-only provider ships Python file {f}; it must ship data only "
            "(provider.json, manifest.yaml, schemas)"
            for f in wheel.files
            if f.endswith(".py")
        ]
        if f"{prefix}manifest.yaml" not in wheel.files:
            problems.append(
                f"{wheel.path.name}: manifest-only provider lacks {prefix}manifest.yaml (add it to package-data)"
            )
    declared = wheel.entry_points.get("taskloom.providers", {})
    if declared.get(pid) != f"taskloom.providers.{pid}":
        problems.append(
            f"{wheel.path.name}: lacks the entry point "
            f'[project.entry-points."taskloom.providers"] {pid} = "taskloom.providers.{pid}" '
            f"(found {declared or 'none'})"
        )
    return problems


def _check_compat(wheel: Wheel, core_inits: dict[str, str]) -> list[str]:
    problems = []
    for f in wheel.files:
        if f.startswith("taskloom/") and f.endswith("__init__.py"):
            problems.append(
                f"{wheel.path.name}: compat ships {f}; compat adds modules to packages it does not own "
                "and must ship no __init__.py below taskloom/"
            )
        if f.startswith("taskloom/providers/"):
            problems.append(f"{wheel.path.name}: compat ships {f} inside a provider's namespace")
    # Every core package that compat adds a module to must extend its __path__.
    for f in wheel.files:
        for parent in PurePosixPath(f).parents:
            init = f"{parent}/__init__.py"
            text = core_inits.get(init)
            if text is not None and not starts_with_extend_path(text):
                problems.append(
                    f"compat adds {f} but core's {init} does not start with the extend_path line, "
                    "so the module is not found when compat lives in another sys.path entry"
                )
    return sorted(set(problems))


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv]
    if not paths:
        print("usage: check_wheels.py WHEEL...", file=sys.stderr)
        return 2
    problems = check([read_wheel(p) for p in paths])
    for problem in problems:
        print(f"error: {problem}")
    if problems:
        print(f"wheel ownership check: {len(problems)} problem(s) in {len(paths)} wheels")
        return 1
    print(f"wheel ownership check: {len(paths)} wheels OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
