"""Tests of ``taskloom providers`` (taskloom/cli/providers.py).

In-process with click's runner over fixture providers unpacked into a site directory,
and end to end: the fixture providers' wheels installed next to core's wheel in a fresh
environment, the ``taskloom`` console script run as a subprocess.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from provider_envs import Env
from provider_envs import editable_env
from provider_envs import fixture_env
from provider_envs import install_into_site
from provider_envs import provider_site

from taskloom._version import __version__
from taskloom.cli import cli


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A site directory on sys.path for fixture providers (see provider_envs.provider_site)."""
    yield from provider_site(tmp_path, monkeypatch)


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["providers", *args])
    return result.exit_code, result.output


def test_list_shows_id_distribution_version_and_state(site: Path) -> None:
    """providers list has one row per provider with its state."""
    for fixture in ("good", "newcore"):
        install_into_site(site, fixture)
    code, output = _run("list", "--output", "json")
    assert code == 0
    rows = {row["id"]: row for row in json.loads(output)}
    assert rows["fixture_good"] == {
        "id": "fixture_good",
        "distribution": "taskloom-provider-fixture-good",
        "version": "1.0.0",
        "state": "ok",
        "reason": "",
        "fix": "",
    }
    assert rows["fixture_newcore"]["state"] == "incompatible"
    assert rows["core"]["distribution"] == "taskloom"
    code, table = _run("list")
    assert code == 0
    assert table.splitlines()[0].split() == ["id", "distribution", "version", "state", "reason"]
    assert table.splitlines()[-1].startswith(
        'fix for fixture_newcore: upgrade core: pip install "taskloom>=9"'
    )


def test_info_shows_the_metadata_and_where_to_report(site: Path) -> None:
    """providers info prints the whole provider.json plus the state."""
    install_into_site(site, "good")
    code, output = _run("info", "fixture_good", "--output", "json")
    assert code == 0
    info = json.loads(output)
    assert info["issue_tracker"] == "https://example.invalid/issues/fixture_good"
    assert info["connection_types"]["fixture_good"]["extra_fields"]["api_key"] == {
        "label": "API key",
        "secret": True,
    }
    assert info["state"] == "ok"
    code, table = _run("info", "fixture_good")
    fields = dict(line.split(None, 1) for line in table.splitlines())
    assert fields["issue_tracker"] == "https://example.invalid/issues/fixture_good"
    assert fields["connection_types"] == "fixture_good"
    assert fields["maintainers"] == "taskloom core maintainers (@taskloom/core-maintainers)"


def test_info_of_an_unknown_provider_exits_1(site: Path) -> None:
    """An unknown id exits 1 naming the installed ids."""
    code, output = _run("info", "nosuch")
    assert code == 1
    assert "no provider 'nosuch' is installed (installed: core)" in output


def test_hooks_and_connection_types_list_without_importing(site: Path) -> None:
    """providers hooks / connection-types read metadata only."""
    import sys

    install_into_site(site, "good")
    code, output = _run("hooks", "--output", "json")
    assert code == 0
    hooks = {row["conn_type"]: row for row in json.loads(output)}
    assert (
        hooks["fixture_good"]["hook_class"] == "taskloom.providers.fixture_good.hooks.good.GoodHook"
    )
    assert hooks["sqlite"]["provider"] == "core"
    code, output = _run("connection-types", "--output", "json")
    types = {row["conn_type"]: row for row in json.loads(output)}
    assert types["fixture_good"]["secret_fields"] == ["password"]
    assert types["fixture_good"]["secret_extra_fields"] == ["api_key"]
    assert types["fixture_good"]["default_conn_id"] == "fixture_good_default"
    assert not [m for m in sys.modules if m.startswith("taskloom.providers.fixture_good.")]


def test_check_exits_1_and_names_each_problem_and_fix(site: Path) -> None:
    """providers check lists every problem with its fix and fails."""
    for fixture in ("good", "badimport", "newcore"):
        install_into_site(site, fixture)
    code, output = _run("check", "--output", "json")
    assert code == 1
    problems = {
        row["provider"]: row for row in json.loads(output) if row["provider"].startswith("fixture_")
    }
    assert sorted(problems) == ["fixture_badimport", "fixture_newcore"]
    assert problems["fixture_newcore"]["fix"].startswith('upgrade core: pip install "taskloom>=9"')
    code, output = _run("check")
    assert code == 1
    assert "incompatible-core: taskloom-provider-fixture-newcore: it requires taskloom>=9" in output


def test_check_passes_when_everything_imports(site: Path) -> None:
    """With only a good provider (and core), check exits 0."""
    install_into_site(site, "good")
    code, output = _run("check")
    assert (code, output.strip()) == (0, "2 provider(s) checked: no problems.")


# --- end to end: real wheels in a fresh environment ----------------------------------------


@pytest.fixture
def env(tmp_path_factory: pytest.TempPathFactory) -> Env:
    """Core and all fixture providers installed from wheels (built once per session)."""
    return fixture_env(tmp_path_factory.getbasetemp())


def test_installed_wheels_list_with_their_states(env: Env, tmp_path: Path) -> None:
    """providers list in the installed environment shows every fixture provider's state."""
    result = env.run(["taskloom", "providers", "list", "--output", "json"], tmp_path / "home")
    assert result.returncode == 0, result.stderr
    states = {row["id"]: row["state"] for row in json.loads(result.stdout)}
    assert states == {
        "core": "ok",
        "fixture_badimport": "ok",
        "fixture_dup_a": "ok",
        "fixture_dup_b": "ok",
        "fixture_good": "ok",
        "fixture_malformed": "broken",
        "fixture_newcore": "incompatible",
    }


