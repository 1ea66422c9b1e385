"""Fresh virtual environments with core and real provider wheels installed, for end-to-end tests.

Used by ``test_cli_providers.py``, ``test_providers_manager.py`` and ``test_scaffold.py``.
Each environment is built once per test session (:func:`functools.cache` keyed by the
session's base temp directory): the sources are copied out of the tree first, so a build
never writes into the shared working tree, then built into wheels and installed
non-editable, as users install them.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

#: core/ (this file is core/tests/provider_envs.py).
CORE_DIR = Path(__file__).resolve().parents[1]
FIXTURE_PROVIDERS = CORE_DIR / "tests" / "fixtures" / "providers"
#: The fixture providers installed by :func:`fixture_env`.
FIXTURE_NAMES = ("good", "malformed", "badimport", "newcore", "dup_a", "dup_b")
_COPY_IGNORE = shutil.ignore_patterns(
    "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", "tests"
)


def find_uv() -> list[str]:
    """The command that runs uv, or fail saying how to provide it.

    Looked for in order: ``$TASKLOOM_TEST_UV``, beside this Python, on ``PATH``,
    ``python -m uv``, then the repository's pinned tools (``.tools/venv`` made by
    ``tools/run.py``, or ``.venv-tools``).
    """
    configured = os.environ.get("TASKLOOM_TEST_UV")
    if configured:
        return [configured]
    beside = Path(sys.executable).parent / "uv"
    if beside.is_file():
        return [str(beside)]
    on_path = shutil.which("uv")
    if on_path:
        return [on_path]
    probe = subprocess.run(
        [sys.executable, "-m", "uv", "--version"], capture_output=True, check=False
    )
    if probe.returncode == 0:
        return [sys.executable, "-m", "uv"]
    for local in (
        CORE_DIR.parent / ".tools" / "venv" / "bin" / "uv",
        CORE_DIR.parent / ".venv-tools" / "bin" / "uv",
    ):
        if local.is_file():
            return [str(local)]
    pytest.fail(
        "these tests build wheels and fresh environments with uv, which was not found: "
        "install it (`pip install uv`), put it on PATH, or set TASKLOOM_TEST_UV to its path"
    )


def run(cmd: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run ``cmd``; fail the test with its output if it fails, else return its stdout."""
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout


@dataclass(frozen=True)
class Env:
    """A virtual environment and how to run things in it."""

    root: Path

    @property
    def python(self) -> str:
        return str(self.root / "bin" / "python")

    @property
    def taskloom(self) -> str:
        return str(self.root / "bin" / "taskloom")

    def environ(self, home: Path, **extra: str) -> dict[str, str]:
        """A clean environment for subprocesses: no TASKLOOM_* from the caller, a private home."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TASKLOOM", "PYTHON"))}
        env["TASKLOOM_HOME"] = str(home)
        env.update(extra)
        return env

    def run(
        self, args: list[str], home: Path, *, cwd: Path | None = None, **extra: str
    ) -> subprocess.CompletedProcess[str]:
        """Run ``args`` (``args[0]`` is ``python`` or ``taskloom``) inside this environment."""
        program = {"python": self.python, "taskloom": self.taskloom}.get(args[0], args[0])
        return subprocess.run(
            [program, *args[1:]],
            cwd=cwd or home.parent,
            env=self.environ(home, **extra),
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )


def _copy(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, ignore=_COPY_IGNORE)
    return target


@functools.cache
def core_wheel(base: Path) -> Path:
    """Build core's wheel from a copy of ``core/`` (once per session)."""
    out = base / "wheels"
    source = _copy(CORE_DIR, base / "src" / "core")
    run([*find_uv(), "build", "--wheel", "--quiet", "--out-dir", str(out), str(source)])
    (wheel,) = out.glob("taskloom-*.whl")
    return wheel


