"""Tests of provider discovery, lazy hook resolution and isolation (taskloom.providers_manager).

Two ways, as STYLE.md §7 asks: real metadata (fixture providers unpacked into a site
directory on ``sys.path`` here, and built wheels in a fresh environment in
``test_cli_providers.py``), and hand-written ``.dist-info`` folders for the error paths a
real install rarely produces.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterable
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from provider_envs import install_into_site
from provider_envs import provider_site

from taskloom import providers_manager
from taskloom._version import __version__
from taskloom.exceptions import ConfigurationError
from taskloom.exceptions import DuplicateProviderError
from taskloom.exceptions import ProviderLoadError
from taskloom.exceptions import ProviderNotFoundError
from taskloom.exceptions import ProviderValidationError
from taskloom.providers_manager import ConnectionTypeInfo
from taskloom.providers_manager import ProviderInfo
from taskloom.providers_manager import ProviderRegistry
from taskloom.providers_manager import ProviderState
from taskloom.providers_manager import build_registry
from taskloom.providers_manager import builtin_provider
from taskloom.providers_manager import get_registry
from taskloom.providers_manager import issue_report_line
from taskloom.registry import compatibility
from taskloom.utils.entry_points import Distribution

GOOD_HOOK_MODULE = "taskloom.providers.fixture_good.hooks.good"


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A site directory on sys.path for fixture providers (see provider_envs.provider_site)."""
    yield from provider_site(tmp_path, monkeypatch)


def _fixture_modules() -> list[str]:
    return sorted(m for m in sys.modules if m.startswith("taskloom.providers.fixture_"))


def _install(site: Path, *fixtures: str) -> ProviderRegistry:
    for fixture in fixtures:
        install_into_site(site, fixture)
    return build_registry()


def test_discovery_reads_metadata_without_importing_provider_modules(site: Path) -> None:
    """A discovered provider is listed with its distribution and version, and none of its modules is imported."""
    registry = _install(site, "good")
    status = registry.status("fixture_good")
    assert (status.distribution, status.version, status.state) == (
        "taskloom-provider-fixture-good",
        "1.0.0",
        ProviderState.OK,
    )
    assert status.package_dir == os.path.realpath(site / "taskloom" / "providers" / "fixture_good")
    assert registry.connection_type("fixture_good").hook_class == f"{GOOD_HOOK_MODULE}.GoodHook"
    assert _fixture_modules() == []


