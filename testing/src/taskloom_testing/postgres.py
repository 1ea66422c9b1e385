"""Real PostgreSQL servers for the tests: ``initdb`` + ``pg_ctl`` in a temporary directory.

Import the fixtures in a ``conftest.py``::

    from taskloom_testing.postgres import postgres_server  # noqa: F401  (fixture)
    from taskloom_testing.postgres import postgres_ssl_server  # noqa: F401  (fixture)

Each server listens on 127.0.0.1 at a free port, and its one user logs in with a password
checked by ``scram-sha-256`` (``pg_hba.conf``), so tests exercise real credentials.
``postgres_ssl_server`` accepts only SSL connections that also present a client
certificate signed by a throw-away CA (made with ``openssl``); the client key is
encrypted with a password, so ``sslrootcert``, ``sslcert``, ``sslkey`` and the key
password are all exercised for real.

The binaries come from Debian's ``postgresql`` package (``/usr/lib/postgresql/<version>/bin``).
``initdb`` refuses to run as root, so when the tests run as root the server runs as the
unprivileged ``postgres`` user that package creates (``runuser -u postgres --``).

Set ``TASKLOOM_TEST_POSTGRES_HOST`` (and ``_PORT``, ``_USER``, ``_PASSWORD``, ``_DB``) to
make ``postgres_server`` use an already running server instead.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

from taskloom_testing.servers import free_port
from taskloom_testing.servers import require_binary
from taskloom_testing.servers import wait_for_port

#: Where Debian installs the server binaries (not on ``PATH``).
DEBIAN_BIN_DIRS = ("/usr/lib/postgresql/*/bin",)
#: The unprivileged account that runs the server when the tests run as root.
SERVER_ACCOUNT = "postgres"
#: Name of the user and database the fixtures create.
USER = "taskloom"


@dataclass(frozen=True)
class PostgresServer:
    """How to reach the running server."""

    host: str
    port: int
    user: str
    #: Contains URI-special characters on purpose, so that encoding bugs show up.
    password: str
    database: str

    @property
    def uri(self) -> str:
        """A connection URI (``postgres://``) with every part percent-encoded."""
        return (
            f"postgres://{quote(self.user, safe='')}:{quote(self.password, safe='')}"
            f"@{self.host}:{self.port}/{quote(self.database, safe='')}"
        )


@dataclass(frozen=True)
class PostgresSslServer(PostgresServer):
    """A server that requires SSL and a client certificate, and the files to log in with."""

    #: CA certificate that signed the server's and the client's certificates.
    ca_cert: Path
    #: Client certificate (CN = the user).
    client_cert: Path
    #: Client key, encrypted with :attr:`client_key_password`.
    client_key: Path
    client_key_password: str


@dataclass(frozen=True)
class _SslFiles:
    ca_cert: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    client_key_password: str


def _as_server_account(cmd: list[str]) -> list[str]:
    """Prefix ``cmd`` so that it runs as :data:`SERVER_ACCOUNT` when we are root."""
    if os.geteuid() != 0:
        return cmd
    runuser = require_binary("runuser", debian_package="util-linux")
    return [runuser, "-u", SERVER_ACCOUNT, "--", *cmd]


def _run(cmd: list[str], what: str, *, log_file: Path | None = None) -> None:
    """Run a server tool as the server account; fail the test with its output (and log)."""
    result = subprocess.run(_as_server_account(cmd), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        log = log_file.read_text() if log_file is not None and log_file.exists() else ""
        pytest.fail(
            f"{what} failed (exit {result.returncode}):\n{result.stdout}\n{result.stderr}\n{log}"
        )


def _give_to_server_account(path: Path) -> None:
    """Hand ``path`` to the server account when we are root (it must read or write it)."""
    if os.geteuid() == 0:
        shutil.chown(path, user=SERVER_ACCOUNT, group=pwd.getpwnam(SERVER_ACCOUNT).pw_gid)


def _make_workdir() -> Path:
    """A private directory the server account can write (pytest's tmp dirs are root-only)."""
    workdir = Path(tempfile.mkdtemp(prefix="taskloom-postgres-"))
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_ACCOUNT)
        except KeyError:
            shutil.rmtree(workdir)
            pytest.fail(
                f"tests run as root but there is no {SERVER_ACCOUNT!r} user to run PostgreSQL; "
                "install it with `apt-get install -y postgresql` (which creates the user)."
            )
        _give_to_server_account(workdir)
    return workdir


def _openssl(command: str, *, cwd: Path) -> None:
    """Run ``openssl <command>`` (split like a shell line) in ``cwd``."""
    openssl = require_binary("openssl", debian_package="openssl")
    args = [openssl, *shlex.split(command)]
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.fail(f"openssl {args[1]} failed:\n{result.stderr}")


def _make_certificates(directory: Path) -> _SslFiles:
    """A throw-away CA, a server certificate for 127.0.0.1 and an encrypted client key."""
    directory.mkdir()
    key_password = f"key:@/{secrets.token_hex(6)}"
    sign = "x509 -req -CA ca.crt -CAkey ca.key -CAcreateserial -days 2"
    (directory / "server.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    for command in (
        "req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=taskloom-test-ca",
        "req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=localhost",
        f"{sign} -in server.csr -out server.crt -extfile server.ext",
        f"req -newkey rsa:2048 -keyout client.key -passout pass:{key_password} -out client.csr -subj /CN={USER}",
        f"{sign} -in client.csr -out client.crt",
    ):
        _openssl(command, cwd=directory)
    # libpq refuses a client key that others can read; the server its own key likewise.
    (directory / "client.key").chmod(0o600)
    (directory / "server.key").chmod(0o600)
    _give_to_server_account(directory / "server.key")
    return _SslFiles(
        ca_cert=directory / "ca.crt",
        server_cert=directory / "server.crt",
        server_key=directory / "server.key",
        client_cert=directory / "client.crt",
        client_key=directory / "client.key",
        client_key_password=key_password,
    )


@contextmanager
def _serve(*, ssl: _SslFiles | None = None, workdir: Path) -> Iterator[PostgresServer]:
    """Create a cluster in ``workdir``, start it, yield how to reach it, stop it."""
    initdb = require_binary("initdb", debian_package="postgresql", search=DEBIAN_BIN_DIRS)
    bin_dir = Path(initdb).resolve().parent  # PATH may hold a symlink to Debian's dir
    pg_ctl = str(bin_dir / "pg_ctl")
    data_dir, log_file = workdir / "data", workdir / "server.log"
    server = PostgresServer(
        host="127.0.0.1",
        port=free_port(),
        user=USER,
        password=f"pw:@/?#%{secrets.token_hex(8)}",
        database=USER,
    )
    pwfile = workdir / "pwfile"
    pwfile.write_text(server.password + "\n")
    _give_to_server_account(pwfile)
    initdb_cmd = [initdb, "-D", str(data_dir), "-U", server.user, f"--pwfile={pwfile}"]
    initdb_cmd += ["--auth=scram-sha-256", "--encoding=UTF8", "--no-locale", "--no-sync"]
    _run(initdb_cmd, "initdb")
    pwfile.unlink()
    options = (
        f"-c listen_addresses=127.0.0.1 -p {server.port} "
        f"-c unix_socket_directories={workdir} -c fsync=off"
    )
    if ssl is not None:
        options += (
            f" -c ssl=on -c ssl_cert_file={ssl.server_cert} -c ssl_key_file={ssl.server_key}"
            f" -c ssl_ca_file={ssl.ca_cert}"
        )
        # Over TCP: SSL with a password *and* a client certificate the CA signed, nothing else.
        (data_dir / "pg_hba.conf").write_text(
            "local all all scram-sha-256\n"
            "hostssl all all 127.0.0.1/32 scram-sha-256 clientcert=verify-full\n"
            "hostnossl all all 127.0.0.1/32 reject\n"
        )
    start = [pg_ctl, "-D", str(data_dir), "-l", str(log_file), "-o", options, "-w", "start"]
    _run(start, "pg_ctl start", log_file=log_file)
    try:
        wait_for_port(server.port)
        _createdb(bin_dir / "createdb", server, socket_dir=workdir)
        yield server
    finally:
        stop = [pg_ctl, "-D", str(data_dir), "-m", "immediate", "-w", "stop"]
        subprocess.run(_as_server_account(stop), capture_output=True, check=False)


def _createdb(createdb: Path, server: PostgresServer, *, socket_dir: Path) -> None:
    """Give the user a database of its own (initdb made only ``postgres``)."""
    # Through the socket, which needs no client certificate; the password travels by env.
    cmd = [str(createdb), "-h", str(socket_dir), "-p", str(server.port), "-U", server.user]
    env = {**os.environ, "PGPASSWORD": server.password}
    result = subprocess.run(
        _as_server_account([*cmd, server.database]),
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"createdb failed (exit {result.returncode}):\n{result.stderr}")


def _external_server() -> PostgresServer | None:
    host = os.environ.get("TASKLOOM_TEST_POSTGRES_HOST")
    if not host:
        return None
    return PostgresServer(
        host=host,
        port=int(os.environ.get("TASKLOOM_TEST_POSTGRES_PORT", "5432")),
        user=os.environ.get("TASKLOOM_TEST_POSTGRES_USER", "postgres"),
        password=os.environ.get("TASKLOOM_TEST_POSTGRES_PASSWORD", ""),
        database=os.environ.get("TASKLOOM_TEST_POSTGRES_DB", "postgres"),
    )


@contextmanager
def serve_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server on 127.0.0.1 with a password-authenticated user while the block
    runs, then stopped and deleted (or the external one the environment names).  Usable
    outside pytest too: the benchmarks start theirs with it."""
    external = _external_server()
    if external is not None:
        yield external
        return
    workdir = _make_workdir()
    try:
        with _serve(workdir=workdir) as server:
            yield server
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server on 127.0.0.1 with a password-authenticated user, for the session."""
    with serve_postgres() as server:
        yield server


@pytest.fixture(scope="session")
def postgres_ssl_server() -> Iterator[PostgresSslServer]:
    """A server that accepts only SSL logins with a password and a client certificate."""
    workdir = _make_workdir()
    try:
        files = _make_certificates(workdir / "certs")
        _give_to_server_account(workdir / "certs")
        with _serve(ssl=files, workdir=workdir) as server:
            yield PostgresSslServer(
                host=server.host,
                port=server.port,
                user=server.user,
                password=server.password,
                database=server.database,
                ca_cert=files.ca_cert,
                client_cert=files.client_cert,
                client_key=files.client_key,
                client_key_password=files.client_key_password,
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
