"""Mutation testing of core's URI codec, trigger rules and provider registry, with mutmut.

mutmut changes one thing at a time in a module (an operator, a constant, an argument) and
runs the tests that exercise it; a change no test notices ("survived") is a gap in the
tests, or a change that cannot alter behaviour (an equivalent mutant: a cache bypassed, an
argument equal to its default).  Run through ``python3 tools/run.py nox -s mutation``
(about 10 minutes on 2 cores; not part of ``nox -s tests``).

The tree is copied to ``.cache/mutmut/core`` (mutmut writes its ``mutants/`` copy beside
the sources it mutates and needs its own ``[tool.mutmut]`` table), core is installed from
that copy in editable mode, and only the tests that cover the three areas run.  The kill
rate of each module, and every surviving mutant, is written to
``bench/results/mutation.md``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import repo

WORK = repo.ROOT / ".cache" / "mutmut"
COPY = WORK / "core"
RESULTS = repo.ROOT / "bench" / "results" / "mutation.md"


@dataclass(frozen=True)
class Area:
    """What one part of the issue asks to mutate, and the tests that cover it."""

    name: str
    modules: tuple[str, ...]
    tests: tuple[str, ...]


AREAS = (
    Area(
        "URI codec",
        ("src/taskloom/models/connection_uri.py",),
        ("tests/test_connection_uri.py", "tests/test_connection.py"),
    ),
    Area("trigger rules", ("src/taskloom/utils/trigger_rule.py",), ("tests/test_trigger_rule.py",)),
    Area(
        "provider registry",
        (
            "src/taskloom/registry/registry.py",
            "src/taskloom/registry/compatibility.py",
            "src/taskloom/registry/locate.py",
            "src/taskloom/registry/status.py",
            "src/taskloom/registry/install_hints.py",
        ),
        (
            "tests/test_registry.py",
            "tests/test_providers_manager.py",
            "tests/test_discovery_cache.py",
            "tests/test_hooks_base.py",
        ),
    ),
)

#: ``taskloom.registry.registry.xǁProviderRegistryǁget__mutmut_7: survived``
_RESULT = re.compile(r"^\s*(?P<name>\S+)__mutmut_\d+: (?P<status>.+)$")


def prepare() -> Path:
    """Copy core (sources and tests) to the work folder and configure mutmut there; return it."""
    shutil.rmtree(COPY, ignore_errors=True)
    shutil.copytree(
        repo.ROOT / "core",
        COPY,
        ignore=shutil.ignore_patterns("build", "dist", "*.egg-info", "__pycache__", "mutants"),
    )
    modules = [m for area in AREAS for m in area.modules]
    tests = sorted({t for area in AREAS for t in area.tests})
    with (COPY / "pyproject.toml").open("a", encoding="utf-8") as fh:
        fh.write(
            "\n[tool.mutmut]\n"
            'source_paths = ["src"]\n'
            f"only_mutate = {modules!r}\n"
            f"pytest_add_cli_args_test_selection = {tests!r}\n"
            'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q"]\n'
        )
    return COPY


def _module_of(function: str) -> str:
    """``taskloom.registry.registry.xǁProviderRegistryǁget`` -> ``taskloom.registry.registry``."""
    return re.split(r"\.x[_ǁ]", function, maxsplit=1)[0]


def _path_of(module: str) -> str:
    return "src/" + module.replace(".", "/") + ".py"


def run(python: str) -> int:
    """Run mutmut in the prepared copy with ``python`` (which has it and core installed); write the results."""
    subprocess.run([python, "-m", "mutmut", "run"], cwd=COPY, check=False)
    listing = subprocess.run(
        [python, "-m", "mutmut", "results", "--all", "true"],
        cwd=COPY,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    counts: dict[str, Counter[str]] = {}
    survivors: list[str] = []
    for line in listing.splitlines():
        match = _RESULT.match(line)
        if match is None:
            continue
        module = _module_of(match["name"])
        counts.setdefault(module, Counter())[match["status"]] += 1
        if match["status"] == "survived":
            survivors.append(line.split(":")[0].strip())
    if not counts:
        print("mutmut reported no mutant: see its output above", file=sys.stderr)
        return 1
    diffs = {
        name: subprocess.run(
            [python, "-m", "mutmut", "show", name], cwd=COPY, capture_output=True, text=True
        ).stdout
        for name in survivors
    }
    RESULTS.write_text(render(counts, diffs), encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(repo.ROOT)}")
    return 0


def _rate(counter: Counter[str]) -> str:
    judged = counter["killed"] + counter["survived"] + counter["timeout"]
    return f"{100 * (counter['killed'] + counter['timeout']) / judged:.1f}%" if judged else "n/a"


def render(counts: dict[str, Counter[str]], diffs: dict[str, str]) -> str:
    """The results file: kill rate per area and module, then each surviving mutant's change."""
    lines = [
        "# Mutation testing of core (mutmut)",
        "",
        "Generated by `python3 tools/run.py nox -s mutation` (tools/mutation.py); do not edit.",
        "Kill rate = (killed + timed out) / (killed + timed out + survived).",
        "",
        "| area | module | mutants | killed | timed out | survived | kill rate |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for area in AREAS:
        total: Counter[str] = Counter()
        for module, counter in sorted(counts.items()):
            if _path_of(module) not in area.modules:
                continue
            total += counter
            lines.append(
                f"| {area.name} | `{module}` | {sum(counter.values())} | {counter['killed']} | "
                f"{counter['timeout']} | {counter['survived']} | {_rate(counter)} |"
            )
        lines.append(
            f"| **{area.name}** | all | {sum(total.values())} | {total['killed']} | "
            f"{total['timeout']} | {total['survived']} | **{_rate(total)}** |"
        )
    other = Counter(
        status
        for counter in counts.values()
        for status, n in counter.items()
        for _ in range(n)
        if status not in {"killed", "survived", "timeout"}
    )
    if other:
        lines += ["", "Not judged: " + ", ".join(f"{n} {s}" for s, n in sorted(other.items()))]
    lines += ["", f"## Surviving mutants ({len(diffs)})", ""]
    for name, diff in diffs.items():
        changed = [
            line
            for line in diff.splitlines()
            if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))
        ]
        lines += [f"- `{name}`", "", "  ```diff", *(f"  {c}" for c in changed), "  ```", ""]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    if sys.argv[1:2] == ["prepare"]:
        print(prepare())
        sys.exit(0)
    if sys.argv[1:] == ["run"]:
        sys.exit(run(sys.executable))
    print(__doc__)
    sys.exit(2)
