"""The provider conformance suite: what every provider distribution owes core, as tests.

A provider runs it with one line in its tests::

    # providers/<id>/tests/test_conformance.py
    from taskloom_testing.conformance import conformance_suite

    TestConformance = conformance_suite("<id>")

It checks the *installed* distribution (the tox environments install built wheels) and
the provider's source folder (the parent of the ``tests/`` folder holding that module).
The provider's kind comes from its installed ``provider.json``.  For every provider:

- the ``taskloom.providers`` entry point names ``taskloom.providers.<id>``, from
  ``taskloom-provider-<id>``;
- ``provider.json`` is valid against core's published schema (checked with the
  ``jsonschema`` library, independently of core's own validator), and core's registry
  finds the provider usable with no problem;
- the installed metadata carries the provider's ``README.md`` and ``CHANGELOG.md`` as its
  long description, and bounds core as ``taskloom>=<floor>,<<ceiling>``.

For a Python provider (:class:`PythonProviderConformance`):

- every connection type's hook resolves from its conn_type through core's public registry
  API, in a fresh process, importing no other provider's modules, and is the
  :class:`~taskloom.hooks.base.BaseHook` subclass declared for that conn_type;
- every hooks/operators/sensors module and every secrets backend and executor class the
  metadata declares imports (warnings are errors under the suites' ``filterwarnings``).

For a manifest-only provider (``"manifest_only": true``, :class:`ManifestOnlyConformance`):

- core's registry, in a fresh process, finds it ``ok`` and lists the manifest's streams
  without importing anything of the provider or of ``taskloom.declarative``;
- its connection type's extra fields are the manifest ``spec``'s properties, with the
  same required and secret ones;
- the manifest validates with ``taskloom-declarative`` (:func:`taskloom.declarative.load`);
- the installed distribution's ``RECORD`` lists no ``.py`` file;
- it bounds ``taskloom-declarative`` with a floor and a ceiling, the range ``provider.json``
  declares.

That the core floor itself is tested (a ``<id>-coremin`` tox environment) is a repository
check, in ``tools/tests``.  Nothing of taskloom is imported at module level.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import subprocess
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any
from typing import ClassVar

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

__all__ = [
    "ManifestOnlyConformance",
    "ProviderConformance",
    "PythonProviderConformance",
    "conformance_suite",
]

#: Where provider packages live, and the entry-point group they announce themselves in.
NAMESPACE = "taskloom.providers"
METADATA_FILE = "provider.json"
MANIFEST_FILE = "manifest.yaml"
#: The runtime of manifest-only providers, and its package.
DECLARATIVE = "taskloom-declarative"
DECLARATIVE_PACKAGE = "taskloom.declarative"

#: Run in a new process: build the registry, resolve one conn_type's hook, report what was imported.
_RESOLVE_IN_FRESH_PROCESS = """
import json, sys
from taskloom.hooks.base import BaseHook
from taskloom.providers_manager import get_registry

conn_type = sys.argv[1]
providers = lambda: sorted(m for m in sys.modules if m.startswith("taskloom.providers."))
registry = get_registry()
after_discovery = providers()
hook = registry.hook_class(conn_type)
print(json.dumps({
    "after_discovery": after_discovery,
    "after_resolution": providers(),
    "hook": f"{hook.__module__}.{hook.__qualname__}",
    "is_base_hook": issubclass(hook, BaseHook),
    "conn_type": getattr(hook, "conn_type", None),
}))
"""

#: Run in a new process: read one provider from the registry, report its streams and what was imported.
_STREAMS_IN_FRESH_PROCESS = """
import json, sys
from taskloom.providers_manager import get_registry