def test_executor_short_name_resolves_through_the_registry_without_importing(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A provider's executor is found by its short name from provider.json; only choosing it imports it."""
    from taskloom.executors import load_executor

    registry = _install(site, "good")
    path = "taskloom.providers.fixture_good.executors.good.GoodExecutor"
    assert registry.executor_class_path("fixture-good") == path
    assert registry.executor_class_path("celery") is None
    assert registry.get("fixture_good").to_dict()["executors"] == [
        {"name": "fixture-good", "class": path}
    ]
    assert _fixture_modules() == []
    monkeypatch.setattr(providers_manager, "_registry", registry)
    executor = load_executor("fixture-good")
    assert f"{type(executor).__module__}.{type(executor).__name__}" == path
    assert _fixture_modules() == [
        "taskloom.providers.fixture_good",
        "taskloom.providers.fixture_good.executors",
        "taskloom.providers.fixture_good.executors.good",
    ]


def test_default_queue_is_the_queue_of_the_operator_s_provider(site: Path) -> None:
    """An operator module of a provider that declares a queue defaults to it; other modules to none."""
    registry = _install(site, "good")
    assert (
        registry.default_queue("taskloom.providers.fixture_good.operators.good") == "fixture-queue"
    )
    assert registry.default_queue("taskloom.providers.fixture_good") == "fixture-queue"
    assert registry.default_queue("taskloom.providers.absent.operators.x") is None
    assert registry.default_queue("taskloom.operators.bash") is None
    assert registry.default_queue("dags.my_operators") is None


def test_hook_class_imports_only_that_hook_module(site: Path) -> None:
    """Resolving a conn_type imports its hook module and nothing else of the provider."""
    registry = _install(site, "good")
    hook = registry.hook_class("fixture_good")
    assert (hook.__module__, hook.__name__) == (GOOD_HOOK_MODULE, "GoodHook")
    assert "taskloom.providers.fixture_good.operators.good" not in sys.modules
    assert registry.hook_class("fixture_good") is hook


def test_builtin_provider_is_registered_first_with_core_conn_types(site: Path) -> None:
    """Core's own conn types come from _builtin_provider.json through the same register call."""
    registry = build_registry()
    core = registry.status("core")
    assert (core.distribution, core.state) == ("taskloom", ProviderState.OK)
    hooks = {
        ct: info.hook_class
        for ct, info in registry.connection_types().items()
        if info.provider_id == "core"
    }
    assert hooks == {
        "sqlite": "taskloom.hooks.sqlite.SqliteHook",
        "http": "taskloom.hooks.http.HttpHook",
        "https": "taskloom.hooks.http.HttpHook",
        "generic": "taskloom.hooks.base.BaseHook",
    }


def test_malformed_metadata_is_broken_and_others_keep_working(site: Path) -> None:
    """A schema error marks the provider broken, with the bad field's JSON path; the others still load."""
    registry = _install(site, "malformed", "good")
    status = registry.status("fixture_malformed")
    assert status.state is ProviderState.BROKEN
    # The first error (fastjsonschema stops there), with the file it is in and its JSON path.
    assert "fixture_malformed/provider.json does not match provider.schema.json at " in (
        status.reason
    )
    assert (
        "$.connection_types.fixture_malformed: must contain ['hook_class'] properties"
        in status.reason
    )
    assert "taskloom-provider-fixture-malformed" in status.fix
    assert registry.status("fixture_good").state is ProviderState.OK
    with pytest.raises(ProviderValidationError, match=r"fixture-malformed 1\.0\.0 is broken"):
        registry.get("fixture_malformed")


def test_hook_module_that_fails_to_import_raises_provider_load_error(site: Path) -> None:
    """An import error surfaces as ProviderLoadError from the cause; the provider turns broken, others stay ok."""
    registry = _install(site, "badimport", "good")
    assert registry.status("fixture_badimport").state is ProviderState.OK
    with pytest.raises(
        ProviderLoadError, match="taskloom_fixture_missing_client_library"
    ) as caught:
        registry.hook_class("fixture_badimport")
    assert isinstance(caught.value.__cause__, ModuleNotFoundError)
    assert caught.value.provider_id == "fixture_badimport"
    assert "https://example.invalid/issues/fixture_badimport" in str(caught.value)
    status = registry.status("fixture_badimport")
    assert status.state is ProviderState.BROKEN
    assert "pip install --force-reinstall taskloom-provider-fixture-badimport" in status.fix
    with pytest.raises(ProviderNotFoundError, match="which is broken"):
        registry.hook_class("fixture_badimport")
    with pytest.raises(ProviderLoadError, match="is broken: hook class taskloom"):
        registry.get("fixture_badimport")
    assert registry.hook_class("fixture_good").__name__ == "GoodHook"


def test_provider_requiring_newer_core_is_incompatible(site: Path) -> None:
    """Requires-Dist taskloom>=9 excludes this core: state incompatible, with both fixes."""
    registry = _install(site, "newcore")
    status = registry.status("fixture_newcore")
    assert status.state is ProviderState.INCOMPATIBLE
    assert status.reason == f"it requires taskloom>=9, this is taskloom {__version__}"
    assert 'pip install "taskloom>=9"' in status.fix
    assert 'pip install "taskloom-provider-fixture-newcore<1.0.0"' in status.fix
    with pytest.raises(ProviderNotFoundError, match="which is incompatible"):
        registry.connection_type("fixture_newcore")
    assert "taskloom.providers.fixture_newcore.hooks.newcore" not in sys.modules


def test_two_providers_claiming_one_conn_type_name_both_distributions(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Neither provider silently wins a contested conn_type (issue 21, D9): both stay ok, the
    type is served by none, the error names both; a setting names the owner."""
    registry = _install(site, "dup_a", "dup_b")
    assert registry.status("fixture_dup_a").state is ProviderState.OK
    assert registry.status("fixture_dup_b").state is ProviderState.OK
    assert registry.conflicts() == {"fixture_dup": ["fixture_dup_a", "fixture_dup_b"]}
    with pytest.raises(ProviderNotFoundError) as caught:
        registry.hook_class("fixture_dup")
    assert "taskloom-provider-fixture-dup-a 1.0.0" in str(caught.value)
    assert "taskloom-provider-fixture-dup-b 1.0.0" in str(caught.value)
    monkeypatch.setenv("TASKLOOM__CONNECTION_TYPE_OWNERS__FIXTURE_DUP", "fixture_dup_b")
    registry = _install(site)
    assert (
        registry.hook_class("fixture_dup").__module__
        == "taskloom.providers.fixture_dup_b.hooks.dup"
    )


def test_check_reports_every_problem_with_its_fix(site: Path) -> None:
    """check() imports every declared module and lists each broken, incompatible or clashing provider."""
    registry = _install(site, *("good", "malformed", "badimport", "newcore", "dup_a", "dup_b"))
    problems = {p.provider_id: p for p in registry.check() if p.provider_id.startswith("fixture_")}
    assert sorted(problems) == [
        "fixture_badimport",
        "fixture_dup_a",
        "fixture_dup_b",
        "fixture_malformed",
        "fixture_newcore",
    ]
    assert problems["fixture_newcore"].kind == "incompatible-core"
    message = problems["fixture_badimport"].message
    assert message.startswith(
        "hook_class entry taskloom.providers.fixture_badimport.hooks.bad.BadHook failed to import: "
        "ModuleNotFoundError: No module named 'taskloom_fixture_missing_client_library'; "
        "hooks entry taskloom.providers.fixture_badimport.hooks.bad failed to import"
    )
    assert all(p.fix for p in problems.values())
    assert "taskloom.providers.fixture_good.operators.good" in sys.modules
    assert str(problems["fixture_dup_b"]).startswith("taskloom-provider-fixture-dup-b: ")
    assert problems["fixture_dup_a"].kind == problems["fixture_dup_b"].kind == "conn-type-conflict"


def _edit_good_metadata(site: Path, **changes: object) -> None:
    install_into_site(site, "good")
    path = site / "taskloom" / "providers" / "fixture_good" / "provider.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update(changes)
    path.write_text(json.dumps(data), encoding="utf-8")


def test_metadata_id_must_match_the_entry_point(site: Path) -> None:
    """provider.json's id differing from the entry-point name is reported, not guessed."""
    _edit_good_metadata(site, id="something_else")
    status = build_registry().status("fixture_good")
    assert status.state is ProviderState.BROKEN
    assert (
        status.reason
        == "provider.json says id 'something_else' but its entry point is named 'fixture_good'"
    )


def test_metadata_may_only_name_code_in_its_own_package(site: Path) -> None:
    """A provider cannot declare modules of core or of another provider."""
    _edit_good_metadata(site, operators=["taskloom.operators.python"])
    status = build_registry().status("fixture_good")
    assert status.state is ProviderState.BROKEN
    assert status.reason == (
        "provider.json names code outside its package taskloom.providers.fixture_good: taskloom.operators.python"
    )


def test_disabled_providers_are_skipped(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """TASKLOOM_DISABLED_PROVIDERS keeps a provider out; it is listed as disabled."""
    install_into_site(site, "good")
    monkeypatch.setenv("TASKLOOM_DISABLED_PROVIDERS", " fixture_good , other")
    registry = build_registry()
    assert registry.status("fixture_good").state is ProviderState.DISABLED
    with pytest.raises(ProviderNotFoundError, match="TASKLOOM_DISABLED_PROVIDERS"):
        registry.get("fixture_good")
    assert "fixture_good" not in registry.connection_types()


def test_autoload_can_be_turned_off(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """TASKLOOM_DISABLE_PROVIDER_AUTOLOAD=1 loads no entry point; core's built-in provider remains."""
    install_into_site(site, "good")
    monkeypatch.setenv("TASKLOOM_DISABLE_PROVIDER_AUTOLOAD", "1")
    assert [s.provider_id for s in build_registry().providers()] == ["core"]


def test_autoload_switch_with_a_bad_value_says_what_to_use(monkeypatch: pytest.MonkeyPatch) -> None:
    """A value that is neither true nor false is a ConfigurationError naming the variable."""
    monkeypatch.setenv("TASKLOOM_DISABLE_PROVIDER_AUTOLOAD", "maybe")
    with pytest.raises(
        ConfigurationError, match="TASKLOOM_DISABLE_PROVIDER_AUTOLOAD must be 1 or 0"
    ):
        build_registry()


def test_load_entry_points_is_idempotent(site: Path) -> None:
    """A second call adds nothing and reports no duplicate."""
    install_into_site(site, "good")
    registry = ProviderRegistry()
    assert registry.load_entry_points() == 1
    assert registry.load_entry_points() == 0
    assert [p for p in registry.check() if p.kind == "duplicate"] == []


def test_get_registry_is_built_once_and_logs_unusable_providers(
    site: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The process-wide registry is cached; each broken provider gets one warning line with the fix."""
    install_into_site(site, "newcore")
    with caplog.at_level(logging.WARNING, logger="taskloom.providers_manager"):
        registry = get_registry()
        assert get_registry() is registry
    (record,) = caplog.records
    assert record.getMessage().startswith(
        "skipping provider 'fixture_newcore' (taskloom-provider-fixture-newcore 1.0.0)"
    )
    assert 'pip install "taskloom>=9"' in record.getMessage()


def _info(provider_id: str, *conn_types: str) -> ProviderInfo:
    return ProviderInfo(
        id=provider_id,
        name=provider_id.title(),
        description="test provider",
        connection_types={
            ct: ConnectionTypeInfo(
                conn_type=ct, hook_class="logging.Logger", display_name=ct, provider_id=provider_id
            )
            for ct in conn_types
        },
    )


def test_for_testing_holds_exactly_the_given_providers() -> None:
    """for_testing reads no metadata: only the providers passed in exist."""
    registry = ProviderRegistry.for_testing(_info("alpha", "alpha"))
    assert [s.provider_id for s in registry.providers()] == ["alpha"]
    assert registry.hook_class("alpha") is logging.Logger


def test_register_rejects_duplicate_ids_and_records_conn_type_conflicts() -> None:
    """register raises DuplicateProviderError for an id; a shared conn_type is a conflict, served by none."""
    registry = ProviderRegistry.for_testing(_info("alpha", "shared"))
    with pytest.raises(DuplicateProviderError, match="provider id 'alpha'"):
        registry.register(_info("alpha"))
    registry.register(_info("beta", "shared"))
    assert registry.conflicts() == {"shared": ["alpha", "beta"]}
    assert "shared" not in registry.connection_types()
    registry.block("beta")
    assert registry.connection_types()["shared"].provider_id == "alpha"


def test_block_removes_a_registered_provider() -> None:
    """block() after register() disables the provider and drops its conn types."""
    registry = ProviderRegistry.for_testing(_info("alpha", "alpha"))
    registry.block("alpha")
    assert registry.is_blocked("alpha")
    assert registry.status("alpha").state is ProviderState.DISABLED
    with pytest.raises(ProviderNotFoundError, match="disabled"):
        registry.hook_class("alpha")


def test_unknown_provider_lists_installed_ids() -> None:
    """get() of an unknown id names the installed ids and the distribution to install."""
    registry = ProviderRegistry.for_testing(builtin_provider())
    with pytest.raises(
        ProviderNotFoundError,
        match=r"installed: core\); install it with: pip install taskloom-provider-acme",
    ):
        registry.get("acme")


def test_unknown_conn_type_names_known_types_and_the_distribution() -> None:
    """An unknown conn_type lists the known ones, and for a repository provider the package to install."""
    registry = ProviderRegistry.for_testing(builtin_provider())
    with pytest.raises(ProviderNotFoundError) as caught:
        registry.hook_class("postgres")
    assert str(caught.value) == (
        "no installed provider handles conn_type 'postgres' (known: generic, http, https, sqlite); "
        "install the provider that does: pip install taskloom-provider-postgres"
    )
    assert caught.value.provider_id == "postgres"
    with pytest.raises(LookupError, match="fix the connection's conn_type"):
        registry.connection_type("nosuchtype")


def test_hook_class_that_is_not_a_class_is_a_load_error() -> None:
    """A hook_class path naming a function is reported, not returned."""
    info = ProviderInfo(
        id="alpha",
        name="Alpha",
        description="d",
        connection_types={
            "alpha": ConnectionTypeInfo(
                conn_type="alpha", hook_class="os.path.join", display_name="A", provider_id="alpha"
            )
        },
    )
    registry = ProviderRegistry.for_testing(info)
    with pytest.raises(ProviderLoadError, match=r"os\.path\.join is a function, not a class"):
        registry.hook_class("alpha")


def test_issue_report_line_names_the_provider_of_the_failing_frame(site: Path) -> None:
    """An exception raised in a provider's code points at its distribution, version and tracker."""
    hook = get_registry_with(site, "good").hook_class("fixture_good")
    with pytest.raises(RuntimeError) as caught:
        hook().fail()
    assert issue_report_line(caught.value) == (
        "This error came from taskloom-provider-fixture-good 1.0.0; "
        "report it at https://example.invalid/issues/fixture_good"
    )


def test_issue_report_line_follows_the_cause_chain(site: Path) -> None:
    """A ProviderLoadError raised in core is attributed to the provider whose import failed."""
    registry = get_registry_with(site, "badimport")
    with pytest.raises(ProviderLoadError) as caught:
        registry.hook_class("fixture_badimport")
    line = issue_report_line(caught.value)
    assert line is not None
    assert line.startswith("This error came from taskloom-provider-fixture-badimport 1.0.0")


def test_issue_report_line_is_none_outside_providers(site: Path) -> None:
    """Errors from core or user code name no provider."""
    get_registry_with(site, "good")
    with pytest.raises(ZeroDivisionError) as caught:
        _ = 1 / 0
    assert issue_report_line(caught.value) is None


def get_registry_with(site: Path, *fixtures: str) -> ProviderRegistry:
    for fixture in fixtures:
        install_into_site(site, fixture)
    return get_registry()


# --- hand-written distributions: error paths of discovery ----------------------------------


def _distribution(
    site: Path, name: str, entry_points: str, requires: Iterable[str] = ()
) -> Distribution:
    """Write a ``.dist-info`` folder for ``name`` 3.1.4 into ``site`` (no package files)."""
    folder = site / f"{name.replace('-', '_')}-3.1.4.dist-info"
    folder.mkdir()
    headers = "".join(f"Requires-Dist: {requirement}\n" for requirement in requires)
    (folder / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: 3.1.4\n{headers}", encoding="utf-8"
    )
    (folder / "entry_points.txt").write_text(entry_points, encoding="utf-8")
    return Distribution.from_folder(str(folder))


def _discover() -> ProviderRegistry:
    registry = ProviderRegistry()
    registry.load_entry_points()
    return registry


def test_entry_point_must_name_the_provider_package(site: Path) -> None:
    """An entry point naming a module object instead of taskloom.providers.<id> is reported."""
    _distribution(
        site, "taskloom-provider-odd", "[taskloom.providers]\nodd = odd_module:PROVIDER\n"
    )
    status = _discover().status("odd")
    assert status.state is ProviderState.BROKEN
    assert (
        status.reason
        == "its entry point odd = 'odd_module:PROVIDER' must name the package 'taskloom.providers.odd'"
    )


def test_missing_package_is_broken_with_reinstall_fix(site: Path) -> None:
    """Metadata whose package files are gone (a half-uninstalled provider) asks for a reinstall."""
    _distribution(
        site, "taskloom-provider-ghost", "[taskloom.providers]\nghost = taskloom.providers.ghost\n"
    )
    status = _discover().status("ghost")
    assert (status.state, status.distribution, status.version) == (
        ProviderState.BROKEN,
        "taskloom-provider-ghost",
        "3.1.4",
    )
    assert status.reason == "package taskloom.providers.ghost is not installed"
    assert status.fix == "reinstall it: pip install --force-reinstall taskloom-provider-ghost"


def test_same_id_from_two_distributions_is_a_duplicate_problem(site: Path) -> None:
    """Two distributions registering one provider id: the first is used, the clash is reported."""
    _distribution(
        site, "taskloom-provider-twin", "[taskloom.providers]\ntwin = taskloom.providers.twin\n"
    )
    _distribution(site, "other-twin", "[taskloom.providers]\ntwin = taskloom.providers.twin\n")
    (problem,) = [p for p in _discover().check() if p.kind == "duplicate"]
    # Folders are read in name order: other_twin-... comes before taskloom_provider_twin-...
    assert "other-twin 3.1.4 and taskloom-provider-twin 3.1.4" in problem.message
    assert problem.fix == "uninstall one of them: pip uninstall taskloom-provider-twin"


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["taskloom<3,>=2.0"], "<3,>=2.0"),
        (["taskloom (>=2.0,<3)"], "<3,>=2.0"),
        (["Taskloom>=9"], ">=9"),
        (["requests>=2", "taskloom-provider-x>=1", "taskloom_compat"], None),
        (['taskloom>=9; extra == "docs"'], None),
        (['taskloom>=9; python_version >= "3"'], ">=9"),
        (["taskloom"], ""),
    ],
)
def test_core_range_is_read_from_requires_dist(lines: list[str], expected: str | None) -> None:
    """Only an unconditional requirement on taskloom itself is the core range."""
    found = compatibility.core_range(lines)
    assert (None if found is None else str(SpecifierSet(found))) == expected


def test_core_too_new_for_a_provider_suggests_upgrading_the_provider() -> None:
    """When core outgrew the provider's range, the fix is a newer provider or pinning core."""
    fix = compatibility.incompatibility_fix(
        "taskloom-provider-x", "1.2.0", SpecifierSet(">=1.0,<2")
    )
    assert fix.startswith(
        f"install a newer release of the provider that supports taskloom {__version__}: "
        'pip install --upgrade "taskloom-provider-x>1.2.0"'
    )
    assert 'pip install "taskloom<2,>=1.0"' in fix


def test_module_attributes_are_reexported() -> None:
    """The public names live in taskloom.providers_manager."""
    assert set(providers_manager.__all__) <= set(dir(providers_manager))
    assert providers_manager.ENTRY_POINT_GROUP == "taskloom.providers"


def test_register_records_the_supplying_distribution(site: Path) -> None:
    """register(source=dist) keeps the distribution's name and version for listings and messages."""
    registry = ProviderRegistry()
    registry.register(
        _info("alpha", "alpha"), source=_distribution(site, "taskloom-provider-alpha", "")
    )
    status = registry.status("alpha")
    assert (status.distribution, status.version, status.label) == (
        "taskloom-provider-alpha",
        "3.1.4",
        "taskloom-provider-alpha 3.1.4",
    )


def test_a_corrupt_distribution_does_not_break_discovery(
    site: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A distribution whose entry_points.txt cannot be parsed is skipped with a warning."""
    _distribution(site, "corrupt", "[taskloom.providers]\nthis line is not an entry point\n")
    _distribution(
        site, "taskloom-provider-ghost", "[taskloom.providers]\nghost = taskloom.providers.ghost\n"
    )
    with caplog.at_level(logging.WARNING, logger="taskloom.providers_manager"):
        registry = _discover()
    assert registry.status("ghost").distribution == "taskloom-provider-ghost"
    assert "skipping the entry points of a distribution" in caplog.text
    assert "corrupt-3.1.4.dist-info" in caplog.text


def test_manifest_only_provider_lists_streams_and_a_connection_type_from_its_spec(
    site: Path,
) -> None:
    """A manifest-only provider is discovered from data files alone; its spec becomes its connection type."""
    registry = _install(site, "manifest")
    status = registry.status("fixture_manifest")
    assert status.state == ProviderState.OK
    info = registry.get("fixture_manifest")
    assert info.manifest_only
    assert info.streams == ("things", "others")
    conn = registry.connection_type("fixture_manifest")
    assert conn.hook_class == "taskloom.declarative.hook.DeclarativeHook"
    assert conn.default_conn_id == "fixture_manifest_default"
    assert conn.secret_extra_fields == frozenset({"api_key"})
    assert conn.extra_fields["url"].required
    assert conn.extra_fields["url"].placeholder == "https://api.example.com"
    assert conn.extra_fields["region"].choices == ("eu", "us")
    assert _fixture_modules() == []


def test_connections_of_a_manifest_only_type_are_validated_against_its_spec(site: Path) -> None:
    """Required spec fields must be set (the secret one may be the password); choices are enforced."""
    from taskloom.exceptions import InvalidConnectionError
    from taskloom.models.connection import Connection

    _install(site, "manifest")
    ok = Connection(
        "c1", conn_type="fixture_manifest", password="k" * 12, extra='{"url": "http://x"}'
    )
    ok.validate()
    with pytest.raises(
        InvalidConnectionError, match=r"extra 'api_key' is required.*\(or as the password\)"
    ):
        Connection("c2", conn_type="fixture_manifest", extra='{"url": "http://x"}').validate()
    with pytest.raises(InvalidConnectionError, match=r"extra 'url' is required"):
        Connection("c3", conn_type="fixture_manifest", password="k" * 12).validate()
    with pytest.raises(
        InvalidConnectionError, match=r"extra 'region' is 'mars'; allowed values: 'eu', 'us'"
    ):
        Connection(
            "c4",
            conn_type="fixture_manifest",
            password="k" * 12,
            extra='{"url": "u", "region": "mars"}',
        ).validate()
