"""taskloom-testing's provider conformance suite fails, saying what is wrong, on each kind of broken provider.

One fresh environment holds core's, taskloom-declarative's and taskloom-testing's wheels
built from this tree. Each case writes a fake provider (a Python one, or a manifest-only one
whose ``provider.json`` says so) into a directory of its own (its package under
``taskloom/providers/<id>/`` and a real ``*.dist-info`` beside it, on ``PYTHONPATH``) plus
the provider's source folder (README, CHANGELOG, ``tests/test_conformance.py`` with the
one line every provider has), runs pytest there, and reads the JUnit report. The sound
fake passes every check, so each failure below is the breakage's and nothing else's.
"""

from __future__ import annotations

import json
import os
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import pytest
import repo
import wheels

README = "# taskloom-provider-fake\n\nA provider made up by the conformance suite's tests.\n"
CHANGELOG = "# Changelog of taskloom-provider-fake\n\n## 1.0.0\n\nFirst release.\n"
HOOK = """\
from taskloom.hooks.base import BaseHook


class FakeHook(BaseHook):
    conn_type = "fake"
"""
#: Every check of the suite (test ids in the JUnit report).
CHECKS = (
    "test_entry_point_names_the_package",
    "test_metadata_is_valid_against_the_schema",
    "test_registry_finds_it_usable",
    "test_connection_types_resolve_in_isolation",
    "test_declared_modules_import",
    "test_readme_and_changelog_are_the_long_description",
    "test_core_is_bounded",
)
#: A manifest-only provider's manifest: one stream, a spec with a required secret and a default.
MANIFEST = """\
version: 6.5.0
type: DeclarativeSource
check: {type: CheckStream, stream_names: [items]}
streams:
  - type: DeclarativeStream
    name: items
    retriever:
      type: SimpleRetriever
      requester:
        type: HttpRequester
        url_base: http://127.0.0.1:1
        path: /items
        http_method: GET
        authenticator: {type: BearerAuthenticator, api_token: "{{ config['token'] }}"}
      record_selector:
        type: RecordSelector
        extractor: {type: DpathExtractor, field_path: []}
spec:
  type: Spec
  connection_specification:
    type: object
    required: [token]
    properties:
      token: {type: string, title: Token, airbyte_secret: true}
      page_size: {type: integer, title: Page size, default: 10}
"""
DECLARATIVE_HOOK = "taskloom.declarative.hook.DeclarativeHook"
#: Every check of the suite for a manifest-only provider.
MANIFEST_CHECKS = (
    "test_entry_point_names_the_package",
    "test_metadata_is_valid_against_the_schema",
    "test_registry_finds_it_usable",
    "test_readme_and_changelog_are_the_long_description",
    "test_core_is_bounded",
    "test_registry_lists_streams_without_imports",
    "test_connection_type_comes_from_the_spec",
    "test_manifest_validates",
    "test_ships_no_python",
    "test_declarative_is_bounded",
)


