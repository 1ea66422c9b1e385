"""Tests for taskloom.cli.connections: the `taskloom connections` commands, on a real metadata DB."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from click.testing import Result

from taskloom.cli import cli
from taskloom.secrets import get_connection
from taskloom.utils.secrets_masker import get_secrets_masker

SECRET = "cli-secret-password"


@pytest.fixture(autouse=True)
def _clean_masker() -> Iterator[None]:
    """Forget secrets registered by the test."""
    yield
    get_secrets_masker().clear()


def run(*args: str) -> Result:
    """Invoke `taskloom connections ...` in this process."""
    return CliRunner().invoke(cli, ["connections", *args], catch_exceptions=False)


def test_add_get_list_masks_unless_reveal(tmp_path: Path) -> None:
    """add stores a connection; get and list show *** for the password and secret extras, unless --reveal."""
    uri = f"https://svc:{SECRET}@api.example.com:8443/v1?api_token=token-secret-value&team=data"
    assert run("add", "api", "--conn-uri", uri).exit_code == 0
    db_file = str(tmp_path / "x.db")
    assert run("add", "lite", "--conn-type", "sqlite", "--conn-host", db_file).exit_code == 0
    for result in (
        run("get", "api"),
        run("get", "api", "-o", "json"),
        run("list"),
        run("list", "-o", "json"),
    ):
        assert result.exit_code == 0, result.output
        assert SECRET not in result.output
        assert "token-secret-value" not in result.output
        assert "***" in result.output
    shown = json.loads(run("get", "api", "-o", "json").output)
    assert shown["extra"] == {"api_token": "***", "team": "data"}
    assert shown["source"].startswith("metadata DB")
    listed = json.loads(run("list", "-o", "json").output)
    assert [(row["conn_id"], row["conn_type"], row["source"]) for row in listed] == [
        ("api", "https", "db"),
        ("lite", "sqlite", "db"),
    ]
    revealed = json.loads(run("get", "api", "--reveal", "-o", "json").output)
    assert revealed["password"] == SECRET
    assert revealed["extra"]["api_token"] == "token-secret-value"
    assert SECRET in run("list", "--reveal").output
    assert [
        row["conn_id"]
        for row in json.loads(run("list", "--conn-type", "sqlite", "-o", "json").output)
    ] == ["lite"]


def test_add_forms_and_overwrite() -> None:
    """--conn-json and separate --conn-* options work; an existing id needs --overwrite."""
    assert (
        run("add", "j", "--conn-json", json.dumps({"conn_type": "http", "host": "a"})).exit_code
        == 0
    )
    again = run(
        "add",
        "j",
        "--conn-type",
        "http",
        "--conn-host",
        "b",
        "--conn-port",
        "81",
        "--conn-extra",
        '{"x": "1"}',
    )
    assert again.exit_code == 2
    assert "already exists in the metadata DB; pass --overwrite" in again.output
    replaced = run(
        "add",
        "j",
        "--conn-type",
        "http",
        "--conn-host",
        "b",
        "--conn-port",
        "81",
        "--conn-extra",
        '{"x": "1"}',
        "--overwrite",
    )
    assert replaced.exit_code == 0
    conn = get_connection("j")
    assert (conn.host, conn.port, conn.extra_dejson) == ("b", 81, {"x": "1"})
    described = run("add", "d", "--conn-uri", "http://h", "--conn-description", "the reports API")
    assert described.exit_code == 0
    assert get_connection("d").description == "the reports API"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--conn-uri", f"postgres://u:{SECRET}@h:notaport/db", "--skip-validation"],
            "the port is not a number",
        ),
        (["--conn-uri", f"not a uri {SECRET}"], "is not a connection URI"),
        (["--conn-json", f'{{"password": "{SECRET}"'], "is not valid JSON"),
        (
            ["--conn-type", "http", "--conn-password", SECRET, "--conn-port", "eighty"],
            "the port is not a number",
        ),
        (
            ["--conn-type", "http", "--conn-password", SECRET, "--conn-extra", "[1]"],
            "extra must be a JSON object",
        ),
        (
            ["--conn-uri", f"nosuch://u:{SECRET}@h"],
            "no installed provider handles conn_type 'nosuch'",
        ),
        (["--conn-uri", f"postgres://u:{SECRET}@h"], "pip install taskloom-provider-postgres"),
        (["--conn-host", "h", "--conn-password", SECRET], "needs a conn_type"),
        (["--conn-uri", "http://h", "--conn-host", "other"], "give the connection one way"),
    ],
)
def test_add_rejects_bad_input_without_echoing_secrets(args: list[str], expected: str) -> None:
    """Malformed URIs/JSON, bad ports, unknown conn_types: exit 2, a clear message, no secret."""
    result = run("add", "bad", *args)
    assert result.exit_code == 2
    assert expected in result.output
    assert SECRET not in result.output


def test_add_skip_validation_and_field_warnings() -> None:
    """--skip-validation stores an unknown conn_type; fields a type hides draw a warning."""
    assert run("add", "later", "--conn-uri", "postgres://h/db", "--skip-validation").exit_code == 0
    assert get_connection("later").conn_type == "postgres"
    result = CliRunner().invoke(
        cli,
        [
            "connections",
            "add",
            "lite",
            "--conn-type",
            "sqlite",
            "--conn-host",
            "/x.db",
            "--conn-port",
            "1",
        ],
    )
    assert result.exit_code == 0
    assert "warning: SQLite connections do not use 'port'" in result.output


def test_get_reads_the_whole_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    """get finds environment connections too, and says where; a missing one lists the places searched."""
    monkeypatch.setenv("TASKLOOM_CONN_FROM_ENV", f"http://u:{SECRET}@env-host")
    shown = json.loads(run("get", "from_env", "-o", "json").output)
    assert (shown["host"], shown["password"], shown["source"]) == (
        "env-host",
        "***",
        "environment variable TASKLOOM_CONN_FROM_ENV",
    )
    listed = json.loads(run("list", "-o", "json").output)
    assert [(row["conn_id"], row["source"]) for row in listed] == [("from_env", "env")]
    missing = run("get", "ghost")
    assert missing.exit_code == 1
    assert (
        "connection 'ghost' is not defined. Looked in: environment variable TASKLOOM_CONN_GHOST"
        in missing.output
    )


def test_list_reports_a_broken_connections_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A connections file that is not valid YAML exits 1 naming the file, without its text."""
    path = tmp_path / "conns.yaml"
    path.write_text(f"a: http://u:{SECRET}@h\n  b: [\n")
    monkeypatch.setenv("TASKLOOM_CONNECTIONS_FILE", str(path))
    result = run("list")
    assert result.exit_code == 1
    assert f"connections file {path} is not valid YAML" in result.output
    assert SECRET not in result.output


