"""A real AWS endpoint on 127.0.0.1: moto's server mode, started as a subprocess.

The tests reach it through boto3 with ``endpoint_url``, exactly as production code reaches
AWS: requests are signed, sent over HTTP and parsed back, so nothing in the client is
patched (``mock_aws`` decorators are never used). Fixtures:

- ``moto_server`` (session): starts ``python -m moto.server -H 127.0.0.1 -p <free port>``
  with the test environment's own interpreter, waits until it answers, yields a
  :class:`MotoServer`, and stops it afterwards.
- ``moto_clean`` (function): the same server, with every service's state wiped through
  moto's reset API (``POST /moto-api/reset``) before the test, and request
  authentication switched off again after it.

``TASKLOOM_TEST_MOTO_HOST`` / ``TASKLOOM_TEST_MOTO_PORT`` point the fixtures at a moto
server that is already running instead (its state is reset just the same).

moto is imported by the server process only, never by this module, so importing
``taskloom_testing.moto`` works without moto installed; the fixture then fails and names
the package to install.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from taskloom_testing.servers import free_port
from taskloom_testing.servers import wait_for_port

#: Credentials moto accepts while authentication is off (it accepts any).
ACCESS_KEY_ID = "testing-access-key"
SECRET_ACCESS_KEY = "testing-secret-key-never-logged"
REGION = "us-east-1"
#: Seconds the server may take to answer after it is started.
STARTUP_TIMEOUT = 120.0


@dataclass(frozen=True)
class MotoServer:
    """Where the moto server listens, and the controls of moto's HTTP API."""

    host: str
    port: int

    @property
    def endpoint_url(self) -> str:
        """The URL to hand boto3 as ``endpoint_url``."""
        return f"http://{self.host}:{self.port}"

    def connection_json(self, **extra: object) -> str:
        """The JSON form of a taskloom ``aws`` connection to this server, ``extra`` merged in.

        Set it as ``TASKLOOM_CONN_<ID>`` to point hooks at the server.
        """
        return json.dumps(
            {
                "conn_type": "aws",
                "login": ACCESS_KEY_ID,
                "password": SECRET_ACCESS_KEY,
                "extra": {"region_name": REGION, "endpoint_url": self.endpoint_url, **extra},
            }
        )

    def _post(self, path: str, body: bytes = b"") -> dict[str, str]:
        # text/plain: with urllib's default form content type the server reads no body.
        request = urllib.request.Request(
            f"{self.endpoint_url}{path}",
            data=body,
            method="POST",
            headers={"Content-Type": "text/plain"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            result: dict[str, str] = json.loads(response.read())
            return result

    def reset(self) -> None:
        """Wipe the state of every moto service (buckets, secrets, roles...)."""
        self._post("/moto-api/reset")

    def set_authentication(self, enabled: bool) -> None:
        """Switch checking of request signatures and IAM access keys on or off.

        While it is off (moto's default) any credentials are accepted; while it is on an
        unknown access key or a wrong secret key is refused as AWS would refuse it.
        """
        self._post("/moto-api/reset-auth", b"0" if enabled else b"inf")

    @contextlib.contextmanager
    def authentication(self) -> Iterator[None]:
        """Check credentials for the duration of the block (see :meth:`set_authentication`)."""
        self.set_authentication(True)
        try:
            yield
        finally:
            self.set_authentication(False)


def _external_server() -> MotoServer | None:
    host = os.environ.get("TASKLOOM_TEST_MOTO_HOST")
    port = os.environ.get("TASKLOOM_TEST_MOTO_PORT")
    if not host and not port:
        return None
    return MotoServer(host=host or "127.0.0.1", port=int(port or 5000))


def _require_moto_server() -> None:
    for module in ("moto.server", "flask", "flask_cors"):
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            pytest.fail(
                f"{module!r} cannot be imported, so moto's server cannot start; install it "
                "with `pip install 'moto[server]'` (the tests use a real endpoint and never skip)."
            )


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    """A moto server on 127.0.0.1 for the whole test session."""
    external = _external_server()
    if external is not None:
        wait_for_port(external.port, host=external.host)
        yield external
        return
    _require_moto_server()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="taskloom-moto-") as workdir:
        log_path = os.path.join(workdir, "moto.log")
        env = {**os.environ, "MOTO_PORT": str(port)}
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                cwd=workdir,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            try:
                # moto imports every service's models at start: slow on a busy machine.
                wait_for_port(port, timeout=STARTUP_TIMEOUT)
            except BaseException:
                with open(log_path, encoding="utf-8", errors="replace") as fh:
                    print(f"moto server output:\n{fh.read()}", file=sys.stderr)
                raise
            yield MotoServer(host="127.0.0.1", port=port)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def moto_clean(moto_server: MotoServer) -> Iterator[MotoServer]:
    """The session's moto server, emptied before the test."""
    moto_server.reset()
    yield moto_server
    moto_server.set_authentication(False)
