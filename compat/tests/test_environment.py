"""compat's test environment holds core, every provider and compat: they must agree."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys


def test_providers_check_is_clean_with_every_provider() -> None:
    """``taskloom providers check`` passes with all of the repository's providers installed."""
    installed = {ep.name for ep in importlib.metadata.entry_points(group="taskloom.providers")}
    assert {"amazon", "duckdb", "postgres", "redis", "slack", "smtp"} <= installed
    result = subprocess.run(
        [sys.executable, "-m", "taskloom", "providers", "check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
