"""The registry's exact records and messages: what each provider's status, each error and each count holds.

``test_providers_manager.py`` covers discovery end to end; these tests pin the fields and
messages that users and ``taskloom providers`` read, and were written where mutation testing
(``nox -s mutation``) showed a change to the registry that no test noticed.
"""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Iterable
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from provider_envs import install_into_site
from provider_envs import provider_site

import taskloom
from taskloom.exceptions import DuplicateProviderError
from taskloom.exceptions import ProviderLoadError
from taskloom.exceptions import ProviderNotFoundError
from taskloom.exceptions import ProviderValidationError
from taskloom.providers_manager import ConnectionTypeInfo
from taskloom.providers_manager import Problem
from taskloom.providers_manager import ProviderInfo
from taskloom.providers_manager import ProviderRegistry
from taskloom.providers_manager import ProviderState
from taskloom.providers_manager import ProviderStatus
from taskloom.registry import compatibility
from taskloom.registry import locate
from taskloom.registry import registry as registry_module
from taskloom.registry.manifest import DECLARATIVE_HOOK
from taskloom.utils import entry_points

BLOCKED = "disabled (TASKLOOM_DISABLED_PROVIDERS or ProviderRegistry.block)"


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A site directory on sys.path for fixture providers (see provider_envs.provider_site).

    The provider modules a test imported are forgotten afterwards, so the next test's
    providers of the same ids are found afresh.  ``taskloom/providers/`` exists from the
    start: the import system keeps a namespace package's old path until it finds a new
    portion, so without it an earlier test's providers would still be found.
    """
    before = set(sys.modules)
    for root in provider_site(tmp_path, monkeypatch):
        (root / "taskloom" / "providers").mkdir()
        yield root
    for name in set(sys.modules) - before:
        if name.startswith("taskloom.providers."):
            del sys.modules[name]


def _info(provider_id: str, *conn_types: str, hook_class: str = "logging.Logger") -> ProviderInfo:
    return ProviderInfo(
        id=provider_id,
        name=provider_id.title(),
        description="test provider",
        connection_types={
            ct: ConnectionTypeInfo(
                conn_type=ct, hook_class=hook_class, display_name=ct, provider_id=provider_id
            )
            for ct in conn_types
        },
    )


def _distribution(site: Path, name: str, provider_id: str, requires: Iterable[str] = ()) -> None:
    """Write ``name`` 3.1.4's ``.dist-info`` announcing ``provider_id`` (no package files)."""
    folder = site / f"{name.replace('-', '_')}-3.1.4.dist-info"
    folder.mkdir()
    headers = "".join(f"Requires-Dist: {requirement}\n" for requirement in requires)
    (folder / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: 3.1.4\n{headers}", encoding="utf-8"
    )
    (folder / "entry_points.txt").write_text(
        f"[taskloom.providers]\n{provider_id} = taskloom.providers.{provider_id}\n",
        encoding="utf-8",
    )


def _provider(
    site: Path,
    provider_id: str,
    document: dict[str, object] | None = None,
    requires: Iterable[str] = ("taskloom>=2.0,<3",),
) -> Path:
    """A provider ``taskloom-provider-<id>`` 3.1.4 with its package and ``provider.json``; its package dir."""
    package = site / "taskloom" / "providers" / provider_id
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    metadata = (
        document
        if document is not None
        else {
            "id": provider_id,
            "name": provider_id.title(),
            "description": "d",
        }
    )
    (package / "provider.json").write_text(json.dumps(metadata))
    _distribution(site, f"taskloom-provider-{provider_id}", provider_id, requires)
    return package


# --- register, block ------------------------------------------------------------------------


def test_register_keeps_the_package_dir() -> None:
    """register(package_dir=...) records where the provider's files are."""
    registry = ProviderRegistry()
    registry.register(_info("alpha"), package_dir="/somewhere/alpha", distribution="d", version="1")
    assert registry.status("alpha") == ProviderStatus(
        "alpha", "d", "1", ProviderState.OK, info=_info("alpha"), package_dir="/somewhere/alpha"
    )


