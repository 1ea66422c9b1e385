"""Rehearse a release on loopback, the way users will install taskloom.

1. start a package index (pypiserver) on 127.0.0.1, serving a fresh directory;
2. ``twine upload`` every sdist and wheel in DIST_DIR to it;
3. put the third-party wheels those distributions need beside them (the index must be
   hermetic: no fallback to any other index);
4. in a fresh environment whose pip sees no configuration and only that index, install
   core, two providers, compat and the webserver *by name*, and run an example DAG and a
   legacy DAG;
5. create a webserver user, start ``taskloom webserver`` and read the DAGs through its API.

Usage: ``python tools/release_rehearsal.py DIST_DIR PROVIDER_A PROVIDER_B``
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import repo
import wheels

WORK = wheels.CACHE / "release"
EXAMPLES = repo.ROOT / "tools" / "release_dags"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, check=True, text=True, **kwargs)  # type: ignore[call-overload]


def main(argv: list[str]) -> int:
    dist_dir, provider_a, provider_b = Path(argv[0]).resolve(), argv[1], argv[2]
    artifacts = sorted(p for p in dist_dir.iterdir() if p.suffix in {".whl", ".gz"})
    if not artifacts:
        raise SystemExit(f"{dist_dir} holds no distributions: run `nox -s build` first")
    shutil.rmtree(WORK, ignore_errors=True)
    packages = WORK / "index"
    packages.mkdir(parents=True)
    tools_bin = Path(sys.executable).parent
    names = ["taskloom", f"taskloom-provider-{provider_a}", f"taskloom-provider-{provider_b}"]
    if any(d.kind == "compat" for d in repo.dists()):
        names.append("taskloom-compat")
    has_webserver = any(d.kind == "webserver" for d in repo.dists())
    if has_webserver:
        names.append("taskloom-webserver")

    # Third-party dependencies, resolved the way a user's pip would, from the wheels built here.
    deps = WORK / "deps"
    env = wheels.build_env()
    run(
        [
            str(tools_bin / "python"),
            "-m",
            "pip",
            "download",
            "--quiet",
            "--dest",
            str(deps),
            "--find-links",
            str(dist_dir),
            "--only-binary",
            ":all:",
            *names,
        ],
        env=env,
    )
    for wheel in deps.iterdir():
        if not wheel.name.startswith("taskloom"):
            shutil.copy2(wheel, packages)

    port = free_port()
    server = subprocess.Popen(
        [
            str(tools_bin / "pypi-server"),
            "run",
            "-i",
            "127.0.0.1",
            "-p",
            str(port),
            "-a",
            ".",
            "-P",
            ".",
            "--disable-fallback",
            str(packages),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    index = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(index + "simple/", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the local package index did not start") from None
                time.sleep(0.2)
        run(
            [
                str(tools_bin / "twine"),
                "upload",
                "--non-interactive",
                "--disable-progress-bar",  # a bar per file is escape codes in a CI log
                "--repository-url",
                index,
                "-u",
                "rehearsal",
                "-p",
                "rehearsal",
                *map(str, artifacts),
            ],
            env=env,
        )

        venv_dir = WORK / "venv"
        run([wheels.uv(), "venv", "--quiet", "--seed", "--python", sys.executable, str(venv_dir)])
        python = str(venv_dir / "bin" / "python")
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
        clean["PIP_CONFIG_FILE"] = os.devnull
        run(
            [
                python,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--index-url",
                index + "simple/",
                *names,
            ],
            env=clean,
        )
        run([python, str(repo.ROOT / "tools" / "probe.py"), "--expect", provider_a, provider_b])
        run_dags(venv_dir, clean)
        if has_webserver:
            serve_dags(venv_dir, clean)
    finally:
        server.terminate()
        server.wait(timeout=10)
    print("release rehearsal: uploaded, installed by name from the local index, DAGs ran")
    return 0


def serve_dags(venv_dir: Path, env: dict[str, str]) -> None:
    """``taskloom users create``, ``taskloom webserver``: the example DAGs are listed by its API."""
    import json

    taskloom = str(venv_dir / "bin" / "taskloom")
    with tempfile.TemporaryDirectory() as home:
        web_env = {**env, "TASKLOOM_HOME": home, "TASKLOOM_DAGS_FOLDER": str(EXAMPLES)}
        run(
            [taskloom, "users", "create", "release", "--role", "viewer", "--password-stdin"],
            env=web_env,
            input="release-rehearsal-password\n",
        )
        token = run(
            [taskloom, "users", "token", "release"], env=web_env, capture_output=True
        ).stdout.strip()
        port = free_port()
        server = subprocess.Popen(
            [taskloom, "webserver", "--port", str(port)],
            env=web_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1/dags", headers={"Authorization": f"Bearer {token}"}
            )
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        listed = [d["dag_id"] for d in json.load(response)["items"]]
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit("taskloom webserver did not answer") from None
                    time.sleep(0.2)
        finally:
            server.terminate()
            server.wait(timeout=30)
    # The 1.x DAGs need taskloom-compat, which run_dags uninstalled.
    expected = sorted(p.stem for p in EXAMPLES.glob("*.py") if not p.stem.startswith("legacy"))
    if not set(expected) <= set(listed):
        raise SystemExit(f"taskloom webserver lists {listed}, expected the example DAGs {expected}")
    print(f"taskloom webserver listed the example DAGs: {listed}")


def run_dags(venv_dir: Path, env: dict[str, str]) -> None:
    """Run the example DAG and the legacy (1.x-style) DAG with the installed CLI.

    Then migrate the legacy DAG the way a user would: ``taskloom compat fix``, uninstall
    taskloom-compat, and run the rewritten file with deprecation warnings as errors.
    """
    bin_dir = venv_dir / "bin"
    taskloom = str(bin_dir / "taskloom")
    has_compat = any(d.kind == "compat" for d in repo.dists())
    with tempfile.TemporaryDirectory() as home:
        dag_env = {
            **env,
            "TASKLOOM_HOME": home,
            "TASKLOOM_DAGS_FOLDER": str(EXAMPLES),
            "TASKLOOM_CONN_DUCKDB_MEMORY": "duckdb://",
        }
        for dag_id in sorted(p.stem for p in EXAMPLES.glob("*.py")):
            if dag_id.startswith("legacy") and not has_compat:
                continue
            run([taskloom, "dags", "test", dag_id], env=dag_env)
        if not has_compat:
            return
        migrated = Path(home) / "migrated"
        migrated.mkdir()
        shutil.copy2(EXAMPLES / "legacy_release.py", migrated)
        run([taskloom, "compat", "fix", str(migrated)], env=dag_env)
        run(
            [str(bin_dir / "python"), "-m", "pip", "uninstall", "--yes", "taskloom-compat"], env=env
        )
        run(
            [
                str(bin_dir / "python"),
                "-W",
                "error::DeprecationWarning",
                "-m",
                "taskloom",
                "dags",
                "test",
                "legacy_release",
                "-S",
                str(migrated),
            ],
            env=dag_env,
        )
        run(
            [str(bin_dir / "python"), str(repo.ROOT / "tools" / "probe.py"), "--absent", "compat"],
            env=env,
        )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