provider_id = sys.argv[1]
status = get_registry(warn_unusable=False).status(provider_id)
own = ("taskloom.providers." + provider_id, "taskloom.declarative")
print(json.dumps({
    "state": str(status.state),
    "reason": status.reason,
    "fix": status.fix,
    "streams": list(status.info.streams) if status.info is not None else [],
    "imported": sorted(m for m in sys.modules if m.startswith(own)),
}))
"""


def _is_manifest_only(provider_id: str) -> bool:
    """Whether the installed ``provider.json`` says ``manifest_only``; ``False`` if it cannot be read.

    An unreadable file gets the Python provider's checks, whose metadata checks say what is wrong.
    """
    try:
        spec = importlib.util.find_spec(f"{NAMESPACE}.{provider_id}")
    except ImportError:
        return False
    for location in (spec.submodule_search_locations or []) if spec else []:
        try:
            document = json.loads((Path(location) / METADATA_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        return isinstance(document, dict) and document.get("manifest_only") is True
    return False


def _load_metadata(provider_id: str) -> dict[str, Any]:
    """The installed ``provider.json``, found without importing the provider's package."""
    spec = importlib.util.find_spec(f"{NAMESPACE}.{provider_id}")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail(
            f"package {NAMESPACE}.{provider_id} is not installed: install taskloom-provider-{provider_id}"
        )
    for location in spec.submodule_search_locations:
        path = Path(location) / METADATA_FILE
        if path.is_file():
            try:
                document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            except ValueError as exc:
                pytest.fail(f"{path} is not JSON: {exc}; fix the file")
            return document
    pytest.fail(
        f"{NAMESPACE}.{provider_id} ships no {METADATA_FILE}: add it beside __init__.py and "
        f'list it in [tool.setuptools.package-data] "{NAMESPACE}.{provider_id}"'
    )


class ProviderConformance:
    """The checks every provider passes; :func:`conformance_suite` picks the subclass for its kind.

    :cvar provider_id: the provider under test.
    """

    provider_id: ClassVar[str]

    @property
    def distribution(self) -> str:
        return f"taskloom-provider-{self.provider_id}"

    @property
    def package(self) -> str:
        return f"{NAMESPACE}.{self.provider_id}"

    @pytest.fixture
    def source_folder(self, request: pytest.FixtureRequest) -> Path:
        """The provider's folder in the repository: the parent of the ``tests/`` folder running this."""
        for folder in Path(request.path).resolve().parents:
            if folder.name == "tests":
                return folder.parent
        pytest.fail(
            f"{request.path} is not inside a tests/ folder; put the suite in the provider's tests/"
        )

    @pytest.fixture
    def provider_json(self) -> dict[str, Any]:
        return _load_metadata(self.provider_id)

    def test_entry_point_names_the_package(self) -> None:
        """The distribution announces the provider in the ``taskloom.providers`` group, naming its package."""
        found = [ep for ep in metadata.entry_points(group=NAMESPACE) if ep.name == self.provider_id]
        assert len(found) == 1, (
            f"expected one {NAMESPACE!r} entry point named {self.provider_id!r}, found {len(found)}: "
            f'declare [project.entry-points."{NAMESPACE}"] {self.provider_id} = "{self.package}" '
            f"in {self.distribution}'s pyproject.toml"
        )
        (entry_point,) = found
        assert entry_point.value == self.package, (
            f"entry point {self.provider_id} = {entry_point.value!r} must name the package {self.package!r}"
        )
        assert entry_point.dist is not None
        assert entry_point.dist.name == self.distribution, (
            f"entry point {self.provider_id!r} comes from {entry_point.dist.name}, expected {self.distribution}"
        )

    def test_metadata_is_valid_against_the_schema(self, provider_json: dict[str, Any]) -> None:
        """provider.json validates against core's ``provider.schema.json``, and its id is the provider's."""
        import jsonschema

        from taskloom.providers_manager import provider_schema

        schema = dict(provider_schema())
        validator_class = jsonschema.validators.validator_for(schema)
        validator_class.check_schema(schema)
        errors = sorted(
            validator_class(schema).iter_errors(provider_json),
            key=lambda e: [str(part) for part in e.absolute_path],
        )
        assert not errors, (
            f"{self.package}/{METADATA_FILE} does not match core's schema:\n"
            + "\n".join(
                f"  at /{'/'.join(map(str, error.absolute_path))}: {error.message}"
                for error in errors
            )
        )
        assert provider_json["id"] == self.provider_id, (
            f"{METADATA_FILE} says id {provider_json['id']!r}; it must be {self.provider_id!r}, "
            "the entry point's name"
        )

    def test_registry_finds_it_usable(self) -> None:
        """Core's registry reads the provider as ``ok`` and ``providers check`` reports no problem."""
        from taskloom.providers_manager import get_registry

        registry = get_registry()
        status = registry.status(self.provider_id)
        assert status.state == "ok", (
            f"core's registry finds {self.provider_id!r} {status.state}: {status.reason}; fix: {status.fix}"
        )
        problems = [str(p) for p in registry.check() if p.provider_id == self.provider_id]
        assert not problems, "taskloom providers check reports:\n" + "\n".join(problems)

    def test_readme_and_changelog_are_the_long_description(self, source_folder: Path) -> None:
        """The installed metadata holds the provider's README.md and CHANGELOG.md, as the repository has them."""
        try:
            meta = metadata.metadata(self.distribution)
        except metadata.PackageNotFoundError:
            pytest.fail(f"{self.distribution} is not installed")
        description = str(meta.json.get("description", ""))
        for name in ("README.md", "CHANGELOG.md"):
            path = source_folder / name
            assert path.is_file(), f"{path} is missing: every distribution has one"
            text = path.read_text(encoding="utf-8").strip()
            assert text, f"{path} is empty"
            assert text in description, (
                f"the installed {self.distribution}'s long description does not hold its {name}: set "
                'readme = {file = ["README.md", "CHANGELOG.md"], content-type = "text/markdown"} '
                "under [tool.setuptools.dynamic] and rebuild"
            )
        content_type = str(meta.json.get("description_content_type", ""))
        assert content_type.startswith("text/markdown"), (
            f"{self.distribution}'s long description is not declared text/markdown"
        )

    def test_core_is_bounded(self) -> None:
        """The distribution requires ``taskloom>=<floor>,<<ceiling>``: a tested floor and a major-version ceiling."""
        self._bounded_requirement("taskloom", "taskloom>=2.0,<3")

    def _bounded_requirement(self, name: str, example: str) -> Requirement:
        """The distribution's one requirement on ``name``, which has a floor and a ceiling."""
        requires = [Requirement(line) for line in metadata.requires(self.distribution) or []]
        found = [r for r in requires if r.name == name]
        assert len(found) == 1, (
            f"{self.distribution} must depend on {name} exactly once, found {[str(r) for r in found]}"
        )
        operators = {spec.operator for spec in found[0].specifier}
        for operator in (">=", "<"):
            assert operator in operators, (
                f"{self.distribution} requires {found[0]}: declare a floor and a ceiling, {example}"
            )
        return found[0]