def test_delete(monkeypatch: pytest.MonkeyPatch) -> None:
    """delete removes a DB connection; a missing one is an error, with a hint for env-defined ones."""
    run("add", "gone", "--conn-type", "http", "--conn-host", "h")
    assert run("delete", "gone").output == "Connection gone deleted from the metadata DB.\n"
    assert "is not in the metadata DB" in run("delete", "gone").output
    monkeypatch.setenv("TASKLOOM_CONN_ENVONLY", "http://h")
    assert "unset that instead" in run("delete", "envonly").output


@pytest.mark.parametrize("name", ["conns.json", "conns.yaml"])
def test_export_import_round_trip(tmp_path: Path, name: str) -> None:
    """export writes every DB connection (mode 0600); import reads it back, skipping existing ids."""
    run(
        "add",
        "api",
        "--conn-uri",
        f"https://svc:{SECRET}@api.example.com?__extra__=%7B%22retry%22%3A%7B%22total%22%3A5%7D%7D",
    )
    run(
        "add",
        "lite",
        "--conn-type",
        "sqlite",
        "--conn-host",
        "/data/x.db",
        "--conn-description",
        "local",
    )
    before = {conn_id: get_connection(conn_id) for conn_id in ("api", "lite")}
    target = tmp_path / name
    target.write_text("old")
    target.chmod(0o644)
    assert run("export", str(target)).exit_code == 0
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    data = (
        json.loads(target.read_text())
        if name.endswith(".json")
        else yaml.safe_load(target.read_text())
    )
    assert data["api"]["password"] == SECRET
    assert run("delete", "api").exit_code == 0
    result = run("import", str(target))
    assert result.exit_code == 0
    assert "Imported 1 connection(s)" in result.output
    assert "Skipped 1 that already exist (lite)" in result.output
    assert {conn_id: get_connection(conn_id) for conn_id in ("api", "lite")} == before


def test_export_env_and_stdout() -> None:
    """export --format env writes TASKLOOM_CONN_<ID>=<uri> lines that parse back."""
    run("add", "api", "--conn-uri", f"https://svc:{SECRET}@api.example.com")
    result = run("export", "-", "--format", "env")
    name, _, value = result.output.strip().partition("=")
    assert name == "TASKLOOM_CONN_API"
    assert get_connection("api").get_uri() == value
    assert run("export", "conns.txt").exit_code == 2


def test_import_rejects_bad_files(tmp_path: Path) -> None:
    """import of invalid YAML or an unknown conn_type stores nothing and explains why."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"x: {{password: {SECRET}\n")
    result = run("import", str(bad))
    assert result.exit_code == 2
    assert "is not valid YAML" in result.output
    assert SECRET not in result.output
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("x: nosuch://h\n")
    assert "no installed provider handles conn_type 'nosuch'" in run("import", str(unknown)).output
    assert json.loads(run("list", "-o", "json").output) == []


def test_test_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """test calls the hook's test_connection: exit 0 when it works, 1 when it does not."""
    monkeypatch.setenv(
        "TASKLOOM_CONN_GOOD", json.dumps({"conn_type": "sqlite", "host": str(tmp_path / "ok.db")})
    )
    monkeypatch.setenv(
        "TASKLOOM_CONN_BROKEN",
        json.dumps({"conn_type": "sqlite", "host": str(tmp_path / "no" / "dir.db")}),
    )
    monkeypatch.setenv("TASKLOOM_CONN_GEN", "generic://h")
    good = run("test", "good")
    assert good.exit_code == 0
    assert good.output.startswith("OK: good (sqlite, from environment variable TASKLOOM_CONN_GOOD)")
    broken = run("test", "broken")
    assert broken.exit_code == 1
    assert "FAILED: broken" in broken.output
    assert "OperationalError" in broken.output
    assert run("test", "gen").exit_code == 1
    assert run("test", "missing").exit_code == 1
