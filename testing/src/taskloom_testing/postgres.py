"""A real PostgreSQL server for the tests: ``initdb`` + ``pg_ctl`` in a temporary directory.

Import the fixture in a ``conftest.py``::

    from taskloom_testing.postgres import postgres_server  # noqa: F401  (fixture)

The server listens on 127.0.0.1 at a free port, and its one user logs in with a password
checked by ``scram-sha-256`` (``pg_hba.conf``), so tests exercise real credentials. The
binaries come from Debian's ``postgresql`` package (``/usr/lib/postgresql/<version>/bin``).
``initdb`` refuses to run as root, so when the tests run as root the server runs as the
unprivileged ``postgres`` user that package creates (``runuser -u postgres --``).

Set ``TASKLOOM_TEST_POSTGRES_HOST`` (and ``_PORT``, ``_USER``, ``_PASSWORD``, ``_DB``) to
use an already running server instead.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
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
#: Name of the user and database the fixture creates.
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


def _make_workdir() -> Path:
    """A private directory the server account can write (pytest's tmp dirs are root-only)."""
    workdir = Path(tempfile.mkdtemp(prefix="taskloom-postgres-"))
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam(SERVER_ACCOUNT)
        except KeyError:
            shutil.rmtree(workdir)
            pytest.fail(
                f"tests run as root but there is no {SERVER_ACCOUNT!r} user to run PostgreSQL; "
                "install it with `apt-get install -y postgresql` (which creates the user)."
            )
        os.chown(workdir, account.pw_uid, account.pw_gid)
    return workdir


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


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server on 127.0.0.1 with a password-authenticated user, for the session."""
    external = _external_server()
    if external is not None:
        yield external
        return
    initdb = require_binary("initdb", debian_package="postgresql", search=DEBIAN_BIN_DIRS)
    bin_dir = Path(initdb).resolve().parent  # PATH may hold a symlink to Debian's dir
    pg_ctl = str(bin_dir / "pg_ctl")
    workdir = _make_workdir()
    data_dir, log_file = workdir / "data", workdir / "server.log"
    server = PostgresServer(
        host="127.0.0.1",
        port=free_port(),
        user=USER,
        password=f"pw:@/?#%{secrets.token_hex(8)}",
        database=USER,
    )
    try:
        pwfile = workdir / "pwfile"
        pwfile.write_text(server.password + "\n")
        if os.geteuid() == 0:
            shutil.chown(pwfile, user=SERVER_ACCOUNT)
        initdb_cmd = [initdb, "-D", str(data_dir), "-U", server.user, f"--pwfile={pwfile}"]
        initdb_cmd += ["--auth=scram-sha-256", "--encoding=UTF8", "--no-locale", "--no-sync"]
        _run(initdb_cmd, "initdb")
        pwfile.unlink()
        options = (
            f"-c listen_addresses=127.0.0.1 -p {server.port} "
            f"-c unix_socket_directories={workdir} -c fsync=off"
        )
        start = [pg_ctl, "-D", str(data_dir), "-l", str(log_file), "-o", options, "-w", "start"]
        _run(start, "pg_ctl start", log_file=log_file)
        try:
            wait_for_port(server.port)
            _createdb(bin_dir / "createdb", server)
            yield server
        finally:
            stop = [pg_ctl, "-D", str(data_dir), "-m", "immediate", "-w", "stop"]
            subprocess.run(_as_server_account(stop), capture_output=True, check=False)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _createdb(createdb: Path, server: PostgresServer) -> None:
    """Give the user a database of its own (initdb made only ``postgres``), over TCP."""
    cmd = [
        str(createdb),
        "-h",
        server.host,
        "-p",
        str(server.port),
        "-U",
        server.user,
        server.database,
    ]
    # The password travels in the environment, never on a command line.
    env = {**os.environ, "PGPASSWORD": server.password}
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        pytest.fail(f"createdb failed (exit {result.returncode}):\n{result.stderr}")
