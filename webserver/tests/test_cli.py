"""``taskloom users`` and ``taskloom webserver`` as a user runs them."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from conftest import csrf_of
from conftest import home_env
from conftest import start_server
from conftest import stop


def taskloom(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "taskloom", *args],
        env=home_env(home),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_users_create_list_delete(tmp_path: Path) -> None:
    """A user is created with a role, listed without its hash, and deleted with its tokens."""
    home = tmp_path / "home"
    made = taskloom(
        home,
        "users",
        "create",
        "ann",
        "--role",
        "operator",
        "--password-stdin",
        stdin="long-enough-pw\n",
    )
    assert made.returncode == 0, made.stderr
    assert made.stdout == "User ann created with role operator.\n"
    listed = taskloom(home, "users", "list").stdout
    assert listed.startswith("ann  operator  created ")
    assert "argon2" not in listed
    token = taskloom(home, "users", "token", "ann").stdout.strip()
    assert len(token) >= 40
    assert taskloom(home, "users", "delete", "ann").stdout == "User ann deleted.\n"
    assert "No users" in taskloom(home, "users", "list").stdout


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (
            ["create", "bob", "--role", "viewer", "--password-stdin"],
            "short\n",
            "shorter than 12 characters",
        ),
        (
            ["create", "bad name", "--role", "viewer", "--password-stdin"],
            "long-enough-pw\n",
            "is not allowed",
        ),
        (
            ["create", "bob", "--role", "root", "--password-stdin"],
            "long-enough-pw\n",
            "'root' is not one of",
        ),
        (["delete", "nobody"], None, "there is no user 'nobody'"),
        (["token", "nobody"], None, "there is no user 'nobody'; create it with"),
    ],
)
def test_users_errors_are_one_line(
    tmp_path: Path, args: list[str], stdin: str | None, message: str
) -> None:
    """Bad input gets one line saying what is wrong; no traceback, no password echoed."""
    result = taskloom(tmp_path / "home", "users", *args, stdin=stdin)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert "long-enough-pw" not in result.stderr


def test_a_taken_name_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    taskloom(
        home,
        "users",
        "create",
        "ann",
        "--role",
        "viewer",
        "--password-stdin",
        stdin="long-enough-pw\n",
    )
    again = taskloom(
        home,
        "users",
        "create",
        "ann",
        "--role",
        "admin",
        "--password-stdin",
        stdin="other-long-pw\n",
    )
    assert again.returncode == 1
    assert (
        "user 'ann' exists already; delete it first with `taskloom users delete ann`"
        in again.stderr
    )


def test_webserver_binds_loopback_by_default_and_warns_without_users(tmp_path: Path) -> None:
    """Without --host the server listens on 127.0.0.1 only, and says nobody can log in yet."""
    home = tmp_path / "home"
    log = tmp_path / "server.log"
    process, port = start_server(home_env(home), log)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
        sockets = [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]]
        # Listening sockets (state 0A) on the port: their local address.
        ours = [f[1] for f in sockets if f[1].endswith(f":{port:04X}") and f[3] == "0A"]
        assert ours == [f"0100007F:{port:04X}"], ours  # 127.0.0.1, not 0.0.0.0
    finally:
        stop(process)
    text = log.read_text()
    assert "no users yet, so nobody can log in" in text
    assert f"http://127.0.0.1:{port}" in text


def test_cookie_secure_setting_marks_the_cookies_secure(tmp_path: Path) -> None:
    """Behind an HTTPS proxy the server sees HTTP: [webserver] cookie_secure adds Secure."""
    home = tmp_path / "home"
    taskloom(
        home,
        "users",
        "create",
        "ann",
        "--role",
        "viewer",
        "--password-stdin",
        stdin="long-enough-pw\n",
    )
    env = {**home_env(home), "TASKLOOM__WEBSERVER__COOKIE_SECURE": "true"}
    process, port = start_server(env, tmp_path / "server.log")
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            form = client.get("/login")
            assert "; secure" in form.headers["set-cookie"].lower()
            # A client sends Secure cookies over HTTPS only: the proxy's side, here by hand.
            login_cookie = form.headers["set-cookie"].split(";")[0]
            response = client.post(
                "/login",
                data={
                    "username": "ann",
                    "password": "long-enough-pw",
                    "csrf_token": csrf_of(form.text),
                },
                headers={"Cookie": login_cookie},
            )
        session = next(
            c for c in response.headers.get_list("set-cookie") if c.startswith("taskloom_session=")
        )
        assert "; secure" in session.lower()
    finally:
        stop(process)


def test_repeated_wrong_passwords_are_throttled(tmp_path: Path) -> None:
    """After 5 wrong passwords for one name, even the right one is refused (429) for a while;
    another user name is not held back."""
    home = tmp_path / "home"
    for name in ("ann", "bob"):
        taskloom(
            home,
            "users",
            "create",
            name,
            "--role",
            "viewer",
            "--password-stdin",
            stdin="long-enough-pw\n",
        )
    process, port = start_server(home_env(home), tmp_path / "server.log")
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            token = csrf_of(client.get("/login").text)

            def attempt(name: str, password: str) -> httpx.Response:
                return client.post(
                    "/login", data={"username": name, "password": password, "csrf_token": token}
                )

            for _ in range(5):
                assert (
                    attempt("ann", "wrong-password-0")
                    .headers["location"]
                    .startswith("/login?error=1")
                )
            held = attempt("ann", "long-enough-pw")
            assert held.status_code == 429
            assert "too many wrong passwords for &#39;ann&#39;; try again in" in held.text
            assert attempt("bob", "long-enough-pw").headers["location"] == "/"
    finally:
        stop(process)