class PythonProviderConformance(ProviderConformance):
    """The checks of a provider that ships Python modules (hooks, operators, ...).

    :cvar has_connection_types: ``False`` for a provider that adds no conn_type (an
        executor-only provider, say); the suite then checks that it declares none.
    """

    has_connection_types: ClassVar[bool] = True

    def test_connection_types_resolve_in_isolation(self, provider_json: dict[str, Any]) -> None:
        """Each conn_type's hook resolves in a fresh process, importing no other provider's code."""
        conn_types = provider_json.get("connection_types", {})
        if not self.has_connection_types:
            assert not conn_types, (
                f"{METADATA_FILE} declares conn_types {sorted(conn_types)} but the suite was "
                "told the provider has none: drop has_connection_types=False"
            )
            return
        assert conn_types, (
            f"{METADATA_FILE} of {self.provider_id!r} declares no connection_types; a provider "
            "without any passes has_connection_types=False to conformance_suite()"
        )
        own = (self.package, f"{self.package}.")
        for conn_type, declared in conn_types.items():
            result = subprocess.run(
                [sys.executable, "-c", _RESOLVE_IN_FRESH_PROCESS, conn_type],
                capture_output=True,
                text=True,
                check=False,
            )
            stderr = result.stderr.strip()
            assert result.returncode == 0, (
                f"resolving conn_type {conn_type!r} through get_registry().hook_class() failed "
                f"in a fresh process: {stderr.splitlines()[-1] if stderr else 'no output'}\n{stderr}"
            )
            seen = json.loads(result.stdout.splitlines()[-1])
            assert not seen["after_discovery"], (
                f"provider modules {seen['after_discovery']} were imported before any hook was "
                "asked for: discovery reads provider.json only, and a provider must not import "
                "itself at start-up (from a .pth file or sitecustomize)"
            )
            foreign = [m for m in seen["after_resolution"] if not m.startswith(own)]
            assert not foreign, (
                f"resolving conn_type {conn_type!r} imported other providers' modules {foreign}: "
                f"{declared['hook_class']} must import only core and {self.package}"
            )
            assert seen["hook"] == declared["hook_class"], (
                f"conn_type {conn_type!r} resolved to {seen['hook']}, but {METADATA_FILE} "
                f"declares {declared['hook_class']}"
            )
            assert seen["is_base_hook"], f"{seen['hook']} is not a taskloom.hooks.base.BaseHook"
            assert seen["conn_type"] == conn_type, (
                f"{seen['hook']}.conn_type is {seen['conn_type']!r}; set it to {conn_type!r}"
            )

    def test_declared_modules_import(self, provider_json: dict[str, Any]) -> None:
        """Every declared hooks/operators/sensors module imports; every secrets backend and executor is a class."""
        declared = list(self._declared(provider_json))
        assert declared, (
            f"{METADATA_FILE} of {self.provider_id!r} declares no hooks, operators, sensors, "
            "secrets backends or executors"
        )
        failures = []
        for kind, name in declared:
            try:
                if kind in {"secrets_backends", "executors"}:
                    module, _, attribute = name.rpartition(".")
                    target = getattr(importlib.import_module(module), attribute)
                    if not isinstance(target, type):
                        raise TypeError(f"{name} is a {type(target).__name__}, not a class")
                else:
                    importlib.import_module(name)
            except Exception as exc:  # noqa: BLE001 -- report every failure, not just the first
                failures.append(f"  {kind} entry {name}: {type(exc).__name__}: {exc}")
        assert not failures, (
            f"{METADATA_FILE} of {self.provider_id!r} declares what does not import:\n"
            + "\n".join(failures)
        )

    @staticmethod
    def _declared(provider_json: dict[str, Any]) -> Iterator[tuple[str, str]]:
        for kind in ("hooks", "operators", "sensors", "secrets_backends", "executors"):
            for item in provider_json.get(kind, []):
                # An executor may be {"name": short name, "class": dotted path}.
                yield kind, item if isinstance(item, str) else item["class"]


