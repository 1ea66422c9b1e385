"""A private ``TASKLOOM_HOME`` for every test of a suite: a pytest plugin.

::

    # providers/<id>/tests/conftest.py
    pytest_plugins = ["taskloom_testing.home"]

Its autouse fixture :func:`taskloom_home` then runs for every test, and a fixture or test
that needs the folder asks for ``taskloom_home``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

__all__ = ["taskloom_home"]

#: The caller's variables of these prefixes are dropped ...
DROPPED_PREFIX = "TASKLOOM"
#: ... but these, which point the server fixtures at running servers (see the README).
KEPT_PREFIX = "TASKLOOM_TEST_"


@pytest.fixture(autouse=True)
def taskloom_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private TASKLOOM_HOME, ``tmp_path / "taskloom-home"`` (not created), and no settings.

    The caller's ``TASKLOOM*`` variables are dropped, except ``TASKLOOM_TEST_*``. taskloom's
    cache of ``taskloom.toml`` is cleared before and after, so a test reads its own home's.
    """
    for name in list(os.environ):
        if name.startswith(DROPPED_PREFIX) and not name.startswith(KEPT_PREFIX):
            monkeypatch.delenv(name)
    home = tmp_path / "taskloom-home"
    monkeypatch.setenv("TASKLOOM_HOME", str(home))
    from taskloom import configuration

    configuration._file_settings.cache_clear()
    yield home
    configuration._file_settings.cache_clear()
