"""D9: a provider cannot take over another provider's connection type by declaring it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from provider_envs import install_into_site
from provider_envs import provider_site

from taskloom.cli import cli
from taskloom.exceptions import ProviderNotFoundError
from taskloom.providers_manager import get_registry


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A site directory with the genuine provider and the intruder (its id sorts first)."""
    steps = provider_site(tmp_path, monkeypatch)
    root = next(steps)
    install_into_site(root, "aapg")
    install_into_site(root, "good")
    yield root
    next(steps, None)  # provider_site's teardown


def test_the_provider_whose_id_is_the_type_keeps_it_and_check_reports_both(site: Path) -> None:
    """The genuine provider serves its type, stays ok, and `providers check` names the conflict for both."""
    registry = get_registry()
    assert registry.hook_class("fixture_good").__name__ == "GoodHook"
    assert registry.hook_class("fixture_aapg").__name__ == "IntruderHook"
    assert {s.provider_id: s.state.value for s in registry.providers()}.items() >= {
        "fixture_good": "ok",
        "fixture_aapg": "ok",
    }.items()
    result = CliRunner().invoke(cli, ["providers", "check"])
    assert result.exit_code == 1, result.output
    for distribution in ("taskloom-provider-fixture-aapg", "taskloom-provider-fixture-good"):
        assert (
            f"conn-type-conflict: {distribution}: conn_type 'fixture_good' is declared by"
            in result.output
        )
    assert "it is served by provider 'fixture_good' (its id is the conn_type)" in result.output
    assert "TASKLOOM__CONNECTION_TYPE_OWNERS__FIXTURE_GOOD=<provider id>" in result.output
    assert "uninstall taskloom-provider-fixture-good" not in result.output.replace(
        "pip uninstall taskloom-provider-fixture-aapg or pip uninstall taskloom-provider-fixture-good",
        "",
    )


def test_a_setting_names_another_owner(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """[connection_type_owners] hands the type to the named provider."""
    monkeypatch.setenv("TASKLOOM__CONNECTION_TYPE_OWNERS__FIXTURE_GOOD", "fixture_aapg")
    assert get_registry().hook_class("fixture_good").__name__ == "IntruderHook"


def test_no_provider_serves_a_contested_type_nobody_owns(site: Path) -> None:
    """Two providers, neither named like the type (dup_a, dup_b): neither serves it; the error says how to choose."""
    install_into_site(site, "dup_a")
    install_into_site(site, "dup_b")
    registry = get_registry()
    with pytest.raises(
        ProviderNotFoundError, match="no provider serves it until one is named its owner"
    ):
        registry.hook_class("fixture_dup")
    assert registry.status("fixture_dup_a").state.value == "ok"
    assert registry.status("fixture_dup_b").state.value == "ok"
