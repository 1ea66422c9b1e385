"""``taskloom declarative ...`` as a user runs it: a new process, real files, a real server."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

from conftest import MANIFESTS

from taskloom_testing.fake_api import FakeAPI
from taskloom_testing.fake_api import Reply
from taskloom_testing.fake_api import Request

POKEMON = [{"id": i, "name": f"mon{i}"} for i in range(1, 51)]


def taskloom(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "taskloom", "declarative", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def serve_pokemon(api: FakeAPI) -> None:
    """A pokeapi-like list: 20 per page, ``next`` is the full URL of the next page."""

    def handler(req: Request) -> Reply:
        offset = int(req.arg("offset") or 0)
        chunk = POKEMON[offset : offset + 20]
        more = offset + 20 < len(POKEMON)
        nxt = f"{api.url}/api/v2/pokemon?offset={offset + 20}&limit=20" if more else None
        return Reply.json({"count": len(POKEMON), "next": nxt, "results": chunk})

    api.route("/api/v2/pokemon", handler)


def test_validate_ok_and_every_problem_with_line(tmp_path: Path) -> None:
    """validate prints the streams of a good manifest, and each problem of a bad one (exit 1)."""
    good = taskloom("validate", str(MANIFESTS / "pokeapi_style.yaml"))
    assert good.returncode == 0, good.stderr
    assert "valid, 1 stream(s): pokemon" in good.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        (MANIFESTS / "pokeapi_style.yaml")
        .read_text()
        .replace(
            "    type: HttpRequester\n",
            "    type: HttpRequester\n    authenticator: {type: JwtAuthenticator}\n",
        )
        .replace('field_path: ["results"]', "field_path: results")
    )
    out = taskloom("validate", str(bad), "--output", "json")
    assert out.returncode == 1
    problems = json.loads(out.stdout)["problems"]
    # The line is where the component is written (in definitions), the path where it is used.
    assert problems == [
        "streams[0].retriever.record_selector.extractor.field_path (line 20): expected array, got the string 'results'",
        "streams[0].retriever.requester.authenticator (line 15): unsupported component 'JwtAuthenticator' "
        "(this field accepts NoAuth, BearerAuthenticator, BasicHttpAuthenticator, ApiKeyAuthenticator, "
        "OAuthAuthenticator, SessionTokenAuthenticator, SelectiveAuthenticator)",
    ]


def test_spec_discover_and_read_an_airbyte_style_manifest(
    fake_api: FakeAPI, tmp_path: Path
) -> None:
    """An Airbyte-style manifest runs unchanged: spec, discover, read with RequestPath paging and AddFields."""
    serve_pokemon(fake_api)
    manifest = str(MANIFESTS / "pokeapi_style.yaml")
    spec = taskloom("spec", manifest)
    assert "base_url: string (required) - Where the API lives." in spec.stdout
    found = json.loads(taskloom("discover", manifest, "--output", "json").stdout)["streams"]
    assert found[0]["primary_key"] == [["id"]]
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"base_url": fake_api.url}))
    read = taskloom(
        "read", manifest, "--stream", "pokemon", "--config", str(config), "--output", "json"
    )
    assert read.returncode == 0, read.stderr
    lines = [json.loads(line) for line in read.stdout.splitlines()]
    records, state = lines[:-1], lines[-1]
    assert [r["id"] for r in records] == list(range(1, 51))
    assert records[0] == {"id": 1, "name": "mon1", "source": "pokeapi", "id_plus": 1000001}
    assert state == {"type": "STATE", "stream": "pokemon", "state": {}, "records": 50}
    assert len(fake_api.requests) == 3


def test_read_masks_secrets_in_records_and_errors(fake_api: FakeAPI, tmp_path: Path) -> None:
    """A secret from the config never shows in printed records or in the error of a failed check."""
    secret = "tok-0123456789abcdef"
    fake_api.route(
        "/items",
        lambda req: Reply.json([{"id": 1, "echo": f"you sent {req.headers.get('Authorization')}"}]),
    )
    manifest = tmp_path / "m.yaml"
    manifest.write_text(
        "version: 6.5.0\n"
        "check: {stream_names: [items]}\n"
        "streams:\n"
        "  - type: DeclarativeStream\n"
        "    name: items\n"
        "    retriever:\n"
        "      requester:\n"
        f"        url_base: {fake_api.url}\n"
        "        path: /items\n"
        '        authenticator: {type: BearerAuthenticator, api_token: "{{ config.token }}"}\n'
        "      record_selector: {extractor: {field_path: []}}\n"
        "spec:\n"
        "  connection_specification:\n"
        "    properties: {token: {type: string, airbyte_secret: true}}\n"
    )
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"token": secret}))
    read = taskloom("read", str(manifest), "--stream", "items", "--config", str(config))
    assert read.returncode == 0, read.stderr
    assert json.loads(read.stdout.splitlines()[0]) == {"id": 1, "echo": "you sent Bearer ***"}
    fake_api.route("/items", lambda req: Reply.json({"message": f"token {secret} revoked"}, 403))
    check = taskloom("check", str(manifest), "--config", str(config))
    assert check.returncode == 1
    assert "HTTP 403" in check.stdout
    assert secret not in check.stdout + check.stderr


def test_check_against_a_closed_port_fails_in_seconds(tmp_path: Path) -> None:
    """An unreachable host: exit 1 within seconds with one line naming it, not the manifest's long backoff."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed when the block ends: connecting is refused
    secret = "tok-0123456789abcdef"
    manifest = tmp_path / "m.yaml"
    manifest.write_text(
        "version: 6.5.0\n"
        "check: {stream_names: [items]}\n"
        "streams:\n"
        "  - type: DeclarativeStream\n"
        "    name: items\n"
        "    retriever:\n"
        "      requester:\n"
        f"        url_base: http://127.0.0.1:{port}\n"
        "        path: /items\n"
        '        authenticator: {type: BearerAuthenticator, api_token: "{{ config.token }}"}\n'
        "        error_handler:\n"
        "          max_retries: 10\n"
        "          backoff_strategies: [{type: ExponentialBackoffStrategy, factor: 30}]\n"
        "      record_selector: {extractor: {field_path: []}}\n"
        "spec:\n"
        "  connection_specification:\n"
        "    properties: {token: {type: string, airbyte_secret: true}}\n"
    )
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"token": secret}))
    started = time.monotonic()
    check = taskloom("check", str(manifest), "--config", str(config), timeout=30)
    assert time.monotonic() - started < 15
    assert check.returncode == 1
    assert check.stdout.strip() == (
        f"stream 'items': cannot connect to 127.0.0.1:{port}: connection refused (3 attempts); "
        "check the connection's host and port and that this machine can reach it"
    )
    assert secret not in check.stdout + check.stderr
    assert "Traceback" not in check.stderr


