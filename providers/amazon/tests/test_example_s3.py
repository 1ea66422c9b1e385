"""Tests of ``example_dags/example_s3.py``: the example DAG, run end to end against moto."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from taskloom.providers.amazon.example_dags import example_s3
from taskloom.providers.amazon.hooks.s3 import S3Hook
from taskloom_testing.dagrun import run_dags_test
from taskloom_testing.moto import SECRET_ACCESS_KEY
from taskloom_testing.moto import MotoServer

DAG_FILE = Path(example_s3.__file__)
#: The logical date every run of these tests uses.
LOGICAL_DATE = "2026-01-02"


def test_example_dag_runs_end_to_end(aws: MotoServer, taskloom_home: Path) -> None:
    """Every task succeeds, twice in a row; no bucket is left; the logs never show the secret key."""
    for _ in range(2):
        outcome = run_dags_test(DAG_FILE, "example_s3", logical_date=LOGICAL_DATE)
        assert outcome.returncode == 0, outcome.output
    assert outcome.xcom("list_archive") == ["archive/2026-01-02/report.csv"]
    assert outcome.xcom("read_archive") == "region,orders\nnorth,120\nsouth,95\n"
    report = taskloom_home / "example_s3" / "report_20260102.csv"
    assert outcome.xcom("write_report") == str(report)
    assert not S3Hook().check_for_bucket(example_s3.BUCKET)
    logs = outcome.logs()
    uploaded = f"s3://{example_s3.BUCKET}/incoming/2026-01-02/report.csv"
    assert f"Uploaded {report} to {uploaded}" in logs
    assert "archived report has 3 lines" in logs
    for form in (SECRET_ACCESS_KEY, quote(SECRET_ACCESS_KEY, safe="")):
        assert form not in logs
        assert form not in outcome.output


def test_example_dag_fails_clearly_on_wrong_credentials(
    aws: MotoServer, taskloom_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a wrong secret key the run fails, the log says which connection to fix, and shows no secret."""
    wrong = "wrong-secret-key-that-must-not-leak"
    monkeypatch.setenv(
        "TASKLOOM_CONN_AWS_DEFAULT", aws.connection_json().replace(SECRET_ACCESS_KEY, wrong)
    )
    with aws.authentication():
        outcome = run_dags_test(DAG_FILE, "example_s3", logical_date=LOGICAL_DATE)
    assert outcome.returncode != 0
    logs = outcome.logs()
    assert "AWS refused the credentials of connection 'aws_default'" in logs
    for text in (logs, outcome.output):
        assert wrong not in text
        assert SECRET_ACCESS_KEY not in text
