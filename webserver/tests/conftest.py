"""A real deployment for the webserver's tests: a metadata DB holding runs made by running
DAGs through the CLI, users of each role, and ``taskloom webserver`` serving it from its own
process on a free port of 127.0.0.1."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import httpx
import pytest

from taskloom_testing.postgres import PostgresServer
from taskloom_testing.postgres import postgres_server  # noqa: F401  (fixture)
from taskloom_testing.servers import free_port

DAGS = Path(__file__).parent / "dags"
#: The password of the connection the failing DAG reads: it must appear in no response.
SECRET_PASSWORD = "s3cret-Pa55word-never-shown"
#: The connection the failing DAG reads, as a URI.
SECRET_URI = f"http://loader:{SECRET_PASSWORD}@warehouse.example.com:8443/load"
#: A variable named like a secret, and its value.
SECRET_VARIABLE = ("warehouse_api_token", "tok-4f9d0c2e-must-stay-hidden")
#: Every user's password (long enough for ``taskloom users create``).
PASSWORD = "correct-horse-battery"
ROLES = ("viewer", "operator", "admin")


@dataclass
class Deployment:
    """A running webserver and the home it serves."""

    url: str
    #: ``sqlite`` or ``postgresql``: the metadata DB's backend.
    backend: str
    home: Path
    env: dict[str, str]
    #: Role -> API token of the user of that role (the user is named like the role).
    tokens: dict[str, str]
    process: subprocess.Popen[bytes]
    log: Path
    runs: dict[str, str] = field(default_factory=dict)

    def cli(
        self, *args: str, stdin: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run ``taskloom ARGS`` against this deployment's home."""
        result = subprocess.run(
            [sys.executable, "-m", "taskloom", *args],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=240,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"taskloom {' '.join(args)} failed:\n{result.stdout}{result.stderr}"
            )
        return result

    def api(self, role: str) -> httpx.Client:
        """A client of the REST API that authenticates with the token of ``role``'s user."""
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.tokens[role]}"}, timeout=30
        )


def home_env(home: Path, database_url: str | None = None) -> dict[str, str]:
    """The environment of a CLI or server process for ``home`` (nothing of the caller's
    TASKLOOM_*), with the metadata DB at ``database_url`` (default: SQLite in ``home``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKLOOM")}
    env.update(
        TASKLOOM_HOME=str(home),
        TASKLOOM_DAGS_FOLDER=str(home / "dags"),
        TASKLOOM__CORE__EXECUTOR="local",
        PYTHONUNBUFFERED="1",
    )
    if database_url is not None:
        env["TASKLOOM__DATABASE__URL"] = database_url
    return env


def start_server(
    env: dict[str, str], log: Path, *extra: str
) -> tuple[subprocess.Popen[bytes], int]:
    """``taskloom webserver`` on a free port; returns the process and the port once it answers."""
    port = free_port()
    with log.open("wb") as handle:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            [sys.executable, "-m", "taskloom", "webserver", "--port", str(port), *extra],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            pytest.fail(
                f"taskloom webserver exited with {process.returncode}:\n{log.read_text()[-3000:]}"
            )
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process, port
        except OSError:
            if time.monotonic() > deadline:
                stop(process)
                pytest.fail(f"taskloom webserver did not answer on port {port} within 60 s")
            time.sleep(0.05)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_id_of(output: str) -> str:
    """The run id ``taskloom dags test`` reports (``Run <run id>: <state>``)."""
    found = re.findall(r"^Run (\S+): \w+$", output, re.MULTILINE)
    assert found, f"no run id in:\n{output}"
    return found[-1]


def make_deployment(root: Path, backend: str, database_url: str | None) -> Deployment:
    """A home under ``root`` with the test DAGs, a connection and variables, one run of each
    of three DAGs made by ``taskloom dags test``, a user (and API token) per role, and the
    webserver serving it.  Stop it with :func:`stop` on ``.process``."""
    home = root / "home"
    shutil.copytree(DAGS, home / "dags")
    env = home_env(home, database_url)
    placeholder = Deployment("", backend, home, env, {}, None, home / "server.log")  # type: ignore[arg-type]
    placeholder.cli("connections", "add", "web_secret_db", "--conn-uri", SECRET_URI)
    placeholder.cli("variables", "set", *SECRET_VARIABLE)
    placeholder.cli("variables", "set", "region", "eu-west-1")
    runs = {}
    for dag_id in ("web_failing", "web_params", "web_flaky"):
        result = placeholder.cli("dags", "test", dag_id, check=False)
        runs[dag_id] = run_id_of(result.stdout + result.stderr)
    tokens = {}
    for role in ROLES:
        placeholder.cli(
            "users", "create", role, "--role", role, "--password-stdin", stdin=PASSWORD + "\n"
        )
        tokens[role] = placeholder.cli("users", "token", role).stdout.strip()
    process, port = start_server(env, home / "server.log")
    return Deployment(
        f"http://127.0.0.1:{port}", backend, home, env, tokens, process, home / "server.log", runs
    )


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def deployment(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    """The deployment every API and security test reads, once with the embedded SQLite
    metadata DB and once with a PostgreSQL server started for the session (tests that
    change state make their own runs)."""
    database_url = None
    if request.param == "postgresql":
        server: PostgresServer = request.getfixturevalue("postgres_server")
        database_url = server.uri
    made = make_deployment(
        tmp_path_factory.mktemp(f"web-{request.param}"), request.param, database_url
    )
    try:
        yield made
    finally:
        stop(made.process)


@pytest.fixture
def admin(deployment: Deployment) -> Iterator[httpx.Client]:
    with deployment.api("admin") as client:
        yield client


@contextlib.contextmanager
def login(
    deployment: Deployment, username: str, password: str = PASSWORD
) -> Iterator[httpx.Client]:
    """A browser-like client logged in through the login form (session cookie).

    :raises AssertionError: if the login fails.
    """
    with httpx.Client(base_url=deployment.url, timeout=30) as client:
        form = client.get("/login")
        response = client.post(
            "/login",
            data={
                "username": username,
                "password": password,
                "csrf_token": csrf_of(form.text),
                "next": "/",
            },
        )
        assert response.status_code == 303, response.text
        assert response.headers["location"] == "/", f"login as {username} failed"
        yield client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)


def dump(value: object) -> str:
    return json.dumps(value, indent=1, default=str)