def test_bad_inputs_are_one_line_errors(tmp_path: Path) -> None:
    """A missing file, an unknown provider, an unknown stream: a clear message, exit 1, no traceback."""
    missing = taskloom("spec", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 1
    assert "cannot read the file" in missing.stderr
    unknown = taskloom("spec", "no_such_provider")
    assert "no manifest-only provider 'no_such_provider' is installed" in unknown.stderr
    stream = taskloom("read", str(MANIFESTS / "pokeapi_style.yaml"), "--stream", "nope")
    assert "has no stream 'nope'; its streams are: pokemon" in stream.stderr
    assert "Traceback" not in missing.stderr + unknown.stderr + stream.stderr


def test_manifest_only_scaffold_validates_and_passes_its_own_tests(tmp_path: Path) -> None:
    """`taskloom providers new X --manifest-only` writes a provider whose manifest is valid and whose tests pass."""
    target = tmp_path / "acme"
    new = subprocess.run(
        [
            sys.executable,
            "-m",
            "taskloom",
            "providers",
            "new",
            "acme",
            "--manifest-only",
            "--dir",
            str(target),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert new.returncode == 0, new.stderr
    assert not list(target.rglob("src/**/*.py"))
    valid = taskloom("validate", str(target / "src/taskloom/providers/acme/manifest.yaml"))
    assert valid.returncode == 0, valid.stderr
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(target / "tests")],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=target,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "2 passed" in tests.stdout


def test_read_validates_records_against_the_stream_schema(
    fake_api: FakeAPI, tmp_path: Path
) -> None:
    """--validate names each record that breaks the schema, and exits 1."""
    POKEMON[2] = {"id": 3, "name": 5}
    try:
        serve_pokemon(fake_api)
        config = tmp_path / "config.json"
        config.write_text(json.dumps({"base_url": fake_api.url}))
        manifest = str(MANIFESTS / "pokeapi_style.yaml")
        read = taskloom(
            "read", manifest, "--stream", "pokemon", "--config", str(config), "--validate"
        )
    finally:
        POKEMON[2] = {"id": 3, "name": "mon3"}
    assert read.returncode == 1
    assert "record 3: name: 5 is not of type 'string'" in read.stderr
    assert "1 schema mismatch(es) in 50 records" in read.stderr
    assert len(read.stdout.splitlines()) == 50
