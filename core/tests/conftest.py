"""Hygiene for every core test: a private TASKLOOM_HOME and no stray TASKLOOM_* settings."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point TASKLOOM_HOME at a fresh folder and drop TASKLOOM_* variables from the caller."""
    for name in list(os.environ):
        if name.startswith("TASKLOOM"):
            monkeypatch.delenv(name)
    home = tmp_path / "taskloom-home"
    monkeypatch.setenv("TASKLOOM_HOME", str(home))
    from taskloom import configuration

    configuration._file_settings.cache_clear()
    yield home
    configuration._file_settings.cache_clear()
