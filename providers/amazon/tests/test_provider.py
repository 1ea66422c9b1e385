"""Tests of what is the Amazon provider's own in ``provider.json``: extras, secrets, hook lookup, masking.

The checks every provider owes core are in test_conformance.py (taskloom-testing's suite).
"""

from __future__ import annotations

import json
from importlib import resources
from urllib.parse import quote

import pytest

from taskloom.hooks.base import BaseHook
from taskloom.providers.amazon.hooks.base_aws import KNOWN_EXTRAS
from taskloom.providers.amazon.hooks.base_aws import AwsBaseHook
from taskloom.providers_manager import get_registry
from taskloom.utils.secrets_masker import redact
from taskloom_testing.moto import MotoServer

PROVIDER_JSON = json.loads(
    (resources.files("taskloom.providers.amazon") / "provider.json").read_text()
)


def test_registry_declares_the_aws_secrets() -> None:
    """The registry's ``aws`` declaration marks the secret key, session token and external id secret.

    That provider.json is valid and the provider usable is the conformance suite's part.
    """
    aws = get_registry().connection_type("aws")
    assert aws.hook_class == "taskloom.providers.amazon.hooks.base_aws.AwsBaseHook"
    assert aws.secret_extra_fields == {"aws_secret_access_key", "aws_session_token", "external_id"}


def test_extra_fields_match_what_the_hook_reads() -> None:
    """provider.json offers exactly the extras the hook accepts (plus assume_role_kwargs, a JSON object)."""
    declared = set(PROVIDER_JSON["connection_types"]["aws"]["extra_fields"])
    assert declared | {"assume_role_kwargs"} == KNOWN_EXTRAS


def test_importing_the_package_imports_no_boto3() -> None:
    """``import taskloom.providers.amazon`` stays cheap: boto3 loads when a hook is used."""
    import subprocess
    import sys

    code = "import sys, taskloom.providers.amazon; print('boto3' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_get_hook_resolves_the_aws_hook(aws: MotoServer) -> None:
    """``BaseHook.get_hook`` turns an ``aws`` connection into a working AwsBaseHook."""
    hook = BaseHook.get_hook("aws_default", client_type="s3")
    assert isinstance(hook, AwsBaseHook)
    assert hook.aws_conn_id == "aws_default"
    assert hook.conn.list_buckets()["Buckets"] == []


def test_secret_fields_are_masked(aws: MotoServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Once a hook read its connection, the secret key, session token and external id are redacted."""
    secret, token, external = "s3cret/key+with=chars", "FwoGZXIvYXdzEJr//token", "external-id-123"
    monkeypatch.setenv(
        "TASKLOOM_CONN_AWS_MASKED",
        json.dumps(
            {
                "conn_type": "aws",
                "extra": {
                    "aws_access_key_id": "AKIDMASKTEST",
                    "aws_secret_access_key": secret,
                    "aws_session_token": token,
                    "external_id": external,
                    "endpoint_url": aws.endpoint_url,
                },
            }
        ),
    )
    AwsBaseHook(aws_conn_id="aws_masked").get_session()
    for value in (secret, token, external):
        for form in (value, quote(value, safe="")):
            assert form not in redact(f"credentials: {form}")
    assert "AKIDMASKTEST" in redact("key id AKIDMASKTEST")  # the key id is not a secret
