"""A real ``redis-server`` on 127.0.0.1 for the redis provider's tests.

Two session fixtures:

- ``redis_server``: a password-protected server (``--requirepass``, so every test
  exercises authentication) with persistence off, in a temporary directory.  Set
  ``TASKLOOM_TEST_REDIS_HOST`` and/or ``TASKLOOM_TEST_REDIS_PORT`` (plus
  ``TASKLOOM_TEST_REDIS_PASSWORD`` when that server has one) to use a server that is
  already running instead.
- ``redis_tls_server``: a server that speaks only TLS and requires client certificates,
  with a throw-away CA, server and client certificate made by ``openssl`` in the
  temporary directory.  It always starts its own server, because the tests need the
  private keys that signed its certificates.

Both fail with the Debian package to install when ``redis-server`` (or ``openssl``) is
missing; they never skip.  The redis-py client is imported inside the fixtures only, so
importing this module never needs it.

:func:`publish_until_received` is a ``while_running`` for
:func:`taskloom_testing.dagrun.run_dags_test`: it publishes the message a pub/sub sensor
of the DAG waits for.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest

from taskloom_testing.servers import free_port
from taskloom_testing.servers import require_binary
from taskloom_testing.servers import wait_for_port

if TYPE_CHECKING:
    import redis

    from taskloom_testing.dagrun import WhileRunning

HOST = "127.0.0.1"


@dataclass(frozen=True)
class RedisTLSFiles:
    """The PEM files of a TLS-enabled test server: its CA and a client certificate."""

    #: CA certificate that signed both the server and the client certificate.
    ca_certs: Path
    #: Client certificate, signed by :attr:`ca_certs` (the server requires one).
    certfile: Path
    #: Private key of :attr:`certfile` (unencrypted).
    keyfile: Path


@dataclass(frozen=True)
class RedisServer:
    """Where a test Redis server listens and how to log in."""

    host: str
    port: int
    #: The ``requirepass`` password of the ``default`` user ("" when the server has none).
    password: str
    #: Certificates when the server speaks TLS on :attr:`port`, else ``None``.
    tls: RedisTLSFiles | None = None

    def uri(self, db: int = 0, *, scheme: str = "redis") -> str:
        """A taskloom connection URI for this server (the password percent-encoded)."""
        auth = f":{quote(self.password, safe='')}@" if self.password else ""
        return f"{scheme}://{auth}{self.host}:{self.port}/{db}"


def _external_server() -> RedisServer | None:
    host = os.environ.get("TASKLOOM_TEST_REDIS_HOST")
    port = os.environ.get("TASKLOOM_TEST_REDIS_PORT")
    if not host and not port:
        return None
    return RedisServer(
        host=host or HOST,
        port=int(port or 6379),
        password=os.environ.get("TASKLOOM_TEST_REDIS_PASSWORD", ""),
    )


def _openssl(*args: str, cwd: Path) -> None:
    openssl = require_binary("openssl", debian_package="openssl")
    done = subprocess.run([openssl, *args], cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"openssl {args[0]} failed while making test certificates:\n{done.stderr}")


def _make_certificates(directory: Path) -> tuple[RedisTLSFiles, Path, Path]:
    """Make a CA, a server and a client certificate; return client files, server cert, key.

    The extensions (key usage, key identifiers, a critical CA constraint) are the ones
    Python 3.13's stricter default verification (``VERIFY_X509_STRICT``) insists on.
    """
    days = "2"
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", days,
        "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=taskloom test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        "-addext", "subjectKeyIdentifier=hash",
        cwd=directory,
    )  # fmt: skip
    for name, usage in (("server", "serverAuth"), ("client", "clientAuth")):
        (directory / f"{name}.ext").write_text(
            "basicConstraints=critical,CA:FALSE\n"
            "keyUsage=critical,digitalSignature,keyEncipherment\n"
            f"extendedKeyUsage={usage}\n"
            "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
            "subjectKeyIdentifier=hash\n"
            "authorityKeyIdentifier=keyid\n"
        )
        _openssl(
            "req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key",
            "-out", f"{name}.csr", "-subj", "/CN=localhost",
            cwd=directory,
        )  # fmt: skip
        _openssl(
            "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", days, "-out", f"{name}.crt",
            "-extfile", f"{name}.ext",
            cwd=directory,
        )  # fmt: skip
    client = RedisTLSFiles(
        ca_certs=directory / "ca.crt",
        certfile=directory / "client.crt",
        keyfile=directory / "client.key",
    )
    return client, directory / "server.crt", directory / "server.key"


def _ping(server: RedisServer) -> None:
    """Fail unless the server answers PING with its password (the client is imported here)."""
    import redis

    kwargs: dict[str, object] = {}
    if server.tls is not None:
        kwargs = {
            "ssl": True,
            "ssl_ca_certs": str(server.tls.ca_certs),
            "ssl_certfile": str(server.tls.certfile),
            "ssl_keyfile": str(server.tls.keyfile),
        }
    client = redis.Redis(
        host=server.host,
        port=server.port,
        password=server.password or None,
        socket_timeout=10,
        **kwargs,  # type: ignore[arg-type]
    )
    try:
        if not client.ping():
            pytest.fail(f"redis-server on {server.host}:{server.port} did not answer PING")
    finally:
        client.close()


@contextmanager
def _running(directory: Path, *, tls: bool) -> Iterator[RedisServer]:
    """Start ``redis-server`` in ``directory``, yield where it listens, and stop it."""
    binary = require_binary("redis-server", debian_package="redis-server")
    port = free_port()
    password = f"tl-redis-{secrets.token_hex(12)}"
    args = [
        binary,
        "--bind", HOST,
        "--requirepass", password,
        "--save", "",
        "--appendonly", "no",
        "--dir", str(directory),
        "--logfile", "redis.log",
        "--daemonize", "no",
    ]  # fmt: skip
    tls_files = None
    if tls:
        tls_files, server_cert, server_key = _make_certificates(directory)
        args += [
            "--port", "0",
            "--tls-port", str(port),
            "--tls-cert-file", str(server_cert),
            "--tls-key-file", str(server_key),
            "--tls-ca-cert-file", str(tls_files.ca_certs),
            "--tls-auth-clients", "yes",
        ]  # fmt: skip
    else:
        args += ["--port", str(port)]
    # cwd=directory: the relative --logfile lands there, beside the certificates.
    process = subprocess.Popen(
        args, cwd=directory, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        try:
            wait_for_port(port, host=HOST, timeout=20)
        except pytest.fail.Exception:
            log = directory / "redis.log"
            detail = log.read_text() if log.exists() else ""
            pytest.fail(f"redis-server did not start on {HOST}:{port}; its log:\n{detail}")
        server = RedisServer(host=HOST, port=port, password=password, tls=tls_files)
        _ping(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A password-protected redis-server on 127.0.0.1 (or the one the environment names)."""
    external = _external_server()
    if external is not None:
        _ping(external)
        yield external
        return
    with _running(tmp_path_factory.mktemp("redis"), tls=False) as server:
        yield server


@pytest.fixture(scope="session")
def redis_tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A redis-server that speaks only TLS and requires a client certificate."""
    with _running(tmp_path_factory.mktemp("redis-tls"), tls=True) as server:
        yield server


def publish_until_received(
    client: redis.Redis, channel: str, data: str | bytes, *, timeout: float = 120
) -> WhileRunning:
    """A ``while_running``: publish ``data`` on ``channel`` every 50 ms until a subscriber got it.

    A sensor in the ``taskloom dags test`` process subscribes some time after the process
    starts, so one ``PUBLISH`` is not enough.  It stops once a subscriber received the
    message, the process ended, or ``timeout`` seconds passed.

    :param client: a redis-py client of the server the DAG's connection names.
    """

    def publish(process: subprocess.Popen[str]) -> None:
        deadline = time.monotonic() + timeout
        while process.poll() is None and time.monotonic() < deadline:
            if client.publish(channel, data):
                return
            time.sleep(0.05)

    return publish
