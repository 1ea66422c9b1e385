"""Workflows that span distributions.  Run them through the pinned tools::

    python3 tools/run.py nox -s demo            # the README demo
    python3 tools/run.py nox -s tests           # everything CI runs
    python3 tools/run.py nox -s build install_matrix release changed

Per-distribution tests live in tox.ini; this file builds, checks and installs the
distributions together.
"""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "tools"))

import repo  # noqa: E402 -- tools/ is put on sys.path just above
import wheels  # noqa: E402

nox.options.default_venv_backend = "uv"
nox.options.reuse_existing_virtualenvs = False
nox.options.sessions = ["tests"]

DIST = ROOT / "dist"
TOOLS_PYTHON = sys.executable
#: The two providers the install matrix and the release rehearsal install by name.
MATRIX_PROVIDERS = ("duckdb", "smtp")


def _tool(session: nox.Session, script: str, *args: str) -> None:
    session.run(TOOLS_PYTHON, str(ROOT / "tools" / script), *args, external=True)


@nox.session(python=False)
def demo(session: nox.Session) -> None:
    """The README demo: an ETL DAG run end to end from freshly built wheels, on embedded defaults.

    Installs core and the DuckDB provider into a fresh environment, keeps all state in
    ``.cache/demo/home`` (SQLite metadata DB, task logs, the DuckDB file) and runs the
    provider's example DAG with ``taskloom dags test``.

    ``-- --distributed``: PostgreSQL, Redis, two Celery workers and a scheduler, each in
    its own process and home folder, run 200 tasks on two queues (tools/demo_distributed.py).
    """
    if "--distributed" in session.posargs:
        _demo_distributed(session)
        return
    work = wheels.CACHE / "demo"
    shutil.rmtree(work, ignore_errors=True)
    built = [wheels.build_dist(repo.by_key(key), work / "wheels") for key in ("core", "duckdb")]
    venv_dir = work / "venv"
    session.run(
        wheels.uv(), "venv", "--quiet", "--python", TOOLS_PYTHON, str(venv_dir), external=True
    )
    python = str(venv_dir / "bin" / "python")
    session.run(
        wheels.uv(),
        "pip",
        "install",
        "--quiet",
        "--python",
        python,
        *map(str, built),
        external=True,
    )
    dags = session.run(
        python,
        "-c",
        "import taskloom.providers.duckdb.example_dags as m; print(m.__path__[0])",
        external=True,
        silent=True,
    ).strip()
    home = work / "home"
    env = {
        "TASKLOOM_HOME": str(home),
        "TASKLOOM_DAGS_FOLDER": dags,
        "TASKLOOM_CONN_DUCKDB_DEFAULT": json.dumps(
            {"conn_type": "duckdb", "extra": {"path": str(home / "etl.duckdb")}}
        ),
    }
    taskloom = str(venv_dir / "bin" / "taskloom")
    session.run(taskloom, "providers", "list", env=env, external=True)
    session.run(taskloom, "dags", "list", env=env, external=True)
    session.run(taskloom, "dags", "test", "example_duckdb_etl", env=env, external=True)
    session.run(
        taskloom, "tasks", "logs", "example_duckdb_etl", "summarize", env=env, external=True
    )
    session.log(f"demo state (metadata DB, logs, DuckDB file) is in {home}")


def _demo_distributed(session: nox.Session) -> None:
    work = wheels.CACHE / "demo-distributed"
    shutil.rmtree(work, ignore_errors=True)
    built = [wheels.build_dist(repo.by_key(key), work / "wheels") for key in ("core", "celery")]
    # taskloom-testing starts the servers and workers (the celery provider's tests do the same).
    testing = wheels.build_dist(repo.testing_dist(), work / "wheels")
    venv_dir = work / "venv"
    session.run(
        wheels.uv(), "venv", "--quiet", "--python", TOOLS_PYTHON, str(venv_dir), external=True
    )
    python = str(venv_dir / "bin" / "python")
    session.run(
        wheels.uv(),
        "pip",
        "install",
        "--quiet",
        "--python",
        python,
        f"{built[0]}[postgres-db]",
        str(built[1]),
        str(testing),
        external=True,
    )
    session.run(python, str(ROOT / "tools" / "demo_distributed.py"), str(work), external=True)