@dataclass
class FakeProvider:
    """A provider distribution written straight into a ``sys.path`` directory."""

    id: str = "fake"
    provider_json: dict[str, Any] = field(
        default_factory=lambda: {
            "id": "fake",
            "name": "Fake",
            "description": "A made-up provider.",
            "connection_types": {
                "fake": {
                    "hook_class": "taskloom.providers.fake.hooks.fake.FakeHook",
                    "display_name": "Fake",
                }
            },
            "hooks": ["taskloom.providers.fake.hooks.fake"],
            "operators": [],
            "sensors": [],
            "secrets_backends": [],
            "executors": [],
        }
    )
    files: dict[str, str] = field(
        default_factory=lambda: {"hooks/__init__.py": "", "hooks/fake.py": HOOK}
    )
    entry_point: str = "taskloom.providers.fake"
    requires_core: str = "taskloom<3,>=2.0"
    #: A manifest-only provider's manifest.yaml and its requirement on the runtime.
    manifest: str | None = None
    requires_declarative: str | None = None
    description: str = README + "\n" + CHANGELOG

    def install(self, site: Path) -> None:
        package = site / "taskloom" / "providers" / self.id
        package.mkdir(parents=True)
        files = {"provider.json": json.dumps(self.provider_json), **self.files}
        # A manifest-only package is a bare namespace folder: no __init__.py.
        if self.manifest is None:
            files["__init__.py"] = ""
        else:
            files["manifest.yaml"] = self.manifest
        for name, text in files.items():
            (package / name).parent.mkdir(parents=True, exist_ok=True)
            (package / name).write_text(text)
        info = site / f"taskloom_provider_{self.id}-1.0.0.dist-info"
        info.mkdir()
        requires = [self.requires_core]
        if self.requires_declarative is not None:
            requires.append(self.requires_declarative)
        (info / "METADATA").write_text(
            "Metadata-Version: 2.4\n"
            f"Name: taskloom-provider-{self.id}\n"
            "Version: 1.0.0\n"
            + "".join(f"Requires-Dist: {line}\n" for line in requires)
            + "Description-Content-Type: text/markdown\n\n"
            + self.description
        )
        (info / "entry_points.txt").write_text(
            f"[taskloom.providers]\n{self.id} = {self.entry_point}\n"
        )
        record = [f"taskloom/providers/{self.id}/{name}" for name in files]
        record += [f"{info.name}/{name}" for name in ("METADATA", "entry_points.txt", "RECORD")]
        (info / "RECORD").write_text("".join(f"{path},,\n" for path in record))


def manifest_only(**changes: Any) -> FakeProvider:
    """A sound manifest-only fake provider, with ``changes`` applied."""
    provider = FakeProvider(
        provider_json={
            "id": "fake",
            "name": "Fake",
            "description": "A made-up manifest-only provider.",
            "manifest_only": True,
            "declarative": ">=1.0,<2",
        },
        files={},
        manifest=MANIFEST,
        requires_declarative="taskloom-declarative<2,>=1.0",
    )
    for key, value in changes.items():
        setattr(provider, key, value)
    return provider


@dataclass(frozen=True)
class Outcome:
    """Per check: ``None`` if it passed, else its failure message."""

    failures: dict[str, str | None]
    output: str


