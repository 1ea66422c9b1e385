"""Connection input errors name the actual cause and where the value came from (issue 22).

Each case runs the real ``taskloom`` command in a new process.
"""

from __future__ import annotations

import pytest

from taskloom_testing.cli import run_taskloom

SECRET = "s3cr3t"


@pytest.mark.parametrize(
    ("char", "encoded"),
    [("/", "%2F"), ("?", "%3F"), ("#", "%23")],
)
@pytest.mark.parametrize("port", [":5432", ""])
def test_an_unencoded_character_in_the_password_is_named(
    char: str, encoded: str, port: str
) -> None:
    """A raw '/', '?' or '#' in the password is diagnosed as such, with its encoding; never a port error."""
    uri = f"postgres://user:{SECRET}{char}x@db.example.com{port}/db"
    result = run_taskloom("connections", "add", "bad", "--conn-uri", uri)
    assert result.returncode == 2
    message = " ".join(result.stderr.split())
    assert f"the password has a raw {char!r}" in message
    assert encoded in message
    assert "port" not in message
    assert SECRET not in result.stderr + result.stdout


def test_an_unencoded_character_in_the_login_is_named() -> None:
    """The same for the login (no password given)."""
    uri = f"postgres://us/er@db.example.com/{SECRET}"
    result = run_taskloom("connections", "add", "bad", "--conn-uri", uri)
    assert result.returncode == 2
    assert "the login has a raw '/'" in " ".join(result.stderr.split())


@pytest.mark.parametrize(
    "args",
    [
        ["--conn-type", "http", "--conn-host", "h", "--conn-port", "abc"],
        ["--conn-json", '{"conn_type": "http", "host": "h", "port": "abc"}'],
    ],
)
def test_a_bad_port_outside_a_uri_gets_no_uri_hint(args: list[str]) -> None:
    """--conn-port abc and a JSON port say the port is not a number, and nothing about URIs."""
    result = run_taskloom("connections", "add", "bad", *args)
    assert result.returncode == 2
    message = " ".join(result.stderr.split())
    assert "the port is not a number" in message
    assert "URI" not in message
    assert "%3A" not in message


@pytest.mark.parametrize("port", ["0", "65536", "-1"])
def test_ports_outside_1_to_65535_are_refused(port: str) -> None:
    """Port 0 (no server listens there) and ports past 65535 are refused with the valid range."""
    result = run_taskloom(
        "connections", "add", "bad", "--conn-type", "http", "--conn-host", "h", "--conn-port", port
    )
    assert result.returncode == 2
    assert "between 1 and 65535" in " ".join(result.stderr.split())


@pytest.mark.parametrize("port", ["1", "65535"])
def test_the_ends_of_the_port_range_are_accepted(port: str) -> None:
    """1 and 65535 are stored."""
    result = run_taskloom(
        "connections", "add", "ok", "--conn-type", "http", "--conn-host", "h", "--conn-port", port
    )
    assert result.returncode == 0, result.stderr
    assert f'"port": {port}' in run_taskloom("connections", "get", "ok", "-o", "json").stdout


@pytest.mark.parametrize(
    ("value", "cause"),
    [
        ('{"conn_type": "http", "host": "h", "port": "abc"}', "the port is not a number"),
        (f"http://user:{SECRET}/x@h:80", "the password has a raw '/'"),
    ],
)
@pytest.mark.parametrize("command", ["get", "test"])
def test_a_bad_environment_variable_is_named_as_the_source(
    monkeypatch: pytest.MonkeyPatch, command: str, value: str, cause: str
) -> None:
    """connections get/test of a malformed TASKLOOM_CONN_<ID> name that variable and the cause."""
    monkeypatch.setenv("TASKLOOM_CONN_BAD", value)
    result = run_taskloom("connections", command, "bad")
    assert result.returncode != 0
    message = " ".join((result.stderr + result.stdout).split())
    assert "environment variable TASKLOOM_CONN_BAD" in message
    assert cause in message
    assert SECRET not in result.stderr + result.stdout


def test_an_at_sign_in_a_query_value_is_not_taken_for_a_login() -> None:
    """'@' after the host (an e-mail address in the query) is a value, not a misplaced login."""
    uri = "http://mail.example.com:25/?sender=me@example.com"
    result = run_taskloom("connections", "add", "ok", "--conn-uri", uri)
    assert result.returncode == 0, result.stderr
    stored = run_taskloom("connections", "get", "ok", "-o", "json").stdout
    assert '"sender": "me@example.com"' in stored