@nox.session(python=False)
def build(session: nox.Session) -> None:
    """Build sdists and wheels of every distribution into dist/, reproducibly, and check them."""
    shutil.rmtree(DIST, ignore_errors=True)
    rebuild = wheels.CACHE / "rebuild"
    shutil.rmtree(rebuild, ignore_errors=True)
    # One timestamp for every build of this session: the last commit's time.
    os.environ["SOURCE_DATE_EPOCH"] = wheels.build_env()["SOURCE_DATE_EPOCH"]
    session.log(f"SOURCE_DATE_EPOCH={os.environ['SOURCE_DATE_EPOCH']} (the last commit's time)")
    for dist in repo.dists():
        session.log(f"building {dist.name} {dist.version}")
        wheels.build(dist.path, DIST, sdist=True)
        wheels.build(dist.path, rebuild)
    built = sorted(DIST.glob("*.whl"))
    differ = [w.name for w in built if not filecmp.cmp(w, rebuild / w.name, shallow=False)]
    if differ:
        session.error(f"two builds of the same tree gave different wheels: {differ}")
    session.log(f"reproducible: {len(built)} wheels byte-identical across two builds")
    session.run(
        str(Path(TOOLS_PYTHON).parent / "twine"),
        "check",
        "--strict",
        *map(str, sorted([*DIST.glob("*.whl"), *DIST.glob("*.tar.gz")])),
        external=True,
    )
    _tool(session, "check_wheels.py", *map(str, built))


@nox.session(python=False)
def install_matrix(session: nox.Session) -> None:
    """Install the wheels in dist/ every supported way (pip and uv) and probe each environment."""
    if not any(DIST.glob("*.whl")):
        session.notify("build")
        session.error("dist/ is empty: run `nox -s build install_matrix`")
    _tool(session, "install_matrix.py", str(DIST), *MATRIX_PROVIDERS, *session.posargs)


@nox.session(python=False)
def release(session: nox.Session) -> None:
    """Rehearse a release on loopback: local index, twine upload, install by name, run DAGs."""
    _tool(session, "release_rehearsal.py", str(DIST), *MATRIX_PROVIDERS)


@nox.session(python=False)
def changed(session: nox.Session) -> None:
    """List distributions changed since their last release; fail if one lacks a version bump or changelog entry."""
    _tool(session, "changed.py", *session.posargs)


@nox.session(python="3.11")
def mutation(session: nox.Session) -> None:
    """Mutation testing (mutmut) of core's URI codec, trigger rules and registry: bench/results/mutation.md.

    About 10 minutes on 2 cores, so not part of ``tests``; see tools/mutation.py.
    """
    _tool(session, "mutation.py", "prepare")
    session.install(
        "-e",
        str(ROOT / ".cache" / "mutmut" / "core"),
        "-r",
        str(ROOT / "core" / "test-requirements.txt"),
        str(ROOT / "testing"),
        "mutmut==3.8.1",
    )
    session.run("python", str(ROOT / "tools" / "mutation.py"), "run")


@nox.session(python=False)
def refresh_constraints(session: nox.Session) -> None:
    """Re-pin what the ``type`` tox environment installs (tools/constraints/type.txt), on purpose.

    Run it after adding or changing a dependency (current pins are kept where they fit), or
    with ``-- --upgrade`` to take new releases; review the diff, then run ``tox -e type``
    before committing it.
    """
    _tool(session, "constraints.py", "refresh", *session.posargs)


@nox.session(python=False)
def codeowners(session: nox.Session) -> None:
    """Check CODEOWNERS against the maintainers each provider declares (``-- --write`` regenerates it)."""
    _tool(session, "codeowners.py", *(session.posargs or ["--check"]))


@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    """Benchmarks (bench/run.py): ``-- --quick`` for the CI smoke run, ``-- --with-airflow`` to compare."""
    # pytest: the scheduler scenario starts its PostgreSQL server with taskloom_testing's.
    session.install("matplotlib==3.11.2", "packaging>=24", "uv==0.13.9", "pytest==9.2.0")
    session.run("python", str(ROOT / "bench" / "run.py"), *session.posargs)


