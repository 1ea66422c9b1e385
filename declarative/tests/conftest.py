"""Fixtures of the declarative runtime's tests: a private TASKLOOM_HOME and a fake API server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from taskloom.utils.secrets_masker import get_secrets_masker

pytest_plugins = ["taskloom_testing.home", "taskloom_testing.fake_api"]

MANIFESTS = Path(__file__).parent / "manifests"


@pytest.fixture(autouse=True)
def _forget_secrets() -> Iterator[None]:
    """Each test starts with no registered secrets."""
    get_secrets_masker().clear()
    yield
    get_secrets_masker().clear()