def test_registering_a_blocked_id_records_it_disabled() -> None:
    """A provider registered after its id was blocked is recorded disabled, with the reason, no fix."""
    registry = ProviderRegistry()
    registry.block("alpha")
    registry.register(_info("alpha", "alpha"), distribution="d", version="1", package_dir="/p")
    assert registry.status("alpha") == ProviderStatus(
        "alpha", "d", "1", ProviderState.DISABLED, BLOCKED, "", _info("alpha", "alpha"), "/p"
    )
    with pytest.raises(ProviderNotFoundError) as caught:
        registry.get("alpha")
    assert str(caught.value) == (
        f"provider 'alpha' (d 1) is {BLOCKED}; remove it from TASKLOOM_DISABLED_PROVIDERS to use it"
    )
    assert caught.value.provider_id == "alpha"


def test_a_duplicate_id_is_charged_to_the_newcomer() -> None:
    """DuplicateProviderError carries the id of the provider being registered."""
    registry = ProviderRegistry.for_testing(_info("alpha", "shared"))
    with pytest.raises(DuplicateProviderError) as same_id:
        registry.register(_info("alpha"), distribution="other", version="2")
    assert same_id.value.provider_id == "alpha"
    assert (
        str(same_id.value) == "provider id 'alpha' is supplied by both provider 'alpha' and other 2"
    )


def _claimants() -> ProviderRegistry:
    registry = ProviderRegistry()
    registry.register(_info("alpha", "shared"), distribution="taskloom-provider-alpha", version="1")
    registry.register(_info("beta", "shared"), distribution="taskloom-provider-beta", version="2")
    return registry


def test_a_conn_type_two_providers_declare_is_served_by_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without an owner named, neither claimant serves it; check() tells each, with the fix."""
    monkeypatch.delenv("TASKLOOM__CONNECTION_TYPE_OWNERS__SHARED", raising=False)
    registry = _claimants()
    message = (
        "conn_type 'shared' is declared by taskloom-provider-alpha 1 (provider 'alpha') and "
        "taskloom-provider-beta 2 (provider 'beta'); so no provider serves it until one is "
        "named its owner"
    )
    fix = (
        "name the owner: TASKLOOM__CONNECTION_TYPE_OWNERS__SHARED=<provider id> (or "
        "[connection_type_owners] shared in taskloom.toml), or uninstall the provider that "
        "should not declare it (pip uninstall taskloom-provider-alpha or pip uninstall "
        "taskloom-provider-beta)"
    )
    assert registry.check() == [
        Problem("alpha", "taskloom-provider-alpha", "conn-type-conflict", message, fix),
        Problem("beta", "taskloom-provider-beta", "conn-type-conflict", message, fix),
    ]
    with pytest.raises(ProviderNotFoundError) as caught:
        registry.connection_type("shared")
    assert caught.value.provider_id == "shared"
    assert str(caught.value).startswith(message)


def test_the_owner_setting_picks_the_claimant(monkeypatch: pytest.MonkeyPatch) -> None:
    """[connection_type_owners] names which claimant serves the conn_type, and check() says why."""
    monkeypatch.setenv("TASKLOOM__CONNECTION_TYPE_OWNERS__SHARED", "beta")
    registry = _claimants()
    assert registry.connection_type("shared").provider_id == "beta"
    (problem, _) = registry.check()
    assert problem.message.endswith("; it is served by provider 'beta' (named by the setting)")


def test_a_claimant_whose_id_is_the_conn_type_serves_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no owner named, the provider whose id is the conn_type serves it."""
    monkeypatch.delenv("TASKLOOM__CONNECTION_TYPE_OWNERS__SHARED", raising=False)
    registry = ProviderRegistry()
    registry.register(_info("shared", "shared"), distribution="d1", version="1")
    registry.register(_info("beta", "shared"), distribution="d2", version="2")
    assert registry.connection_type("shared").provider_id == "shared"
    (problem, _) = registry.check()
    assert problem.message.endswith("; it is served by provider 'shared' (its id is the conn_type)")


