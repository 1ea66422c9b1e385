"""The pinned versions the ``type`` tox environment installs: ``tools/constraints/type.txt``.

mypy checks the sources against the type information of every installed dependency, so a
new release of one (a changed stub, a new overload) can fail ``type`` on an unchanged tree.
The environment therefore installs from constraints that pin everything it resolves, and
they change only on purpose:

- ``type.in`` lists the third-party requirements of every distribution in the repository
  (dependencies and extras: the environment installs both) and the stub packages,
  generated from the ``pyproject.toml`` files;
- ``type.txt`` is ``uv pip compile`` of it: every package mypy sees, pinned, for each
  supported Python.

``python tools/constraints.py refresh [--upgrade]`` regenerates both (``nox -s
refresh_constraints [-- --upgrade]``): existing pins are kept where they still fit, unless
``--upgrade`` asks for the newest releases;
``python tools/constraints.py check`` fails, without the network, when a distribution
declares a requirement the pins do not cover (``tools/tests/test_constraints.py`` runs it).
"""

from __future__ import annotations

import re
import subprocess
import sys

import repo
import wheels
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

FOLDER = repo.ROOT / "tools" / "constraints"
TYPE_IN = FOLDER / "type.in"
TYPE_TXT = FOLDER / "type.txt"
#: Stub distributions mypy needs for dependencies that ship no type information.
TYPE_STUBS = ("types-jsonschema", "types-PyYAML", "types-requests")
#: The oldest supported Python: the pins are resolved for it and every newer one.
PYTHON = "3.11"
REFRESH = "python3 tools/run.py nox -s refresh_constraints"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", re.MULTILINE)


def _in_repo() -> set[str]:
    return {canonicalize_name(d.name) for d in (*repo.dists(), repo.testing_dist())}


def type_requirements() -> list[str]:
    """Every third-party requirement of the repository's distributions (extras included), then the stubs."""
    ours = _in_repo()
    found: set[str] = set()
    for dist in repo.dists():
        project = dist.pyproject["project"]
        lines = list(project.get("dependencies", []))
        for extra in project.get("optional-dependencies", {}).values():
            lines.extend(extra)  # optional code (taskloom[progress], ...) is type-checked too
        for line in lines:
            if canonicalize_name(Requirement(line).name) not in ours:
                found.add(line)
    return [*sorted(found, key=str.lower), *TYPE_STUBS]


def render_in(requirements: list[str] | None = None) -> str:
    """The text of ``type.in`` for ``requirements`` (default: :func:`type_requirements`)."""
    lines = type_requirements() if requirements is None else requirements
    return (
        f"# Generated from the distributions' pyproject.toml files; do not edit: {REFRESH}\n"
        + "".join(f"{line}\n" for line in lines)
    )


def pinned(text: str) -> set[str]:
    """The canonical names pinned (``name==version``) in a constraints file's text."""
    return {canonicalize_name(name) for name in _PIN.findall(text)}


def problems(
    requirements: list[str] | None = None,
    in_text: str | None = None,
    txt_text: str | None = None,
) -> list[str]:
    """What makes the constraints stale; empty when they are current.

    :param requirements: what the distributions declare (default: :func:`type_requirements`).
    :param in_text: the committed ``type.in`` (default: read it).
    :param txt_text: the committed ``type.txt`` (default: read it).
    """
    requirements = type_requirements() if requirements is None else requirements
    if in_text is None and TYPE_IN.is_file():
        in_text = TYPE_IN.read_text()
    if txt_text is None and TYPE_TXT.is_file():
        txt_text = TYPE_TXT.read_text()
    if in_text is None or txt_text is None:
        return [f"tools/constraints/{TYPE_IN.name} or {TYPE_TXT.name} is missing: run {REFRESH}"]
    found = []
    if in_text != render_in(requirements):
        found.append(
            f"tools/constraints/{TYPE_IN.name} is not what the pyproject.toml files declare "
            f"(a dependency was added, removed or its floor changed): run {REFRESH}"
        )
    names = {canonicalize_name(Requirement(line).name) for line in requirements}
    missing = sorted(names - pinned(txt_text))
    if missing:
        found.append(
            f"tools/constraints/{TYPE_TXT.name} pins no version of {', '.join(missing)}: run {REFRESH}"
        )
    return found


def refresh(*, upgrade: bool = False) -> None:
    """Rewrite ``type.in`` from the distributions and compile ``type.txt`` from it (needs the index).

    :param upgrade: take the newest release of everything; otherwise the current pins are
        kept where they still fit and only what changed is resolved anew.
    """
    FOLDER.mkdir(parents=True, exist_ok=True)
    TYPE_IN.write_text(render_in())
    subprocess.run(
        [
            wheels.uv(),
            "pip",
            "compile",
            "--quiet",
            *(["--upgrade"] if upgrade else []),
            "--universal",
            "--python-version",
            PYTHON,
            "--custom-compile-command",
            REFRESH,
            "--output-file",
            str(TYPE_TXT.relative_to(repo.ROOT)),
            str(TYPE_IN.relative_to(repo.ROOT)),
        ],
        check=True,
        cwd=repo.ROOT,
        env=wheels.build_env(),
    )


def main(argv: list[str]) -> int:
    if argv in (["refresh"], ["refresh", "--upgrade"]):
        refresh(upgrade="--upgrade" in argv)
        print(f"wrote {TYPE_IN.relative_to(repo.ROOT)} and {TYPE_TXT.relative_to(repo.ROOT)}")
        return 0
    if argv == ["check"]:
        found = problems()
        for problem in found:
            print(problem, file=sys.stderr)
        return 1 if found else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