def test_installed_wheels_check_reports_each_problem(env: Env, tmp_path: Path) -> None:
    """providers check exits 1 and names each broken provider's distribution and fix."""
    result = env.run(["taskloom", "providers", "check"], tmp_path / "home")
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "taskloom-provider-fixture-malformed: " in out
    assert (
        "taskloom-provider-fixture-badimport: hooks entry" in out
        or "taskloom_fixture_missing_client_library" in out
    )
    assert "taskloom-provider-fixture-newcore: it requires taskloom>=9" in out
    for twin in ("a", "b"):  # a contested conn_type is reported to both claimants (issue 21, D9)
        assert (
            f"taskloom-provider-fixture-dup-{twin}: conn_type 'fixture_dup' is declared by "
            "taskloom-provider-fixture-dup-a 1.0.0 (provider 'fixture_dup_a') and "
            "taskloom-provider-fixture-dup-b 1.0.0 (provider 'fixture_dup_b')"
        ) in out
    assert "5 problem(s) in 7 provider(s)." in out


def test_other_commands_keep_working_with_broken_providers(env: Env, tmp_path: Path) -> None:
    """Broken providers never break the CLI: version and providers hooks still answer."""
    result = env.run(["taskloom", "version"], tmp_path / "home")
    assert (result.returncode, result.stdout.strip()) == (0, __version__)
    result = env.run(["taskloom", "providers", "hooks"], tmp_path / "home")
    assert result.returncode == 0, result.stderr
    assert "fixture_good" in result.stdout


def test_disabled_and_autoload_switches_in_a_real_process(env: Env, tmp_path: Path) -> None:
    """The two environment switches work in the installed command."""
    result = env.run(
        ["taskloom", "providers", "list", "--output", "json"],
        tmp_path / "home",
        TASKLOOM_DISABLED_PROVIDERS="fixture_good",
    )
    states = {row["id"]: row["state"] for row in json.loads(result.stdout)}
    assert states["fixture_good"] == "disabled"
    result = env.run(
        ["taskloom", "providers", "list", "--output", "json"],
        tmp_path / "home",
        TASKLOOM_DISABLE_PROVIDER_AUTOLOAD="1",
    )
    assert [row["id"] for row in json.loads(result.stdout)] == ["core"]


LAZY_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from taskloom.providers_manager import get_registry, issue_report_line
    registry = get_registry()
    before = sorted(m for m in sys.modules if m.startswith("taskloom.providers."))
    from taskloom.hooks.base import BaseHook
    hook = BaseHook.get_hook("good")
    after = sorted(m for m in sys.modules if m.startswith("taskloom.providers."))
    try:
        hook.fail()
    except RuntimeError as exc:
        line = issue_report_line(exc)
    print(json.dumps({"before": before, "after": after, "hook": type(hook).__name__,
                      "host": hook.get_conn(), "line": line}))
    """
)


def test_hook_module_is_imported_only_when_get_hook_is_used(env: Env, tmp_path: Path) -> None:
    """Building the registry imports no provider module; BaseHook.get_hook imports just the one hook."""
    result = env.run(
        ["python", "-c", LAZY_SCRIPT],
        tmp_path / "home",
        TASKLOOM_CONN_GOOD=json.dumps({"conn_type": "fixture_good", "host": "db.example"}),
    )
    assert result.returncode == 0, result.stderr
    warnings = sorted(
        line for line in result.stderr.splitlines() if line.startswith("skipping provider")
    )
    assert [line.split()[2] for line in warnings] == ["'fixture_malformed'", "'fixture_newcore'"]
    seen = json.loads(result.stdout)
    assert seen["before"] == []
    assert seen["after"] == [
        "taskloom.providers.fixture_good",
        "taskloom.providers.fixture_good.hooks",
        "taskloom.providers.fixture_good.hooks.good",
    ]
    assert (seen["hook"], seen["host"]) == ("GoodHook", "db.example")
    assert seen["line"] == (
        "This error came from taskloom-provider-fixture-good 1.0.0; "
        "report it at https://example.invalid/issues/fixture_good"
    )


def test_editable_install_is_discovered_and_resolved(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    """A provider installed with pip install -e (served by an import hook) is listed and its hook resolves."""
    env = editable_env(tmp_path_factory.getbasetemp())
    script = (
        "import json; from taskloom.providers_manager import get_registry; r = get_registry(); "
        "s = r.status('fixture_good'); h = r.hook_class('fixture_good'); "
        "print(json.dumps([str(s.state), s.package_dir, h.__module__]))"
    )
    result = env.run(["python", "-c", script], tmp_path / "home")
    assert result.returncode == 0, result.stderr
    state, package_dir, module = json.loads(result.stdout)
    assert state == "ok"
    assert package_dir.endswith("editable-good/src/taskloom/providers/fixture_good")
    assert module == "taskloom.providers.fixture_good.hooks.good"


def test_info_of_a_broken_provider_shows_reason_and_fix(site: Path) -> None:
    """providers info works for a provider that failed validation, showing why and what to do."""
    install_into_site(site, "malformed")
    code, output = _run("info", "fixture_malformed", "--output", "json")
    assert code == 0
    info = json.loads(output)
    assert info["state"] == "broken"
    assert "$.connection_types.fixture_malformed: must contain ['hook_class']" in info["reason"]
    assert info["fix"].endswith("pip uninstall taskloom-provider-fixture-malformed")