def test_a_uri_scheme_clash_is_charged_to_the_newcomer() -> None:
    """A conn_type whose uri_schemes names another conn_type is refused, naming both."""
    registry = ProviderRegistry.for_testing(_info("alpha", "alpha"))
    clashing = ProviderInfo(
        id="beta",
        name="Beta",
        description="d",
        connection_types={
            "beta": ConnectionTypeInfo(
                conn_type="beta",
                hook_class="logging.Logger",
                display_name="B",
                provider_id="beta",
                uri_schemes=("alpha",),
            )
        },
    )
    with pytest.raises(DuplicateProviderError) as caught:
        registry.register(clashing)
    assert caught.value.provider_id == "beta"
    assert str(caught.value) == (
        "URI scheme 'alpha' of conn_type 'beta' (provider 'beta') already means conn_type "
        "'alpha' (provider 'alpha')"
    )


def test_block_forgets_a_resolved_hook() -> None:
    """After block(), a conn_type whose hook was already resolved is no longer served."""
    registry = ProviderRegistry.for_testing(_info("alpha", "alpha"))
    assert registry.hook_class("alpha") is __import__("logging").Logger
    registry.block("alpha")
    assert registry.status("alpha") == ProviderStatus(
        "alpha", None, None, ProviderState.DISABLED, BLOCKED, "", _info("alpha", "alpha")
    )
    with pytest.raises(ProviderNotFoundError) as caught:
        registry.hook_class("alpha")
    assert str(caught.value) == (
        f"conn_type 'alpha' belongs to provider 'alpha' (provider 'alpha'), which is disabled: {BLOCKED}"
    )
    assert caught.value.provider_id == "alpha"


def test_an_unusable_claimant_does_not_take_over_a_served_conn_type(site: Path) -> None:
    """An unusable provider declaring a conn_type another provider serves is not named for it later."""
    for provider_id, requires in (("alpha", "taskloom>=2.0,<3"), ("beta", "taskloom>=9")):
        shared = {"hook_class": f"taskloom.providers.{provider_id}.Hook", "display_name": "S"}
        document = {"id": provider_id, "name": "N", "description": "d"}
        _provider(
            site, provider_id, {**document, "connection_types": {"shared": shared}}, [requires]
        )
    registry = ProviderRegistry()
    assert registry.load_entry_points() == 1
    assert registry.status("beta").state is ProviderState.INCOMPATIBLE
    registry.block("alpha")
    with pytest.raises(
        ProviderNotFoundError, match=r"^conn_type 'shared' belongs to provider 'alpha' "
    ):
        registry.connection_type("shared")


