"""Fixtures of the Amazon provider's tests: a real moto endpoint and an ``aws_default`` connection to it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from taskloom_testing.moto import MotoServer
from taskloom_testing.moto import moto_clean  # noqa: F401  (fixture)
from taskloom_testing.moto import moto_server  # noqa: F401  (fixture)

# The autouse taskloom_home fixture: a private TASKLOOM_HOME, no TASKLOOM_* settings of the caller.
pytest_plugins = ["taskloom_testing.home"]

#: The bucket most tests work in (created by the ``bucket`` fixture).
BUCKET = "taskloom-test-bucket"


@pytest.fixture(autouse=True)
def _no_aws_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No AWS_* settings from the caller (taskloom_home drops the TASKLOOM_* ones).

    The AWS config files point into the temp dir and instance metadata is off, so boto3
    never finds the developer's own credentials nor waits for an EC2 metadata server.
    """
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def aws(moto_clean: MotoServer, monkeypatch: pytest.MonkeyPatch) -> MotoServer:  # noqa: F811
    """An emptied moto server, and ``aws_default`` defined (``TASKLOOM_CONN_AWS_DEFAULT``) to reach it."""
    monkeypatch.setenv("TASKLOOM_CONN_AWS_DEFAULT", moto_clean.connection_json())
    return moto_clean


@pytest.fixture
def bucket(aws: MotoServer) -> str:
    """The name of an empty bucket that exists."""
    from taskloom.providers.amazon.hooks.s3 import S3Hook

    S3Hook().create_bucket(BUCKET)
    return BUCKET