@nox.session(python="3.11")
def images(session: nox.Session) -> None:
    """Build the base runtime images and the provider images on them, then test them inside.

    ``-- <id>...`` builds only those bases/providers (and the bases they need) and runs their
    sanity and conformance tests; ``-- --changed [--since REF]`` lets git decide. With no
    arguments: everything, plus the cross-image DAG, reproducibility and decoupling tests.
    The tests run on the host, from an environment with their own tools (pytest, and the
    redis client the Redis fixture pings its server with).
    """
    _tool(session, "servers.py")  # buildah, mmdebstrap and the Redis server the tests start
    session.install("pytest==9.2.0", "packaging==26.4", "redis==8.2.0")
    built_json = wheels.CACHE / "images" / "built.json"
    built_json.parent.mkdir(parents=True, exist_ok=True)
    _tool(session, "images.py", "build", "--json", str(built_json), *session.posargs)
    chosen = json.loads(built_json.read_text()) if built_json.exists() else {}
    if session.posargs and not chosen:
        return  # --changed found nothing to build
    tests_dir = ROOT / "images" / "tests"
    selection: list[str] = [str(tests_dir)]
    env = {}
    if session.posargs:
        # A selection: the sanity and conformance tests of what was built.
        selection = [str(tests_dir / "test_bases.py"), str(tests_dir / "test_providers.py")]
        env["TASKLOOM_IMAGES"] = ",".join(chosen)
    session.run("python", "-m", "pytest", "-p", "no:cacheprovider", "-q", *selection, env=env)
    _tool(session, "images.py", "report")


@nox.session(python=False)
def tests(session: nox.Session) -> None:
    """Everything CI runs: the servers' set-up, the tox matrix, the cross-distribution checks.

    Each tox environment's output is kept and printed only when it fails; the table of
    every environment's tests comes last (``nox -s summary``), after the quick benchmark.
    """
    _tool(session, "servers.py")
    if not sys.stdout.isatty():
        # Plain logs: no colours, spinners or progress bars (uv, twine, tox, pytest).
        os.environ.update(NO_COLOR="1", UV_NO_PROGRESS="1", PY_COLORS="0", TERM="dumb")
    tox = str(Path(TOOLS_PYTHON).parent / "tox")
    parallel = os.environ.get("TASKLOOM_TOX_PARALLEL", "2")
    # Files tests leave for people to look at (the webserver's browser screenshots).
    os.environ.setdefault("TASKLOOM_ARTEFACTS", str(wheels.CACHE / "artefacts"))
    shutil.rmtree(wheels.CACHE / "junit", ignore_errors=True)
    # The images (mostly waiting on Debian's mirror, PyPI and disk copies) build and test
    # alongside the tox matrix; their output is printed once the other checks are done.
    images_log_path = wheels.CACHE / "images-session.log"
    images_log_path.parent.mkdir(parents=True, exist_ok=True)
    with images_log_path.open("w") as images_log:
        images_session = subprocess.Popen(
            [str(Path(TOOLS_PYTHON).parent / "nox"), "-s", "images"],
            cwd=ROOT,
            stdout=images_log,
            stderr=subprocess.STDOUT,
        )
    tox_ok = True
    try:
        try:
            session.run(
                tox, "run-parallel", "--parallel", parallel, "--parallel-no-spinner", external=True
            )
        except nox.command.CommandFailed:
            tox_ok = False  # still run the cross-distribution checks, then fail
        for step in (build, install_matrix, release, changed, codeowners):
            session.log(f"--- nox -s {step.__name__}")
            step(session)
        images_ok = images_session.wait() == 0
        session.log("--- nox -s images (ran alongside the tox matrix)")
        print(images_log_path.read_text(), flush=True)
        if not tox_ok:
            session.error("some tox environments failed (their output is above)")
        if not images_ok:
            session.error("nox -s images failed (its output is above)")
        # The benchmark harness runs in its quick mode so it never rots (figures are not asserted).
        session.notify("bench", posargs=["--quick"])
    finally:
        if images_session.poll() is None:  # a step above failed first: stop the image session
            images_session.terminate()
            images_session.wait()
        session.notify("summary")  # queued last: the table closes the run, even a failed one


@nox.session(python=False)
def summary(session: nox.Session) -> None:
    """The table of the last test run: each tox environment's passed/failed/skipped tests and time."""
    _tool(session, "junit_summary.py")