class ManifestOnlyConformance(ProviderConformance):
    """The checks of a manifest-only provider: ``manifest.yaml`` run by taskloom-declarative, no Python."""

    @pytest.fixture
    def manifest(self) -> Path:
        """The installed ``manifest.yaml``, beside ``provider.json``."""
        spec = importlib.util.find_spec(self.package)
        locations = (spec.submodule_search_locations or []) if spec is not None else []
        for location in locations:
            path = Path(location) / MANIFEST_FILE
            if path.is_file():
                return path
        pytest.fail(
            f"manifest-only provider {self.package} ships no {MANIFEST_FILE}: put it beside "
            f'{METADATA_FILE} and list it in [tool.setuptools.package-data] "{self.package}"'
        )

    def test_registry_lists_streams_without_imports(self, manifest: Path) -> None:
        """In a fresh process core's registry finds it ``ok`` with the manifest's streams, importing neither it nor the runtime."""
        from taskloom.declarative import load

        result = subprocess.run(
            [sys.executable, "-c", _STREAMS_IN_FRESH_PROCESS, self.provider_id],
            capture_output=True,
            text=True,
            check=False,
        )
        stderr = result.stderr.strip()
        assert result.returncode == 0, (
            f"reading provider {self.provider_id!r} from get_registry() failed in a fresh "
            f"process: {stderr.splitlines()[-1] if stderr else 'no output'}\n{stderr}"
        )
        seen = json.loads(result.stdout.splitlines()[-1])
        assert seen["state"] == "ok", (
            f"core's registry finds {self.provider_id!r} {seen['state']}: {seen['reason']}; "
            f"fix: {seen['fix']}"
        )
        assert not seen["imported"], (
            f"discovering manifest-only provider {self.provider_id!r} imported {seen['imported']}: "
            "core reads provider.json and manifest.yaml only"
        )
        streams = load(manifest).stream_names
        assert streams, f"{MANIFEST_FILE} of {self.provider_id!r} declares no stream"
        assert seen["streams"] == streams, (
            f"core's registry lists streams {seen['streams']} for {self.provider_id!r}, but "
            f"{MANIFEST_FILE} declares {streams}"
        )

    def test_connection_type_comes_from_the_spec(self, manifest: Path) -> None:
        """The registry's connection type has the spec's properties as extra fields, with its required and secret ones."""
        from taskloom.declarative import load
        from taskloom.providers_manager import get_registry

        spec = load(manifest).spec()
        properties = spec.get("properties") or {}
        assert properties, (
            f"{MANIFEST_FILE} of {self.provider_id!r} has no spec.connection_specification.properties: "
            "declare the config a connection holds"
        )
        conn_types = get_registry().get(self.provider_id).connection_types
        assert list(conn_types) == [self.provider_id], (
            f"a manifest-only provider has one conn_type, its id {self.provider_id!r}; the registry "
            f"lists {sorted(conn_types)}: drop connection_types from {METADATA_FILE}"
        )
        info = conn_types[self.provider_id]
        declared = {
            "fields": sorted(properties),
            "required": sorted(spec.get("required") or []),
            "secret": sorted(n for n, p in properties.items() if p.get("airbyte_secret")),
        }
        registered = {
            "fields": sorted(info.extra_fields),
            "required": sorted(n for n, f in info.extra_fields.items() if f.required),
            "secret": sorted(info.secret_extra_fields),
        }
        differ = [
            f"  {what}: spec {declared[what]}, registry {registered[what]}"
            for what in declared
            if declared[what] != registered[what]
        ]
        assert not differ, (
            f"conn_type {self.provider_id!r}'s fields are not the manifest spec's; drop "
            f"connection_types from {METADATA_FILE} so core builds them from the spec:\n"
            + "\n".join(differ)
        )

    def test_manifest_validates(self, manifest: Path) -> None:
        """taskloom-declarative loads the manifest with no problem."""
        from taskloom.declarative import load
        from taskloom.declarative.errors import ManifestError

        try:
            load(manifest)
        except ManifestError as exc:
            pytest.fail(f"{DECLARATIVE} rejects {self.package}/{MANIFEST_FILE}: {exc}")

    def test_ships_no_python(self) -> None:
        """The installed distribution's RECORD lists no ``.py`` file: the manifest is the provider."""
        files = metadata.files(self.distribution)
        assert files is not None, f"{self.distribution} has no RECORD: reinstall it"
        python = sorted(str(f) for f in files if f.suffix == ".py")
        assert not python, (
            f"manifest-only {self.distribution} ships Python files {python}: remove them (the "
            f"runtime is {DECLARATIVE}) or drop manifest_only from {METADATA_FILE}"
        )

    def test_declarative_is_bounded(self, provider_json: dict[str, Any]) -> None:
        """It requires ``taskloom-declarative>=<floor>,<<ceiling>``, the range provider.json declares."""
        requirement = self._bounded_requirement(DECLARATIVE, f"{DECLARATIVE}>=1.0,<2")
        declared = SpecifierSet(str(provider_json.get("declarative", "")))
        assert requirement.specifier == declared, (
            f"{self.distribution} requires {requirement} but {METADATA_FILE} says "
            f"declarative {str(declared)!r}: state the same range in both"
        )


def conformance_suite(
    provider_id: str, *, has_connection_types: bool = True
) -> type[ProviderConformance]:
    """The suite as a test class for ``provider_id``; bind it to a ``Test*`` name so pytest collects it.

    The installed ``provider.json`` decides the checks: :class:`ManifestOnlyConformance` for
    a manifest-only provider, :class:`PythonProviderConformance` otherwise.

    :param has_connection_types: ``False`` for a Python provider that adds no conn_type.
    """
    if _is_manifest_only(provider_id):
        if not has_connection_types:
            raise TypeError(
                f"{provider_id!r} is manifest-only: its conn_type comes from the manifest's spec, "
                "drop has_connection_types=False"
            )
        return type("TestConformance", (ManifestOnlyConformance,), {"provider_id": provider_id})
    return type(
        "TestConformance",
        (PythonProviderConformance,),
        {"provider_id": provider_id, "has_connection_types": has_connection_types},
    )