def test_hook_class_imports_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A resolved hook class is kept: asking again imports nothing."""
    imported: list[str] = []
    real = registry_module.import_string

    def counting(path: str) -> object:
        imported.append(path)
        return real(path)

    monkeypatch.setattr(registry_module, "import_string", counting)
    registry = ProviderRegistry.for_testing(_info("alpha", "alpha"), _info("beta", "beta"))
    first = registry.hook_class("alpha")
    assert registry.hook_class("alpha") is first
    assert registry.hook_class("beta") is first  # both declare logging.Logger
    assert imported == ["logging.Logger", "logging.Logger"]


# --- load_entry_points: counts, records, problems ----------------------------------------------


def test_load_entry_points_counts_what_it_added(site: Path) -> None:
    """The return value counts the usable providers added, whatever else was found."""
    _provider(site, "alpha")
    _provider(site, "beta")
    _provider(site, "broken", {"id": "broken"})  # no name, no description
    _provider(site, "gamma")
    registry = ProviderRegistry()
    assert registry.load_entry_points() == 3
    assert registry.load_entry_points() == 0


@pytest.mark.parametrize(
    ("document", "requires", "state"),
    [
        ({"id": "other", "name": "N", "description": "d"}, ["taskloom>=2.0,<3"], "broken"),
        ({"id": "zeta", "name": "N", "description": "d"}, ["taskloom>=9"], "incompatible"),
        ({"id": "zeta"}, ["taskloom>=2.0,<3"], "broken"),
        (
            {"id": "zeta", "name": "N", "description": "d"},
            ['taskloom>=2; python_version >>> "3"'],
            "broken",
        ),
    ],
    ids=["id-mismatch", "incompatible", "malformed", "bad-requires-dist"],
)
def test_an_unusable_provider_is_not_counted(
    site: Path, document: dict[str, object], requires: list[str], state: str
) -> None:
    """Each way discovery refuses a provider adds nothing to the count."""
    _provider(site, "zeta", document, requires)
    registry = ProviderRegistry()
    assert registry.load_entry_points() == 0
    assert registry.status("zeta").state == state


def test_an_entry_point_naming_a_module_is_not_counted(site: Path) -> None:
    """An entry point that names something else than the provider's package: broken, with the fix."""
    folder = site / "taskloom_provider_zeta-3.1.4.dist-info"
    _distribution(site, "taskloom-provider-zeta", "zeta")
    (folder / "entry_points.txt").write_text("[taskloom.providers]\nzeta = zeta_module\n")
    registry = ProviderRegistry()
    assert registry.load_entry_points() == 0
    assert registry.status("zeta").fix == (
        "report it to the provider's maintainers, or uninstall it: pip uninstall taskloom-provider-zeta"
    )


def test_a_distribution_without_its_package_is_not_counted(site: Path) -> None:
    """Metadata left behind by a half-uninstalled provider adds nothing."""
    _distribution(site, "taskloom-provider-zeta", "zeta")
    registry = ProviderRegistry()
    assert registry.load_entry_points() == 0
    assert registry.status("zeta").state is ProviderState.BROKEN


def test_a_provider_that_names_code_outside_its_package(site: Path) -> None:
    """Metadata naming modules of another package is refused, listing each one, with the fix."""
    package = _provider(
        site,
        "zeta",
        {"id": "zeta", "name": "Z", "description": "d", "hooks": ["os.path", "json.decoder"]},
    )
    registry = ProviderRegistry()
    assert registry.load_entry_points() == 0
    status = registry.status("zeta")
    assert status.reason == (
        "provider.json names code outside its package taskloom.providers.zeta: os.path, json.decoder"
    )
    assert status.fix == (
        "report it to the provider's maintainers, or uninstall it: pip uninstall taskloom-provider-zeta"
    )
    assert status.package_dir == str(package)
    assert status.info is not None


@pytest.mark.parametrize("manifest_only", [True, False])
def test_only_a_manifest_only_provider_may_name_the_declarative_hook(
    site: Path, manifest_only: bool
) -> None:
    """The declarative runtime's hook lies outside the provider's package: allowed for manifest-only providers alone."""
    document: dict[str, object] = {
        "id": "zeta",
        "name": "Z",
        "description": "d",
        "connection_types": {"zeta": {"hook_class": DECLARATIVE_HOOK, "display_name": "Z"}},
    }
    if manifest_only:
        document.update(manifest_only=True, declarative=">=1.0,<2")
    _provider(site, "zeta", document)
    registry = ProviderRegistry()
    registry.load_entry_points()
    status = registry.status("zeta")
    if manifest_only:
        assert "outside its package" not in status.reason
    else:
        assert status.reason == (
            "provider.json names code outside its package taskloom.providers.zeta: "
            f"{DECLARATIVE_HOOK}"
        )


def test_malformed_metadata_is_recorded_with_its_package_dir(site: Path) -> None:
    """A provider.json that fails validation: broken, the reason names the provider, and where it is."""
    package = _provider(site, "zeta", {"id": "zeta"})
    registry = ProviderRegistry()
    registry.load_entry_points()
    status = registry.status("zeta")
    assert (status.state, status.package_dir, status.info) == (
        ProviderState.BROKEN,
        str(package),
        None,
    )
    assert "zeta" in status.reason
    assert status.fix == (
        "report it to the provider's maintainers, or uninstall it: pip uninstall taskloom-provider-zeta"
    )
    with pytest.raises(ProviderValidationError) as caught:
        registry.get("zeta")
    assert caught.value.provider_id == "zeta"


