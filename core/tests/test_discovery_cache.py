"""Tests of the discovery cache (taskloom.registry.discovery_cache): faster, never different.

Fixture providers are unpacked into a site directory on ``sys.path`` (see
``provider_envs.provider_site``); every test has its own TASKLOOM_HOME (taskloom_testing.home).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from provider_envs import install_into_site
from provider_envs import provider_site

from taskloom._version import __version__
from taskloom.providers_manager import ProviderState
from taskloom.providers_manager import build_registry
from taskloom.registry import discovery_cache

GOOD_JSON = Path("taskloom", "providers", "fixture_good", "provider.json")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    yield from provider_site(tmp_path, monkeypatch)


def _cache_files(home: Path) -> list[Path]:
    return sorted((home / "cache").glob("providers-*.json"))


def test_a_second_build_reuses_the_first_validation(
    site: Path, taskloom_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_into_site(site, "good")
    first = build_registry()
    (cache_file,) = _cache_files(taskloom_home)
    stored = json.loads(cache_file.read_text())
    assert stored["header"]["core"] == __version__
    assert str(site / GOOD_JSON) in stored["documents"]
    assert stored["core_ranges"] == {">=2.0,<3": True}  # as its Requires-Dist says

    def refuse(path: str, *, provider_id: str) -> object:
        raise AssertionError(f"{path} was validated again")

    monkeypatch.setattr(discovery_cache, "load_provider_document", refuse)
    second = build_registry()
    assert second.status("fixture_good").state is ProviderState.OK
    assert second.get("fixture_good") == first.get("fixture_good")
    assert second.providers() == first.providers()


def test_an_edited_provider_json_is_read_again(site: Path) -> None:
    install_into_site(site, "good")
    build_registry()
    path = site / GOOD_JSON
    document = json.loads(path.read_text())
    document["name"] = "Fixture Good, renamed"
    path.write_text(json.dumps(document))
    assert build_registry().get("fixture_good").name == "Fixture Good, renamed"


def test_broken_metadata_is_checked_every_time(site: Path) -> None:
    """Only successes are kept: a broken provider is reported until fixed, then works."""
    install_into_site(site, "malformed")
    status = build_registry().status("fixture_malformed")
    assert status.state is ProviderState.BROKEN
    assert build_registry().status("fixture_malformed").reason == status.reason
    good = json.loads(
        (Path(__file__).parent / "fixtures/providers/good/src" / GOOD_JSON).read_text()
    )
    fixed = json.dumps(good).replace("fixture_good", "fixture_malformed")
    (site / "taskloom" / "providers" / "fixture_malformed" / "provider.json").write_text(fixed)
    assert build_registry().status("fixture_malformed").state is ProviderState.OK


@pytest.mark.parametrize(
    "content",
    ["{not json", "[]", '{"header": {"format": 0}}', None],
    ids=["not-json", "not-an-object", "other-format", "other-core"],
)
def test_a_cache_file_that_does_not_fit_is_ignored_and_replaced(
    site: Path, taskloom_home: Path, content: str | None
) -> None:
    install_into_site(site, "good")
    build_registry()
    (cache_file,) = _cache_files(taskloom_home)
    if content is None:  # written by another core version
        stored = json.loads(cache_file.read_text())
        stored["header"]["core"] = "1.9.0"
        stored["documents"][str(site / GOOD_JSON)]["data"]["name"] = "from another core"
        content = json.dumps(stored)
    cache_file.write_text(content)
    assert build_registry().get("fixture_good").name == "Fixture Good"
    assert json.loads(cache_file.read_text())["header"]["core"] == __version__


def test_an_edited_cache_entry_falls_back_to_the_file(site: Path, taskloom_home: Path) -> None:
    install_into_site(site, "good")
    build_registry()
    (cache_file,) = _cache_files(taskloom_home)
    stored = json.loads(cache_file.read_text())
    del stored["documents"][str(site / GOOD_JSON)]["data"]["connection_types"]["fixture_good"][
        "hook_class"
    ]
    cache_file.write_text(json.dumps(stored))
    registry = build_registry()
    assert registry.connection_type("fixture_good").hook_class.endswith("GoodHook")


def test_a_home_that_cannot_be_written_costs_speed_not_correctness(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file-not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("TASKLOOM_HOME", str(blocker))
    install_into_site(site, "good")
    assert build_registry().status("fixture_good").state is ProviderState.OK
    assert build_registry().status("fixture_good").state is ProviderState.OK
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_an_incompatible_provider_is_reported_from_a_cached_verdict(site: Path) -> None:
    install_into_site(site, "newcore")
    for _ in range(2):
        status = build_registry().status("fixture_newcore")
        assert status.state is ProviderState.INCOMPATIBLE
        assert status.reason == f"it requires taskloom>=9, this is taskloom {__version__}"


def test_a_warm_process_imports_neither_packaging_nor_the_schema_validator(
    site: Path, taskloom_home: Path
) -> None:
    """What the cache is for: a new process with unchanged providers skips both costs."""
    install_into_site(site, "good")
    code = (
        "import sys\n"
        "from taskloom.providers_manager import get_registry\n"
        "states = [(s.provider_id, str(s.state)) for s in get_registry().providers()]\n"
        "print(states, 'packaging' in sys.modules, 'fastjsonschema' in sys.modules)\n"
    )
    env = {"PYTHONPATH": str(site), "TASKLOOM_HOME": str(taskloom_home)}

    def run() -> str:
        return subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        ).stdout.strip()

    states = "[('core', 'ok'), ('fixture_good', 'ok')]"
    assert run() == f"{states} True True"  # the first process validates and decides
    assert run() == f"{states} False False"
