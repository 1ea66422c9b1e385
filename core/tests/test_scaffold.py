"""Tests of ``taskloom providers new`` (taskloom/_scaffold).

The end-to-end test builds the scaffolded provider's wheel, installs it next to core's
wheel in a fresh environment, and shows discovery, ``BaseHook.get_hook`` and the
provider's own test suite working there, with no change to core.
"""

from __future__ import annotations

import json
import threading
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from provider_envs import Env
from provider_envs import build_wheel
from provider_envs import new_env

from taskloom.cli import cli
from taskloom.registry.info import load_provider_json
from taskloom.registry.scaffold import ScaffoldError
from taskloom.registry.scaffold import write_provider

EXPECTED_FILES = [
    "CHANGELOG.md",
    "README.md",
    "changelog.d/+first-release.feature.md",
    "pyproject.toml",
    "src/taskloom/providers/acme_crm/__init__.py",
    "src/taskloom/providers/acme_crm/hooks/__init__.py",
    "src/taskloom/providers/acme_crm/hooks/acme_crm.py",
    "src/taskloom/providers/acme_crm/operators/__init__.py",
    "src/taskloom/providers/acme_crm/operators/acme_crm.py",
    "src/taskloom/providers/acme_crm/provider.json",
    "src/taskloom/providers/acme_crm/py.typed",
    "test-requirements.txt",
    "tests/conftest.py",
    "tests/test_hooks.py",
    "tests/test_operators.py",
    "tests/test_provider.py",
]


def test_writes_a_complete_distribution(tmp_path: Path) -> None:
    """Every file of a provider distribution is written, and nothing else."""
    scaffold = write_provider("acme_crm", tmp_path / "out")
    assert scaffold.files == EXPECTED_FILES
    written = sorted(
        str(p.relative_to(scaffold.root)) for p in scaffold.root.rglob("*") if p.is_file()
    )
    assert written == EXPECTED_FILES


def test_generated_metadata_and_packaging_follow_the_contract(tmp_path: Path) -> None:
    """provider.json passes the schema; pyproject has the entry point, the core range and an explicit include."""
    root = write_provider("acme_crm", tmp_path / "out").root
    package = root / "src" / "taskloom" / "providers" / "acme_crm"
    info = load_provider_json(str(package / "provider.json"), provider_id="acme_crm")
    conn = info.connection_types["acme_crm"]
    assert conn.hook_class == "taskloom.providers.acme_crm.hooks.acme_crm.AcmeCrmHook"
    assert conn.secret_extra_fields == frozenset({"api_secret"})
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["name"] == "taskloom-provider-acme-crm"
    assert project["project"]["entry-points"]["taskloom.providers"] == {
        "acme_crm": "taskloom.providers.acme_crm"
    }
    assert "taskloom>=2.0,<3" in project["project"]["dependencies"]
    assert project["tool"]["setuptools"]["packages"]["find"]["include"] == [
        "taskloom.providers.acme_crm*"
    ]
    assert not (root / "src" / "taskloom" / "__init__.py").exists()
    assert not (root / "src" / "taskloom" / "providers" / "__init__.py").exists()
    for source in root.rglob("*.py"):
        compile(source.read_text(encoding="utf-8"), str(source), "exec")


