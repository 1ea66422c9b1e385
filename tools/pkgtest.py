"""Install one distribution's built wheel into a tox environment, then run its tests.

Environment names (see tox.ini):

- ``core-py3XX``            core on that Python
- ``core-lowest``           core with every direct dependency at its declared floor
- ``core-postgres``         core's suite on a PostgreSQL metadata DB (``TASKLOOM_TEST_DATABASE``, tox.ini)
- ``<id>-corelatest``       provider ``<id>`` with core built from this tree
- ``<id>-coremin``          provider ``<id>`` with the oldest core it declares, built from git history
- ``<id>-lowest``           provider ``<id>`` with oldest core and its other direct dependencies at their floors
- ``compat``                compat with core and every provider
- ``declarative-core{latest,min}``, ``declarative-lowest``   the declarative runtime, like a provider
- ``webserver-core{latest,min}``, ``webserver-lowest``       the web UI and REST API, like a provider

A manifest-only provider also gets the declarative runtime's wheel, and a line of a
``test-requirements.txt`` that names a distribution of this repository (a test that loads
into DuckDB needs ``taskloom-provider-duckdb``) is replaced by that distribution's wheel.

Wheels are built fresh for every run, so an environment never tests stale code.
Run with the tools' Python: ``python pkgtest.py install ENV ENV_PYTHON`` / ``test ENV ENV_PYTHON [pytest args]``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import constraints
import repo
import wheels


def _parse(env_name: str) -> tuple[repo.Dist, str]:
    key, _, flavour = env_name.partition("-")
    return repo.by_key(key), flavour


def _wheels_for(dist: repo.Dist, flavour: str, out_dir: Path) -> list[Path]:
    core = repo.by_key("core")
    if dist.kind == "core":
        return [wheels.build_dist(core, out_dir)]
    if dist.kind == "compat":
        return [wheels.build_dist(d, out_dir) for d in repo.dists()]
    core_wheel = (
        wheels.build_core_min(dist)
        if flavour in {"coremin", "lowest"}
        else wheels.build_dist(core, out_dir)
    )
    built = [core_wheel, wheels.build_dist(dist, out_dir)]
    if dist.manifest_only:
        built.append(wheels.build_dist(repo.by_key("declarative"), out_dir))
    return built


def _split_test_requirements(dist: repo.Dist, out_dir: Path) -> tuple[list[Path], Path]:
    """Wheels of the repository distributions ``test-requirements.txt`` names, and a file of the rest."""
    from packaging.requirements import Requirement

    names = {d.name: d for d in repo.dists()}
    local: list[Path] = []
    rest: list[str] = []
    for line in dist.test_requirements.read_text().splitlines():
        text = line.split("#", 1)[0].strip()
        if text and Requirement(text).name in names:
            local.append(wheels.build_dist(names[Requirement(text).name], out_dir))
        else:
            rest.append(line)
    remaining = out_dir / "test-requirements.txt"
    remaining.write_text("\n".join(rest) + "\n")
    return local, remaining


def install(env_name: str, env_python: str) -> None:
    dist, flavour = _parse(env_name)
    out_dir = wheels.CACHE / "tox-wheels" / env_name
    shutil.rmtree(out_dir, ignore_errors=True)
    built = [*_wheels_for(dist, flavour, out_dir), wheels.build_dist(repo.testing_dist(), out_dir)]
    local, requirements = _split_test_requirements(dist, out_dir)
    built += [w for w in local if w.name not in {b.name for b in built}]
    cmd = [wheels.uv(), "pip", "install", "--python", env_python, "--reinstall"]
    declared: list[str] = []
    if flavour == "lowest":
        # lowest-direct lowers only what is named on the command line, and a wheel file's
        # own dependencies are not: name the distribution's declared dependencies too.
        cmd += ["--resolution", "lowest-direct"]
        declared = list(dist.pyproject["project"].get("dependencies", []))
    cmd += [*map(str, built), *declared, "-r", str(requirements)]
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, env=wheels.build_env())


def test(env_name: str, env_python: str, pytest_args: list[str]) -> int:
    dist, _ = _parse(env_name)
    os.chdir(dist.path)
    # The package under test must come from the installed wheel, never from src/.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    junit = wheels.CACHE / "junit" / f"{env_name}.xml"
    junit.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        env_python,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        f"--junitxml={junit}",
        *pytest_args,
    ]
    return subprocess.run(cmd, env=env).returncode


def typecheck(env_python: str) -> int:
    """mypy --strict over every distribution's sources, with their dependencies installed.

    The dependencies are pinned by ``tools/constraints/type.txt`` (see ``constraints.py``), so
    a new release of one cannot fail this environment on an unchanged tree.
    """
    stale = constraints.problems()
    if stale:
        raise SystemExit("\n".join(stale))
    out_dir = wheels.CACHE / "tox-wheels" / "type"
    shutil.rmtree(out_dir, ignore_errors=True)
    built = [wheels.build_dist(d, out_dir) for d in repo.dists()]
    subprocess.run(
        [
            wheels.uv(),
            "pip",
            "install",
            "--python",
            env_python,
            "--constraints",
            str(constraints.TYPE_TXT),
            *map(str, built),
            *constraints.type_requirements(),
        ],
        check=True,
        env=wheels.build_env(),
    )
    # Manifest-only providers have no Python to check.
    sources = [d.path / "src" for d in repo.dists() if not d.manifest_only]
    env = {**os.environ, "MYPYPATH": os.pathsep.join(map(str, sources))}
    mypy = [sys.executable, "-m", "mypy", "--config-file", str(repo.ROOT / "mypy.ini")]
    targets = [str(s) for s in sources]
    return subprocess.run([*mypy, "--python-executable", env_python, *targets], env=env).returncode


def main(argv: list[str]) -> int:
    if argv[:1] == ["typecheck"] and len(argv) == 3:
        return typecheck(argv[2])
    if len(argv) < 3 or argv[0] not in {"install", "test"}:
        print(__doc__)
        return 2
    action, env_name, env_python, *rest = argv
    if action == "install":
        install(env_name, env_python)
        return 0
    return test(env_name, env_python, rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
