"""Hygiene for compat tests: a private TASKLOOM_HOME (the shared plugin), the test table helper importable."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

pytest_plugins = ["taskloom_testing.home"]