def build_wheel(source: Path, base: Path) -> Path:
    """Build the wheel of the distribution at ``source`` from a copy; return its path."""
    copy = _copy(source, base / "src" / source.name)
    out = base / "wheels" / source.name
    run([*find_uv(), "build", "--wheel", "--quiet", "--out-dir", str(out), str(copy)])
    (wheel,) = out.glob("*.whl")
    return wheel


def new_env(base: Path, name: str, *requirements: str) -> Env:
    """A fresh virtual environment under ``base`` with core's wheel and ``requirements``."""
    env = Env(base / name)
    run([*find_uv(), "venv", "--quiet", "--python", sys.executable, str(env.root)])
    run(
        [
            *find_uv(),
            "pip",
            "install",
            "--quiet",
            "--python",
            env.python,
            str(core_wheel(base)),
            *requirements,
        ]
    )
    return env


@functools.cache
def fixture_env(base: Path) -> Env:
    """Core plus every fixture provider, each from its own wheel.

    The fixtures are installed with ``--no-deps``: one of them requires ``taskloom>=9``,
    which is exactly the situation discovery must survive (pip would refuse it; an older
    resolver, ``--no-deps`` or a core downgrade after the fact all produce it).
    """
    env = new_env(base, "fixture-env")
    wheels = [str(build_wheel(FIXTURE_PROVIDERS / name, base)) for name in FIXTURE_NAMES]
    run([*find_uv(), "pip", "install", "--quiet", "--no-deps", "--python", env.python, *wheels])
    return env


def install_into_site(site: Path, fixture: str) -> None:
    """Install fixture provider ``fixture`` into ``site`` the way a wheel would be unpacked.

    Copies its package and writes a ``.dist-info`` with real ``METADATA`` and
    ``entry_points.txt``, so discovery reads genuine metadata in this process.
    """
    root = FIXTURE_PROVIDERS / fixture
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    shutil.copytree(root / "src" / "taskloom", site / "taskloom", dirs_exist_ok=True)
    dist_info = site / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    dist_info.mkdir()
    requires = "".join(f"Requires-Dist: {req}\n" for req in project.get("dependencies", ()))
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n{requires}",
        encoding="utf-8",
    )
    groups = project.get("entry-points", {})
    (dist_info / "entry_points.txt").write_text(
        "".join(
            f"[{group}]\n" + "".join(f"{name} = {value}\n" for name, value in eps.items())
            for group, eps in groups.items()
        ),
        encoding="utf-8",
    )


def provider_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Body of the ``site`` fixtures: an empty site directory on ``sys.path`` (and in ``taskloom.__path__``); see :func:`install_into_site`.

    The process-wide registry and the entry-point cache are reset around the test, and the
    fixture providers' modules are forgotten afterwards.
    """
    import taskloom
    from taskloom import providers_manager
    from taskloom.utils import entry_points

    root = tmp_path / "site"
    (root / "taskloom").mkdir(parents=True)
    monkeypatch.syspath_prepend(str(root))
    # taskloom.__path__ was extended once, at import time: add the new directory as
    # pkgutil.extend_path would have, had it been on sys.path then.
    monkeypatch.setattr(taskloom, "__path__", [*taskloom.__path__, str(root / "taskloom")])
    monkeypatch.setattr(providers_manager, "_registry", None)
    entry_points.grouped_entry_points.cache_clear()
    yield root
    entry_points.grouped_entry_points.cache_clear()
    for name in [m for m in sys.modules if m.startswith("taskloom.providers.fixture_")]:
        del sys.modules[name]


@functools.cache
def editable_env(base: Path) -> Env:
    """Core from its wheel plus the good fixture provider installed editable (``pip install -e``).

    setuptools serves an editable namespace package through an import hook, so its
    directory is not in ``taskloom.providers.__path__``: discovery must still find it.
    """
    env = new_env(base, "editable-env")
    source = _copy(FIXTURE_PROVIDERS / "good", base / "src" / "editable-good")
    run(
        [
            *find_uv(),
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--python",
            env.python,
            "-e",
            str(source),
        ]
    )
    return env
