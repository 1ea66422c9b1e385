"""Tests of the provider through core's CLI: ``taskloom connections test`` on ``aws`` connections."""

from __future__ import annotations

import pytest

from taskloom_testing.cli import run_taskloom
from taskloom_testing.moto import SECRET_ACCESS_KEY
from taskloom_testing.moto import MotoServer


def test_connections_test_succeeds(aws: MotoServer) -> None:
    """The CLI resolves AwsBaseHook from the conn_type and reports who AWS says the credentials are."""
    result = run_taskloom("connections", "test", "aws_default")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK: aws_default (aws, from ")
    assert "AWS knows these credentials as arn:aws:" in result.stdout


def test_connections_test_reports_wrong_credentials(
    aws: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wrong secret key fails the check with the fix, and the secret is in no output."""
    wrong = "wrong-cli-secret-value"
    monkeypatch.setenv(
        "TASKLOOM_CONN_AWS_DEFAULT", aws.connection_json().replace(SECRET_ACCESS_KEY, wrong)
    )
    with aws.authentication():
        result = run_taskloom("connections", "test", "aws_default")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "FAILED: aws_default" in output
    assert "AWS refused the credentials of connection 'aws_default'" in output
    assert wrong not in output