@pytest.fixture(scope="module")
def suite_python(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh environment with core, the declarative runtime and taskloom-testing from wheels of this tree."""
    work = tmp_path_factory.mktemp("conformance-env")
    built = [
        wheels.build_dist(repo.by_key(key), work / "wheels")
        for key in ("core", "declarative", "taskloom-testing")
    ]
    subprocess.run([wheels.uv(), "venv", "--quiet", str(work / "venv")], check=True)
    python = str(work / "venv" / "bin" / "python")
    subprocess.run(
        [wheels.uv(), "pip", "install", "--quiet", "--python", python, *map(str, built)],
        check=True,
        env=wheels.build_env(),
    )
    return python


@pytest.fixture
def run_suite(suite_python: str, tmp_path: Path) -> Callable[..., Outcome]:
    """Install the given fake providers, run the suite for the first, report each check."""

    def run(
        *providers: FakeProvider, readme: str | None = README, startup: str | None = None
    ) -> Outcome:
        site = tmp_path / "site"
        for provider in providers:
            provider.install(site)
        if startup is not None:
            (site / "sitecustomize.py").write_text(startup)
        source = tmp_path / "source"
        (source / "tests").mkdir(parents=True)
        if readme is not None:
            (source / "README.md").write_text(readme)
        (source / "CHANGELOG.md").write_text(CHANGELOG)
        (source / "tests" / "test_conformance.py").write_text(
            "from taskloom_testing.conformance import conformance_suite\n\n"
            f'TestConformance = conformance_suite("{providers[0].id}")\n'
        )
        junit = tmp_path / "junit.xml"
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("TASKLOOM")},
            "PYTHONPATH": str(site),
            "TASKLOOM_HOME": str(tmp_path / "home"),
        }
        result = subprocess.run(
            [
                suite_python,
                "-m",
                "pytest",
                "-p",
                "no:cacheprovider",
                "-W",
                "error",
                f"--junitxml={junit}",
                "tests",
            ],
            cwd=source,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        failures: dict[str, str | None] = {}
        for case in ET.parse(junit).iter("testcase"):
            problem = case.find("failure")
            if problem is None:
                problem = case.find("error")
            failures[case.get("name", "")] = None if problem is None else problem.get("message", "")
        return Outcome(failures, result.stdout + result.stderr)

    return run


def test_a_sound_provider_passes_every_check(run_suite: Callable[..., Outcome]) -> None:
    """The fake the other cases break passes all seven checks."""
    outcome = run_suite(FakeProvider())
    assert outcome.failures == dict.fromkeys(CHECKS), outcome.output


def _failed(outcome: Outcome, check: str, message: str) -> None:
    """``check`` failed with ``message`` in its first line."""
    assert check in outcome.failures, outcome.output
    failure = outcome.failures[check]
    assert failure is not None, f"{check} passed:\n{outcome.output}"
    assert message in failure, failure


def _with(**changes: Any) -> FakeProvider:
    provider = FakeProvider()
    for key, value in changes.items():
        setattr(provider, key, value)
    return provider


def _metadata(**changes: Any) -> dict[str, Any]:
    document = FakeProvider().provider_json
    document.update(changes)
    return {k: v for k, v in document.items() if v is not None}


def test_entry_point_naming_a_module_fails(run_suite: Callable[..., Outcome]) -> None:
    """An entry point that names a module instead of the provider's package."""
    outcome = run_suite(_with(entry_point="taskloom.providers.fake.hooks"))
    _failed(
        outcome,
        "test_entry_point_names_the_package",
        "must name the package 'taskloom.providers.fake'",
    )


def test_metadata_against_the_schema_fails(run_suite: Callable[..., Outcome]) -> None:
    """A conn_type without its hook_class, and a key the schema does not know."""
    broken = _metadata(homepage="https://example.invalid")
    del broken["connection_types"]["fake"]["hook_class"]
    outcome = run_suite(_with(provider_json=broken))
    _failed(outcome, "test_metadata_is_valid_against_the_schema", "does not match core's schema")
    failure = outcome.failures["test_metadata_is_valid_against_the_schema"] or ""
    assert "/connection_types/fake: 'hook_class' is a required property" in failure
    assert "homepage" in failure


def test_metadata_with_another_id_fails(run_suite: Callable[..., Outcome]) -> None:
    """provider.json whose id is not the entry point's name."""
    outcome = run_suite(_with(provider_json=_metadata(id="faker")))
    _failed(
        outcome, "test_metadata_is_valid_against_the_schema", "says id 'faker'; it must be 'fake'"
    )


def test_a_provider_core_finds_incompatible_fails(run_suite: Callable[..., Outcome]) -> None:
    """Core's registry skips a provider that requires a core that is not this one."""
    outcome = run_suite(_with(requires_core="taskloom<4,>=3.0"))
    _failed(outcome, "test_registry_finds_it_usable", "finds 'fake' incompatible")


def test_hook_importing_another_provider_fails(run_suite: Callable[..., Outcome]) -> None:
    """Resolving the hook imports a module of another installed (sound) provider."""
    other = FakeProvider(id="other", entry_point="taskloom.providers.other")
    other.provider_json = {
        "id": "other",
        "name": "Other",
        "description": "Another made-up provider.",
        "hooks": ["taskloom.providers.other.hooks.helper"],
    }
    other.files = {"hooks/__init__.py": "", "hooks/helper.py": "VALUE = 1\n"}
    reaching = _with(
        files={
            "hooks/__init__.py": "",
            "hooks/fake.py": "import taskloom.providers.other.hooks.helper\n" + HOOK,
        }
    )
    outcome = run_suite(reaching, other)
    _failed(
        outcome,
        "test_connection_types_resolve_in_isolation",
        "resolving conn_type 'fake' imported other providers' modules ['taskloom.providers.other'",
    )


def test_provider_imported_at_start_up_fails(run_suite: Callable[..., Outcome]) -> None:
    """A provider module imported when the interpreter starts, before any hook is asked for."""
    outcome = run_suite(FakeProvider(), startup="import taskloom.providers.fake.hooks\n")
    _failed(
        outcome,
        "test_connection_types_resolve_in_isolation",
        "provider modules ['taskloom.providers.fake', 'taskloom.providers.fake.hooks'] were "
        "imported before any hook was asked for",
    )


def test_hook_declaring_another_conn_type_fails(run_suite: Callable[..., Outcome]) -> None:
    """The declared hook class says it handles another conn_type."""
    wrong = _with(
        files={"hooks/__init__.py": "", "hooks/fake.py": HOOK.replace('"fake"', '"other"')}
    )
    outcome = run_suite(wrong)
    _failed(
        outcome,
        "test_connection_types_resolve_in_isolation",
        "FakeHook.conn_type is 'other'; set it to 'fake'",
    )


def test_hook_that_is_no_base_hook_fails(run_suite: Callable[..., Outcome]) -> None:
    """The declared hook class does not derive from BaseHook."""
    plain = _with(
        files={
            "hooks/__init__.py": "",
            "hooks/fake.py": 'class FakeHook:\n    conn_type = "fake"\n',
        }
    )
    outcome = run_suite(plain)
    _failed(
        outcome,
        "test_connection_types_resolve_in_isolation",
        "is not a taskloom.hooks.base.BaseHook",
    )


def test_hook_that_does_not_import_fails(run_suite: Callable[..., Outcome]) -> None:
    """The hook module raises on import."""
    failing = _with(
        files={"hooks/__init__.py": "", "hooks/fake.py": "raise RuntimeError('no driver')\n"}
    )
    outcome = run_suite(failing)
    _failed(outcome, "test_connection_types_resolve_in_isolation", "resolving conn_type 'fake'")
    assert "no driver" in (outcome.failures["test_connection_types_resolve_in_isolation"] or "")
    _failed(
        outcome,
        "test_declared_modules_import",
        "hooks entry taskloom.providers.fake.hooks.fake: RuntimeError: no driver",
    )


def test_no_connection_types_fails(run_suite: Callable[..., Outcome]) -> None:
    """A provider that declares no conn_type without saying so."""
    outcome = run_suite(_with(provider_json=_metadata(connection_types={})))
    _failed(outcome, "test_connection_types_resolve_in_isolation", "declares no connection_types")


@pytest.mark.parametrize(
    ("kind", "name", "message"),
    [
        ("operators", "taskloom.providers.fake.operators.missing", "ModuleNotFoundError"),
        ("sensors", "taskloom.providers.fake.sensors.missing", "ModuleNotFoundError"),
        (
            "secrets_backends",
            "taskloom.providers.fake.hooks.fake.HOOK_NAME",
            "is a str, not a class",
        ),
        ("executors", "taskloom.providers.fake.hooks.fake.Missing", "AttributeError"),
    ],
)
def test_declared_module_that_does_not_import_fails(
    run_suite: Callable[..., Outcome], kind: str, name: str, message: str
) -> None:
    """Each kind of declared module or class that cannot be imported is named with its reason."""
    files = {"hooks/__init__.py": "", "hooks/fake.py": HOOK + 'HOOK_NAME = "fake"\n'}
    outcome = run_suite(_with(provider_json=_metadata(**{kind: [name]}), files=files))
    _failed(outcome, "test_declared_modules_import", f"{kind} entry {name}: ")
    assert message in (outcome.failures["test_declared_modules_import"] or "")


def test_declaring_no_code_fails(run_suite: Callable[..., Outcome]) -> None:
    """A provider whose metadata declares no module at all."""
    outcome = run_suite(_with(provider_json=_metadata(hooks=[])))
    _failed(outcome, "test_declared_modules_import", "declares no hooks, operators, sensors")


def test_changelog_missing_from_the_distribution_fails(run_suite: Callable[..., Outcome]) -> None:
    """The wheel's long description is the README alone."""
    outcome = run_suite(_with(description=README))
    _failed(
        outcome,
        "test_readme_and_changelog_are_the_long_description",
        "does not hold its CHANGELOG.md",
    )


def test_stale_readme_fails(run_suite: Callable[..., Outcome]) -> None:
    """The README in the repository is not the one the distribution carries."""
    outcome = run_suite(FakeProvider(), readme=README + "\nA new section.\n")
    _failed(
        outcome, "test_readme_and_changelog_are_the_long_description", "does not hold its README.md"
    )


def test_missing_readme_fails(run_suite: Callable[..., Outcome]) -> None:
    """The provider's folder has no README.md."""
    outcome = run_suite(FakeProvider(), readme=None)
    _failed(outcome, "test_readme_and_changelog_are_the_long_description", "README.md is missing")


@pytest.mark.parametrize("requirement", ["taskloom>=2.0", "taskloom<3", "taskloom"])
def test_unbounded_core_fails(run_suite: Callable[..., Outcome], requirement: str) -> None:
    """A dependency on core without a floor or without a ceiling."""
    outcome = run_suite(_with(requires_core=requirement))
    _failed(outcome, "test_core_is_bounded", "declare a floor and a ceiling")


def test_a_sound_manifest_only_provider_passes_every_check(
    run_suite: Callable[..., Outcome],
) -> None:
    """The manifest-only fake the cases below break passes its ten checks."""
    outcome = run_suite(manifest_only())
    assert outcome.failures == dict.fromkeys(MANIFEST_CHECKS), outcome.output


def test_manifest_only_provider_shipping_python_fails(run_suite: Callable[..., Outcome]) -> None:
    """A .py file in a manifest-only distribution's RECORD."""
    outcome = run_suite(manifest_only(files={"helpers.py": "VALUE = 1\n"}))
    _failed(
        outcome,
        "test_ships_no_python",
        "manifest-only taskloom-provider-fake ships Python files "
        "['taskloom/providers/fake/helpers.py']",
    )


def test_invalid_manifest_fails(run_suite: Callable[..., Outcome]) -> None:
    """A manifest taskloom-declarative refuses (an HTTP method it does not support)."""
    outcome = run_suite(manifest_only(manifest=MANIFEST.replace("GET", "DELETE")))
    _failed(outcome, "test_manifest_validates", "taskloom-declarative rejects")
    assert "'DELETE' is not one of" in (outcome.failures["test_manifest_validates"] or "")


def test_connection_type_other_than_the_spec_fails(run_suite: Callable[..., Outcome]) -> None:
    """provider.json declares the conn_type itself, its token neither required nor secret."""
    declared = manifest_only().provider_json
    declared["connection_types"] = {
        "fake": {
            "hook_class": DECLARATIVE_HOOK,
            "display_name": "Fake",
            "extra_fields": {"token": {"label": "Token"}, "page_size": {"label": "Page size"}},
        }
    }
    outcome = run_suite(manifest_only(provider_json=declared))
    _failed(
        outcome,
        "test_connection_type_comes_from_the_spec",
        "conn_type 'fake''s fields are not the manifest spec's",
    )
    failure = outcome.failures["test_connection_type_comes_from_the_spec"] or ""
    assert "required: spec ['token'], registry []" in failure
    assert "secret: spec ['token'], registry []" in failure


def test_runtime_imported_at_discovery_fails(run_suite: Callable[..., Outcome]) -> None:
    """The declarative runtime imported when the interpreter starts, before discovery."""
    outcome = run_suite(manifest_only(), startup="import taskloom.declarative.hook\n")
    _failed(
        outcome,
        "test_registry_lists_streams_without_imports",
        "discovering manifest-only provider 'fake' imported ['taskloom.declarative', "
        "'taskloom.declarative.hook'",
    )


@pytest.mark.parametrize(
    "requirement", ["taskloom-declarative>=1.0", "taskloom-declarative<2", "taskloom-declarative"]
)
def test_unbounded_declarative_fails(run_suite: Callable[..., Outcome], requirement: str) -> None:
    """A dependency on the declarative runtime without a floor or without a ceiling."""
    outcome = run_suite(manifest_only(requires_declarative=requirement))
    _failed(
        outcome,
        "test_declarative_is_bounded",
        "declare a floor and a ceiling, taskloom-declarative>=1.0,<2",
    )


def test_declarative_range_other_than_provider_json_fails(
    run_suite: Callable[..., Outcome],
) -> None:
    """Requires-Dist and provider.json's "declarative" disagree."""
    outcome = run_suite(manifest_only(requires_declarative="taskloom-declarative<3,>=1.0"))
    _failed(
        outcome,
        "test_declarative_is_bounded",
        "but provider.json says declarative '<2,>=1.0': state the same range in both",
    )
