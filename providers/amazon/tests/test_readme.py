"""Tests of ``README.md``: every example works when pasted, against moto's server."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from taskloom.models.connection import Connection
from taskloom.providers.amazon.hooks.base_aws import AwsConnectionSettings
from taskloom.providers.amazon.hooks.s3 import S3Hook
from taskloom.providers.amazon.secrets.secrets_manager import SecretsManagerBackend
from taskloom_testing.dagrun import run_dags_test
from taskloom_testing.moto import REGION
from taskloom_testing.moto import MotoServer
from taskloom_testing.readme import Readme

README = Readme.of_tests(__file__)
_SECRET_STRING = re.compile(r"--secret-string '(.*)'$", re.MULTILINE)

PYTHON_EXAMPLES = README.python_blocks
HOOK_EXAMPLES = [code for code in PYTHON_EXAMPLES if "with DAG(" not in code]
(DAG_EXAMPLE,) = [code for code in PYTHON_EXAMPLES if "with DAG(" in code]
EXPORTS = README.exports()


def _expected_prints(example: str) -> list[str]:
    """What the example's ``print(...)  # value`` lines say they print."""
    return [line.partition("  # ")[2] for line in example.splitlines() if line.startswith("print(")]


def test_readme_has_the_examples_this_module_runs() -> None:
    """Two hook examples, one DAG, three connection exports and the secrets-backend settings."""
    assert len(HOOK_EXAMPLES) == 2
    assert len([name for name, _ in EXPORTS if name.startswith("TASKLOOM_CONN_")]) == 3
    assert {name for name, _ in EXPORTS} >= {
        "TASKLOOM__SECRETS__BACKEND",
        "TASKLOOM__SECRETS__BACKEND_KWARGS",
    }


@pytest.mark.parametrize("example", HOOK_EXAMPLES, ids=["s3_hook", "base_hook"])
def test_hook_example_runs(
    example: str,
    aws: MotoServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each hook example runs as pasted and prints what its comments say."""
    README.run(example, cwd=tmp_path)
    printed = [
        line for line in capsys.readouterr().out.splitlines() if line
    ]  # read_key keeps the newline
    expected = _expected_prints(example)
    assert expected, "the example has no `print(...)  # value` line to check"
    assert len(printed) == len(expected), printed
    for line, comment in zip(printed, expected, strict=True):
        assert line == (REGION if comment == "the connection's region_name" else comment)


def test_dag_example_runs(aws: MotoServer, taskloom_home: Path, tmp_path: Path) -> None:
    """The operator example is a DAG that ``taskloom dags test`` runs from start to end."""
    dag_file = tmp_path / "dags" / "readme_s3.py"
    dag_file.parent.mkdir()
    dag_file.write_text(DAG_EXAMPLE)
    report_dir = tmp_path / "tmp"
    report_dir.mkdir()
    (report_dir / "report_20260102.csv").write_text("north,120\n")
    outcome = run_dags_test(
        dag_file,
        "s3_reports",
        logical_date="2026-01-02",
        env={**os.environ, "TMPDIR": str(report_dir)},
    )
    assert outcome.returncode == 0, outcome.output
    assert not S3Hook().check_for_bucket("my-bucket")
    logs = outcome.logs()
    assert (
        "Copied s3://my-bucket/incoming/2026-01-02/report.csv to s3://my-bucket/archive/2026-01-02/report.csv"
        in logs
    )
    assert "Deleted 1 object(s) in bucket my-bucket" in logs


@pytest.mark.parametrize(
    "name_value", [e for e in EXPORTS if e[0].startswith("TASKLOOM_CONN_")], ids=lambda e: e[0]
)
def test_connection_examples_are_valid(name_value: tuple[str, str]) -> None:
    """Each connection example parses into an aws connection the hook accepts."""
    name, value = name_value
    conn_id = name.removeprefix("TASKLOOM_CONN_").lower()
    conn = Connection.from_text(value, conn_id=conn_id)
    assert conn.conn_type == "aws"
    settings = AwsConnectionSettings.from_connection(
        conn_id, conn.login, conn.password, conn.extra_dejson
    )
    assert settings.aws_access_key_id
    assert settings.aws_secret_access_key
    assert settings.region_name


def test_secrets_backend_examples_are_valid() -> None:
    """The backend settings construct the backend; the example secrets are valid connections."""
    values = dict(EXPORTS)
    assert (
        values["TASKLOOM__SECRETS__BACKEND"]
        == "taskloom.providers.amazon.secrets.secrets_manager.SecretsManagerBackend"
    )
    backend = SecretsManagerBackend(**json.loads(values["TASKLOOM__SECRETS__BACKEND_KWARGS"]))
    assert (
        backend.secret_name(backend.connections_prefix or "", "warehouse")
        == "taskloom/connections/warehouse"
    )
    secrets = [s for block in README.blocks("bash") for s in _SECRET_STRING.findall(block)]
    assert len(secrets) == 2
    types = [Connection.from_text(secret, conn_id="example").conn_type for secret in secrets]
    assert types == ["postgres", "http"]


def test_task_log_example_is_what_the_handler_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's logging settings pick the S3 handler, its bucket, prefix and connection."""
    from taskloom.utils.log.remote import remote_handler

    values = dict(EXPORTS)
    for name in (
        "TASKLOOM__LOGGING__REMOTE_BASE_LOG_FOLDER",
        "TASKLOOM__LOGGING__REMOTE_LOG_CONN_ID",
    ):
        monkeypatch.setenv(name, values[name])
    handler = remote_handler()
    assert type(handler).__name__ == "S3TaskLogHandler"
    assert (handler.bucket, handler.prefix, handler.conn_id) == (  # type: ignore[attr-defined]
        "my-log-bucket",
        "taskloom/logs/",
        "aws_logs",
    )
