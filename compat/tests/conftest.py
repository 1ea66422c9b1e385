"""Hygiene for compat tests: a private TASKLOOM_HOME, the test table helper importable."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets its own TASKLOOM_HOME."""
    monkeypatch.setenv("TASKLOOM_HOME", str(tmp_path / "home"))
