"""Install the built distributions every supported way, and probe each environment.

Scenarios (issue 2; DESIGN.md packaging rule 7), each in fresh virtual environments,
once with pip and once with uv:

a. core alone
b. core + two providers, from wheels
c. then one provider uninstalled: the other still works; then compat uninstalled
d. providers installed before core
e. everything editable
f. core wheel + editable provider, and editable core + provider wheel
g. ``pip install "taskloom[<id>]"``, the extra resolved from a local index of the wheels
h. a manifest-only provider from a local index: it pulls ``taskloom-declarative`` in, is
   listed with its streams, its manifest reads; uninstalling it leaves core and the runtime
i. ``taskloom-webserver`` from a local index: it pulls core in, adds ``taskloom webserver``
   and ``taskloom users`` (a user is created and listed); uninstalling it leaves core whole

Each environment runs ``tools/probe.py`` (imports, entry points, compat shims, RECORD
files still on disk, the console script).  Usage::

    python tools/install_matrix.py DIST_DIR PROVIDER_A PROVIDER_B [--installer pip|uv]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import repo
import wheels

WORK = wheels.CACHE / "install-matrix"
PROBE = Path(__file__).with_name("probe.py")


class Env:
    """A fresh virtual environment driven by one installer (pip or uv)."""

    def __init__(self, name: str, installer: str) -> None:
        self.path = WORK / installer / name
        self.installer = installer
        shutil.rmtree(self.path, ignore_errors=True)
        seed = ["--seed"] if installer == "pip" else []
        self.run(
            [wheels.uv(), "venv", "--quiet", *seed, "--python", sys.executable, str(self.path)]
        )
        self.python = str(self.path / "bin" / "python")

    def run(self, cmd: list[str]) -> None:
        result = subprocess.run(cmd, env=wheels.build_env(), capture_output=True, text=True)
        if result.returncode:
            raise SystemExit(
                f"command failed ({result.returncode}): {' '.join(cmd)}\n{result.stdout}{result.stderr}"
            )

    def install(self, *args: str) -> None:
        if self.installer == "pip":
            self.run(
                [
                    self.python,
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    *args,
                ]
            )
        else:
            self.run([wheels.uv(), "pip", "install", "--quiet", "--python", self.python, *args])

    def uninstall(self, name: str) -> None:
        if self.installer == "pip":
            self.run([self.python, "-m", "pip", "uninstall", "--quiet", "--yes", name])
        else:
            self.run([wheels.uv(), "pip", "uninstall", "--quiet", "--python", self.python, name])

    def probe(self, expect: list[str] = [], absent: list[str] = []) -> bool:  # noqa: B006 -- read only
        cmd = [self.python, str(PROBE), "--expect", *expect, "--absent", *absent]
        result = subprocess.run(cmd, capture_output=True, text=True)
        print(result.stdout + result.stderr, end="")
        return result.returncode == 0


def scenarios(dist_dir: Path, a: str, b: str) -> dict[str, Callable[[str], bool]]:
    def wheel(name: str) -> str:
        found = sorted(dist_dir.glob(f"{name.replace('-', '_')}-*.whl"))
        if not found:
            raise SystemExit(f"no wheel of {name} in {dist_dir}: run `nox -s build` first")
        return str(found[-1])

    core, pa, pb = (repo.by_key(k) for k in ("core", a, b))
    compat = [d for d in repo.dists() if d.kind == "compat"]

    def core_alone(inst: str) -> bool:
        env = Env("a-core-alone", inst)
        env.install(wheel(core.name))
        return env.probe()

    def two_providers_then_uninstall(inst: str) -> bool:
        env = Env("bc-two-providers", inst)
        env.install(
            wheel(core.name), wheel(pa.name), wheel(pb.name), *(wheel(c.name) for c in compat)
        )
        ok = env.probe(expect=[a, b])
        print(f"  (c) uninstalling {pa.name}")
        env.uninstall(pa.name)
        ok = env.probe(expect=[b], absent=[a]) and ok
        for dist in compat:
            print(f"  (c) uninstalling {dist.name}: core and {pb.name} keep every file")
            env.uninstall(dist.name)
            ok = env.probe(expect=[b], absent=[a]) and ok
        return ok

    def providers_before_core(inst: str) -> bool:
        env = Env("d-providers-first", inst)
        # --no-deps so the providers really land before core does.
        env.install("--no-deps", wheel(pa.name), wheel(pb.name))
        env.install(wheel(core.name))
        env.install(wheel(pa.name), wheel(pb.name))  # now resolve their own dependencies
        return env.probe(expect=[a, b])

    def all_editable(inst: str) -> bool:
        env = Env("e-all-editable", inst)
        paths = [core.path, pa.path, pb.path, *(c.path for c in compat)]
        env.install(*[arg for p in paths for arg in ("-e", str(p))])
        return env.probe(expect=[a, b])

    def mixed_editable(inst: str) -> bool:
        env = Env("f1-core-wheel-provider-editable", inst)
        env.install(wheel(core.name), "-e", str(pa.path))
        ok = env.probe(expect=[a])
        env = Env("f2-core-editable-provider-wheel", inst)
        env.install("-e", str(core.path), wheel(pa.name))
        return env.probe(expect=[a]) and ok

    def extra_from_index(inst: str) -> bool:
        env = Env("g-extra", inst)
        env.install("--find-links", str(dist_dir), f"taskloom[{a}]")
        return env.probe(expect=[a])

    manifest_only = [d for d in repo.providers() if d.manifest_only]

    def manifest_only_provider(inst: str) -> bool:
        dist = manifest_only[0]
        pid = str(dist.provider_id)
        env = Env("h-manifest-only", inst)
        env.install("--find-links", str(dist_dir), dist.name)
        ok = env.probe(expect=[pid])
        listed = subprocess.run(
            [env.python, "-m", "taskloom", "declarative", "discover", pid, "--output", "json"],
            capture_output=True,
            text=True,
        )
        ok = listed.returncode == 0 and bool(json.loads(listed.stdout)["streams"]) and ok
        print(f"  (h) {pid} discovered through taskloom-declarative: {listed.returncode == 0}")
        env.uninstall(dist.name)
        return env.probe(absent=[pid]) and ok

    def webserver(inst: str) -> bool:
        env = Env("i-webserver", inst)
        env.install("--find-links", str(dist_dir), "taskloom-webserver")
        ok = env.probe()
        home = env.path / "home"
        cli_env = {
            **os.environ,
            "TASKLOOM_HOME": str(home),
            "TASKLOOM_WEBSERVER_PASSWORD": "matrix-password-1",
        }
        taskloom = [env.python, "-m", "taskloom"]
        created = subprocess.run(
            [*taskloom, "users", "create", "ann", "--role", "viewer"],
            env=cli_env,
            capture_output=True,
            text=True,
        )
        listed = subprocess.run(
            [*taskloom, "users", "list"], env=cli_env, capture_output=True, text=True
        )
        helped = subprocess.run(
            [*taskloom, "webserver", "--help"], env=cli_env, capture_output=True, text=True
        )
        works = created.returncode == 0 and "ann" in listed.stdout and "127.0.0.1" in helped.stdout
        print(f"  (i) taskloom users create/list and webserver --help: {works}")
        env.uninstall("taskloom-webserver")
        gone = subprocess.run(
            [*taskloom, "users", "list"], env=cli_env, capture_output=True, text=True
        )
        print(f"  (i) after uninstalling, `taskloom users` is gone: {gone.returncode != 0}")
        return env.probe() and works and gone.returncode != 0 and ok

    extra: dict[str, Callable[[str], bool]] = {}
    if manifest_only:
        extra["h a manifest-only provider (and its runtime) from a local index"] = (
            manifest_only_provider
        )
    if any(d.kind == "webserver" for d in repo.dists()):
        extra["i taskloom-webserver from a local index"] = webserver
    return {
        "a core alone": core_alone,
        "b+c two providers, then one uninstalled": two_providers_then_uninstall,
        "d providers before core": providers_before_core,
        "e all editable": all_editable,
        "f core wheel + editable provider and the reverse": mixed_editable,
        f"g taskloom[{a}] from a local index": extra_from_index,
        **extra,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("dist_dir", type=Path)
    parser.add_argument("provider_a")
    parser.add_argument("provider_b")
    parser.add_argument("--installer", choices=["pip", "uv"], action="append")
    args = parser.parse_args(argv)
    failed = []
    for installer in args.installer or ["pip", "uv"]:
        for title, scenario in scenarios(
            args.dist_dir.resolve(), args.provider_a, args.provider_b
        ).items():
            start = time.monotonic()
            print(f"[{installer}] {title}", flush=True)
            ok = scenario(installer)
            print(
                f"[{installer}] {title}: {'ok' if ok else 'FAILED'} ({time.monotonic() - start:.1f} s)",
                flush=True,
            )
            if not ok:
                failed.append(f"[{installer}] {title}")
    if failed:
        print("install matrix failed:\n  " + "\n  ".join(failed))
        return 1
    print("install matrix: every scenario passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