@pytest.mark.parametrize(
    ("provider_id", "message"),
    [
        ("Acme", "cannot be a provider id: use lower-case letters"),
        ("acme-crm", "cannot be a provider id"),
        ("9lives", "cannot be a provider id"),
        ("class", "cannot be a provider id"),
        ("core", "reserved for core's built-in provider"),
    ],
)
def test_bad_ids_are_refused_with_the_rule(provider_id: str, message: str, tmp_path: Path) -> None:
    """An id that cannot name a package is refused before anything is written."""
    with pytest.raises(ScaffoldError, match=message):
        write_provider(provider_id, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_never_writes_into_a_non_empty_directory(tmp_path: Path) -> None:
    """An existing non-empty target is refused, so nothing of the user's is overwritten."""
    (tmp_path / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ScaffoldError, match="already exists and is not an empty directory"):
        write_provider("acme", tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_cli_writes_into_the_current_directory_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """taskloom providers new <id> creates ./taskloom-provider-<id>; bad ids are usage errors."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["providers", "new", "acme", "--output", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["directory"] == str(tmp_path / "taskloom-provider-acme")
    assert (
        tmp_path
        / "taskloom-provider-acme"
        / "src"
        / "taskloom"
        / "providers"
        / "acme"
        / "provider.json"
    ).is_file()
    result = CliRunner().invoke(cli, ["providers", "new", "Bad"])
    assert result.exit_code == 2
    assert "'Bad' cannot be a provider id" in result.output


# --- end to end ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Env]:
    """A scaffolded provider and a fresh environment with its wheel and core's wheel installed."""
    base = tmp_path_factory.getbasetemp()
    root = write_provider("acme_crm", base / "scaffold" / "taskloom-provider-acme-crm").root
    wheel = build_wheel(root, base)
    env = new_env(base, "scaffold-env", str(wheel), "pytest==9.2.0")
    return root, env


def test_scaffolded_provider_is_discovered_from_its_wheel(
    scaffolded: tuple[Path, Env], tmp_path: Path
) -> None:
    """providers list shows it ok, and providers check finds nothing wrong."""
    _, env = scaffolded
    result = env.run(["taskloom", "providers", "list", "--output", "json"], tmp_path / "home")
    assert result.returncode == 0, result.stderr
    rows = {row["id"]: row for row in json.loads(result.stdout)}
    assert (
        rows["acme_crm"]["distribution"],
        rows["acme_crm"]["version"],
        rows["acme_crm"]["state"],
    ) == (
        "taskloom-provider-acme-crm",
        "0.1.0",
        "ok",
    )
    result = env.run(["taskloom", "providers", "check"], tmp_path / "home")
    assert (result.returncode, result.stdout.strip()) == (
        0,
        "2 provider(s) checked: no problems.",
    ), result.stderr


def test_base_hook_resolves_the_scaffolded_hook(
    scaffolded: tuple[Path, Env], tmp_path: Path
) -> None:
    """BaseHook.get_hook builds the new provider's hook from a connection of its type."""
    _, env = scaffolded
    script = (
        "import sys; from taskloom.hooks.base import BaseHook; "
        "hook = BaseHook.get_hook('crm'); "
        "print(type(hook).__module__, type(hook).__name__, hook.base_url())"
    )
    conn = {"conn_type": "acme_crm", "host": "crm.example", "port": 8443, "password": "t"}
    result = env.run(
        ["python", "-c", script], tmp_path / "home", TASKLOOM_CONN_CRM=json.dumps(conn)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "taskloom.providers.acme_crm.hooks.acme_crm",
        "AcmeCrmHook",
        "https://crm.example:8443",
    ]


def test_scaffolded_provider_passes_its_own_tests(
    scaffolded: tuple[Path, Env], tmp_path: Path
) -> None:
    """The generated test suite passes against the installed wheel, straight away."""
    root, env = scaffolded
    result = env.run(
        ["python", "-m", "pytest", "-q", "-p", "no:cacheprovider"], tmp_path / "home", cwd=root
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 passed" in result.stdout


DAG_FILE = """
from datetime import datetime

from taskloom import DAG
from taskloom.providers.acme_crm.operators.acme_crm import AcmeCrmOperator

with DAG("acme_crm_demo", schedule=None, start_date=datetime(2026, 1, 1)):
    AcmeCrmOperator(task_id="fetch", endpoint="items/{{ ds }}")
    AcmeCrmOperator(task_id="broken", endpoint="fail")
"""


class _CrmHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.server.paths.append(self.path)  # type: ignore[attr-defined]
        status = 500 if self.path == "/fail" else 200
        body = json.dumps({"path": self.path}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def crm_server() -> Iterator[ThreadingHTTPServer]:
    """A real HTTP server on loopback: JSON for /items/*, a 500 for /fail."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CrmHandler)
    server.paths = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def test_a_dag_using_the_scaffolded_operator_runs_and_failures_point_at_the_provider(
    scaffolded: tuple[Path, Env], crm_server: ThreadingHTTPServer, tmp_path: Path
) -> None:
    """taskloom dags test runs the new operator; its failing task ends with the provider's issue tracker line."""
    _, env = scaffolded
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "acme_crm_demo.py").write_text(DAG_FILE, encoding="utf-8")
    conn = {
        "conn_type": "acme_crm",
        "host": "127.0.0.1",
        "port": crm_server.server_address[1],
        "extra": {"scheme": "http"},
    }
    result = env.run(
        ["taskloom", "dags", "test", "acme_crm_demo", "2026-01-02", "--subdir", str(dags)],
        tmp_path / "home",
        TASKLOOM_CONN_ACME_CRM_DEFAULT=json.dumps(conn),
    )
    assert result.returncode == 1, result.stdout + result.stderr
    lines = [line.split() for line in result.stdout.splitlines()]
    assert ["fetch", "success", "try", "1"] in lines, result.stdout + result.stderr
    assert "/items/2026-01-02" in crm_server.paths  # type: ignore[attr-defined]
    assert (
        "This error came from taskloom-provider-acme-crm 0.1.0; "
        "report it at https://example.com/taskloom-provider-acme-crm/issues"
    ) in result.stdout


def test_manifest_only_scaffold_is_data_and_is_discovered(tmp_path: Path) -> None:
    """--manifest-only writes provider.json + manifest.yaml and no Python module; core reads its spec and streams."""
    import json

    from taskloom.registry.info import parse_provider_info
    from taskloom.registry.manifest import manifest_metadata
    from taskloom.registry.scaffold import write_provider

    written = write_provider("acme_api", tmp_path / "p", manifest_only=True)
    package = "src/taskloom/providers/acme_api"
    assert [f for f in written.files if f.startswith("src/")] == [
        f"{package}/manifest.yaml",
        f"{package}/provider.json",
    ]
    data = json.loads((written.root / package / "provider.json").read_text())
    completed = manifest_metadata(str(written.root / package), data)
    info = parse_provider_info(data, source="provider.json", provider_id="acme_api")
    assert info.manifest_only
    assert completed["streams"] == ["items"]
    conn = completed["connection_types"]["acme_api"]
    assert conn["extra_fields"]["api_token"] == {
        "label": "API token",
        "description": "Sent as Authorization Bearer (masked in every log).",
        "type": "string",
        "secret": True,
        "required": True,
    }
    assert "taskloom-declarative>=1.0,<2" in (written.root / "pyproject.toml").read_text()