def test_a_malformed_requires_dist_is_reported(site: Path) -> None:
    """An unparsable Requires-Dist on taskloom makes the provider broken, saying so."""
    package = _provider(
        site,
        "zeta",
        {"id": "zeta", "name": "Z", "description": "d"},
        ['taskloom>=2; python_version >>> "3"'],
    )
    registry = ProviderRegistry()
    registry.load_entry_points()
    status = registry.status("zeta")
    assert status.reason.startswith("its Requires-Dist on taskloom is malformed: ")
    assert status.fix == (
        "report it to the provider's maintainers, or uninstall it: pip uninstall taskloom-provider-zeta"
    )
    assert status.package_dir == str(package)


def test_discovery_that_fails_unexpectedly_is_recorded(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unexpected error while reading one provider marks it broken; the next one is still read."""
    _provider(site, "alpha")
    _provider(site, "beta")

    def failing(provider_id: str, listed: object) -> str | None:
        if provider_id == "alpha":
            raise RuntimeError("disk on fire")
        return str(site / "taskloom" / "providers" / provider_id)

    monkeypatch.setattr(locate, "package_dir", failing)
    registry = ProviderRegistry()
    assert registry.load_entry_points() == 1
    assert registry.status("alpha") == ProviderStatus(
        "alpha",
        "taskloom-provider-alpha",
        "3.1.4",
        ProviderState.BROKEN,
        reason="discovery failed: RuntimeError: disk on fire",
        fix="reinstall it: pip install --force-reinstall taskloom-provider-alpha",
    )
    assert registry.status("beta").state is ProviderState.OK


def test_a_blocked_entry_point_is_recorded_and_the_next_is_read(site: Path) -> None:
    """A blocked id found at discovery is recorded disabled; discovery goes on to the next."""
    _provider(site, "alpha")
    _provider(site, "beta")
    registry = ProviderRegistry()
    registry.block("alpha")
    assert registry.load_entry_points() == 1
    assert registry.status("alpha") == ProviderStatus(
        "alpha", "taskloom-provider-alpha", "3.1.4", ProviderState.DISABLED, reason=BLOCKED
    )
    assert registry.status("beta").state is ProviderState.OK


def test_a_duplicate_id_is_a_problem_and_the_next_is_read(site: Path) -> None:
    """Two distributions announcing one id: the clash is a problem; later providers still load."""
    _provider(site, "alpha")
    _distribution(site, "aaa-alpha-clone", "alpha")
    _provider(site, "beta")
    registry = ProviderRegistry()
    assert registry.load_entry_points() == 2
    problems = [p for p in registry.check() if p.kind == "duplicate"]
    assert problems == [
        Problem(
            "alpha",
            "taskloom-provider-alpha",
            "duplicate",
            "provider id 'alpha' is supplied by both aaa-alpha-clone 3.1.4 and "
            "taskloom-provider-alpha 3.1.4; only the first is used",
            "uninstall one of them: pip uninstall taskloom-provider-alpha",
        )
    ]
    assert registry.status("beta").state is ProviderState.OK


def test_the_namespace_is_listed_once_and_only_for_candidates(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Discovery lists taskloom.providers once per call, not at all when nothing is announced."""
    calls: list[dict[str, str]] = []
    real = locate.namespace_dirs

    def listing() -> dict[str, str]:
        calls.append(real())
        return calls[-1]

    seen: list[object] = []
    real_package_dir = locate.package_dir

    def package_dir(provider_id: str, listed: dict[str, str]) -> str | None:
        seen.append(listed)
        return real_package_dir(provider_id, listed)

    monkeypatch.setattr(locate, "namespace_dirs", listing)
    monkeypatch.setattr(locate, "package_dir", package_dir)
    assert ProviderRegistry().load_entry_points() == 0
    assert calls == []
    package = _provider(site, "alpha")
    entry_points.grouped_entry_points.cache_clear()
    assert ProviderRegistry().load_entry_points() == 1
    assert len(calls) == 1
    assert seen == [calls[0]]
    assert calls[0]["alpha"] == str(package)


# --- errors and their messages --------------------------------------------------------------


def test_unknown_provider_with_nothing_installed() -> None:
    """status() of an unknown id says none is installed and names the distribution, dashes for underscores."""
    with pytest.raises(ProviderNotFoundError) as caught:
        ProviderRegistry().status("my_provider")
    assert str(caught.value) == (
        "no provider 'my_provider' is installed (installed: none); "
        "install it with: pip install taskloom-provider-my-provider"
    )
    assert caught.value.provider_id == "my_provider"
    registry = ProviderRegistry.for_testing(_info("b"), _info("a"))
    with pytest.raises(ProviderNotFoundError, match=r"\(installed: a, b\)"):
        registry.status("c")


def test_unknown_conn_type_with_nothing_installed() -> None:
    """An unknown conn_type outside the repository's providers: the fix and the id are the conn_type."""
    with pytest.raises(ProviderNotFoundError) as caught:
        ProviderRegistry().connection_type("acme")
    assert str(caught.value) == (
        "no installed provider handles conn_type 'acme' (known: none); install the provider "
        "distribution that adds it, or fix the connection's conn_type"
    )
    assert caught.value.provider_id == "acme"


def test_a_broken_provider_is_named_for_its_conn_type(site: Path) -> None:
    """A conn_type of a provider whose hook failed to import names that provider, its state and fix."""
    install_into_site(site, "badimport")
    registry = ProviderRegistry()
    registry.load_entry_points()
    with pytest.raises(ProviderLoadError) as first:
        registry.hook_class("fixture_badimport")
    assert first.value.provider_id == "fixture_badimport"
    status = registry.status("fixture_badimport")
    assert status.fix == (
        "check that taskloom-provider-fixture-badimport's dependencies are installed "
        "(pip install --force-reinstall taskloom-provider-fixture-badimport); if that does not "
        "help, report it at https://example.invalid/issues/fixture_badimport"
    )
    with pytest.raises(ProviderNotFoundError) as again:
        registry.hook_class("fixture_badimport")
    assert again.value.provider_id == "fixture_badimport"
    assert str(again.value).endswith(f"; fix: {status.fix}")
    with pytest.raises(ProviderLoadError) as caught:
        registry.get("fixture_badimport")
    assert caught.value.provider_id == "fixture_badimport"


def test_a_load_error_without_an_issue_tracker_or_a_distribution() -> None:
    """The fix names 'its issue tracker' when none is declared, and core's maintainers for core."""
    broken = _info("alpha", "alpha", hook_class="taskloom_no_such_module.Hook")
    registry = ProviderRegistry()
    registry.register(broken, distribution="taskloom-provider-alpha", version="1")
    registry.register(
        _info("core_like", "core_like", hook_class="taskloom_no_such_module.Hook"),
        distribution="taskloom",
        version="2",
    )
    registry.register(_info("anonymous", "anonymous", hook_class="taskloom_no_such_module.Hook"))
    for conn_type in ("alpha", "core_like", "anonymous"):
        with pytest.raises(ProviderLoadError):
            registry.hook_class(conn_type)
    assert registry.status("alpha").fix.endswith(
        "if that does not help, report it at its issue tracker"
    )
    assert registry.status("core_like").fix == "report it to taskloom's core maintainers"
    assert registry.status("anonymous").fix == "report it to taskloom's core maintainers"
    assert registry.status("alpha").reason == (
        "hook class taskloom_no_such_module.Hook failed to import: ModuleNotFoundError: "
        "No module named 'taskloom_no_such_module'"
    )


def test_a_hook_class_that_is_no_class_is_recorded() -> None:
    """The provider of a hook_class naming a function is broken, the reason saying what it is."""
    registry = ProviderRegistry.for_testing(_info("alpha", "alpha", hook_class="os.path.join"))
    with pytest.raises(ProviderLoadError):
        registry.hook_class("alpha")
    assert registry.status("alpha").reason == (
        "hook class os.path.join failed to import: TypeError: os.path.join is a function, not a class"
    )


def test_a_broken_provider_stops_serving_hooks_already_resolved() -> None:
    """When one hook of a provider fails to import, its other conn_types stop resolving too."""
    info = ProviderInfo(
        id="alpha",
        name="Alpha",
        description="d",
        connection_types={
            "good": ConnectionTypeInfo(
                conn_type="good", hook_class="logging.Logger", display_name="G", provider_id="alpha"
            ),
            "bad": ConnectionTypeInfo(
                conn_type="bad",
                hook_class="taskloom_no_such_module.Hook",
                display_name="B",
                provider_id="alpha",
            ),
        },
    )
    registry = ProviderRegistry.for_testing(info)
    assert registry.hook_class("good") is __import__("logging").Logger
    with pytest.raises(ProviderLoadError):
        registry.hook_class("bad")
    with pytest.raises(
        ProviderNotFoundError, match=r"^conn_type 'good' belongs to provider 'alpha'"
    ):
        registry.hook_class("good")


def test_check_imports_sensors_and_reports_each_kind(site: Path) -> None:
    """check() imports sensor modules (not as classes) and names a non-class secrets backend."""
    sensors = ["taskloom.providers.zeta.sensors"]
    package = _provider(
        site,
        "zeta",
        {
            "id": "zeta",
            "name": "Z",
            "description": "d",
            "sensors": sensors,
            "secrets_backends": ["taskloom.providers.zeta.sensors.NOT_A_CLASS"],
        },
    )
    (package / "sensors.py").write_text("NOT_A_CLASS = 1\n")
    registry = ProviderRegistry()
    registry.load_entry_points()
    (problem,) = registry.check()
    assert problem.kind == "broken"
    assert problem.message == (
        "secrets_backends entry taskloom.providers.zeta.sensors.NOT_A_CLASS failed to import: "
        "TypeError: taskloom.providers.zeta.sensors.NOT_A_CLASS is a int, not a class"
    )
    assert "taskloom.providers.zeta.sensors" in sys.modules


def test_check_skips_unusable_providers_with_metadata(site: Path) -> None:
    """check() imports nothing of an incompatible provider, and reports it as incompatible-core."""
    package = _provider(
        site,
        "zeta",
        {"id": "zeta", "name": "Z", "description": "d", "hooks": ["taskloom.providers.zeta.hook"]},
        ["taskloom>=9"],
    )
    (package / "hook.py").write_text("raise RuntimeError('imported')\n")
    registry = ProviderRegistry()
    registry.load_entry_points()
    (problem,) = registry.check()
    assert (problem.kind, problem.provider_id) == ("incompatible-core", "zeta")
    assert "taskloom.providers.zeta.hook" not in sys.modules


# --- compatibility ---------------------------------------------------------------------------


def test_a_development_core_satisfies_a_range(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pre-release of core (2.1.0.dev1) is inside taskloom>=2.0,<3: prereleases count."""
    monkeypatch.setattr(compatibility, "__version__", "2.1.0.dev1")
    assert compatibility.core_allows(">=2.0,<3")
    assert not compatibility.core_allows(">=2.1")


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["requests>=2", "taskloom>=2.0"], ">=2.0"),
        (["requests>=2; python_version > '3'", 'taskloom>=2; extra != "docs"'], ">=2"),
    ],
)
def test_core_range_reads_past_other_requirements(lines: list[str], expected: str) -> None:
    """The requirement on taskloom is found after other lines; an extra-less marker holds."""
    found = compatibility.core_range(lines)
    assert found is not None
    assert str(SpecifierSet(found)) == expected


@pytest.mark.parametrize("spec", [">2.5", "==3.0", "~=3.0", "===3.0.0", "==3.*", ">=2.1"])
def test_a_floor_above_core_asks_to_upgrade_core(
    spec: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Any lower bound above the running core (2.0.0 here) makes the fix an upgrade of core."""
    monkeypatch.setattr(compatibility, "__version__", "2.0.0")
    fix = compatibility.incompatibility_fix("taskloom-provider-x", "1.2.0", SpecifierSet(spec))
    assert fix == (
        f'upgrade core: pip install "taskloom{SpecifierSet(spec)}", or go back to a release of the '
        'provider that supports taskloom 2.0.0: pip install "taskloom-provider-x<1.2.0"'
    )


def test_a_floor_equal_to_core_does_not_ask_to_upgrade_core(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A range whose floor is core's own version but that still excludes it points at the provider."""
    monkeypatch.setattr(compatibility, "__version__", "2.0.0")
    fix = compatibility.incompatibility_fix(
        "taskloom-provider-x", "1.2.0", SpecifierSet(">=2.0.0,<1.5")
    )
    assert fix.startswith("install a newer release of the provider that supports taskloom 2.0.0")


# --- locate ----------------------------------------------------------------------------------


def _namespace(monkeypatch: pytest.MonkeyPatch, *paths: Path) -> None:
    module = types.ModuleType(locate.PROVIDER_NAMESPACE)
    module.__path__ = [str(p) for p in paths]
    monkeypatch.setitem(sys.modules, locate.PROVIDER_NAMESPACE, module)


def test_namespace_dirs_lists_each_entry_first_one_winning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Directories of every path entry, the first of a name wins; files and missing entries are skipped."""
    first, second = tmp_path / "first", tmp_path / "second"
    (first / "alpha").mkdir(parents=True)
    (first / "stray.py").write_text("")
    (second / "alpha").mkdir(parents=True)
    (second / "beta").mkdir(parents=True)
    _namespace(monkeypatch, tmp_path / "missing", first, second)
    assert locate.namespace_dirs() == {
        "alpha": str(first / "alpha"),
        "beta": str(second / "beta"),
    }


def test_namespace_dirs_of_a_namespace_without_a_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """A taskloom.providers module that is no package lists nothing."""
    monkeypatch.setitem(
        sys.modules, locate.PROVIDER_NAMESPACE, types.ModuleType(locate.PROVIDER_NAMESPACE)
    )
    assert locate.namespace_dirs() == {}


def test_package_dir_trusts_the_listing_when_it_holds_metadata(tmp_path: Path) -> None:
    """A listed directory with provider.json is the answer, even off sys.path."""
    (tmp_path / "alpha").mkdir()
    (tmp_path / "alpha" / "provider.json").write_text("{}")
    assert locate.package_dir("alpha", {"alpha": str(tmp_path / "alpha")}) == str(
        tmp_path / "alpha"
    )
    (tmp_path / "beta").mkdir()
    assert locate.package_dir("beta", {"beta": str(tmp_path / "beta")}) is None


def test_package_dir_falls_back_to_the_import_system(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unlisted: the location holding provider.json among the package's locations, else the first."""
    other = tmp_path / "other-site"
    (other / "taskloom" / "providers" / "split").mkdir(parents=True)
    (other / "taskloom" / "providers" / "bare").mkdir(parents=True)
    monkeypatch.setattr(sys, "path", [*sys.path, str(other)])
    monkeypatch.setattr(taskloom, "__path__", [*taskloom.__path__, str(other / "taskloom")])
    (site / "taskloom" / "providers" / "split").mkdir(parents=True)
    (other / "taskloom" / "providers" / "split" / "provider.json").write_text("{}")
    assert locate.package_dir("split", {}) == str(other / "taskloom" / "providers" / "split")
    assert locate.package_dir("bare", {}) == str(other / "taskloom" / "providers" / "bare")
    assert locate.package_dir("nowhere", {}) is None
