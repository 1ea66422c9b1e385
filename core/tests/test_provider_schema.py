"""Tests of provider.schema.json and the validator that applies it (taskloom/_json_schema.py, _provider_info.py)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from taskloom.exceptions import ProviderValidationError
from taskloom.providers_manager import builtin_provider
from taskloom.registry.info import load_provider_json
from taskloom.registry.info import parse_provider_info
from taskloom.registry.info import provider_schema
from taskloom.registry.json_schema import SchemaError
from taskloom.registry.json_schema import check_keywords
from taskloom.registry.json_schema import json_type
from taskloom.registry.json_schema import validate

FIXTURES = Path(__file__).parent / "fixtures" / "providers"
GOOD = FIXTURES / "good" / "src" / "taskloom" / "providers" / "fixture_good" / "provider.json"


def _good() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(GOOD.read_text(encoding="utf-8"))
    return data


def _errors(mutate: Any) -> list[str]:
    data = _good()
    mutate(data)
    return validate(data, provider_schema())


def test_valid_metadata_has_no_errors() -> None:
    """The good fixture and core's built-in metadata pass the schema."""
    assert validate(_good(), provider_schema()) == []
    assert builtin_provider().id == "core"


def test_only_id_name_and_description_are_required() -> None:
    """Minimal metadata is valid; the lists and mappings default to empty (third parties are not forced to fill them)."""
    minimal = {"id": "acme", "name": "Acme", "description": "Acme things."}
    assert validate(minimal, provider_schema()) == []
    info = parse_provider_info(minimal, source="inline", provider_id="acme")
    assert (info.connection_types, info.hooks, info.maintainers) == ({}, (), ())


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d.pop("name"), "$.name: required property is missing"),
        (
            lambda d: d.update(id="Bad-Id"),
            "$.id: expected a string matching ^[a-z][a-z0-9_]*$, found 'Bad-Id'",
        ),
        (lambda d: d.update(hooks="x.y"), "$.hooks: expected array, found string 'x.y'"),
        (lambda d: d.update(hooks=["nodots"]), "$.hooks[0]: expected a string matching"),
        (lambda d: d.update(hooks=["a.b", "a.b"]), "$.hooks[1]: duplicate item 'a.b'"),
        (
            lambda d: d.update(homepage="x"),
            "$.homepage: unknown property (expected one of: $schema, connection_types,",
        ),
        (
            lambda d: d.update(issue_tracker="ftp://x"),
            "$.issue_tracker: expected a string matching ^https?://",
        ),
        (lambda d: d.update(name=""), "$.name: expected at least 1 character(s), found ''"),
        (
            lambda d: d.update(maintainers=[{"github": "@x"}]),
            "$.maintainers[0].name: required property is missing",
        ),
        (
            lambda d: d["connection_types"]["fixture_good"].pop("hook_class"),
            "$.connection_types.fixture_good.hook_class: required property is missing",
        ),
        (
            lambda d: d["connection_types"]["fixture_good"]["fields"].update(
                hots={"label": "typo"}
            ),
            "$.connection_types.fixture_good.fields.hots: expected one of 'host', 'port', 'schema', 'login', 'password', 'extra', found 'hots'",
        ),
        (
            lambda d: d["connection_types"]["fixture_good"]["extra_fields"]["api_key"].update(
                secret="yes"
            ),
            "$.connection_types.fixture_good.extra_fields.api_key.secret: expected boolean, found string 'yes'",
        ),
        (
            lambda d: d["connection_types"]["fixture_good"]["hidden_fields"].append("schemas"),
            "$.connection_types.fixture_good.hidden_fields[1]: expected one of",
        ),
        (
            lambda d: d["connection_types"].update(
                {"Bad Type": d["connection_types"]["fixture_good"]}
            ),
            "$.connection_types['Bad Type']: expected a string matching ^[a-z][a-z0-9_-]*$, found 'Bad Type'",
        ),
        (
            lambda d: d["connection_types"]["fixture_good"]["fields"]["host"].update(
                default=True, label=3
            ),
            "$.connection_types.fixture_good.fields.host.label: expected string, found integer 3",
        ),
    ],
)
def test_each_error_names_the_json_path_and_what_was_expected(mutate: Any, expected: str) -> None:
    """A bad field is reported with its JSON path, the expected type or form, and the value found."""
    errors = _errors(mutate)
    assert any(error.startswith(expected) for error in errors), errors


def test_all_errors_are_reported_at_once() -> None:
    """Several mistakes give several messages, so an author fixes them in one go."""

    def mutate(data: dict[str, Any]) -> None:
        data.pop("description")
        data["operators"] = [1]

    assert _errors(mutate) == [
        "$.description: required property is missing",
        "$.operators[0]: expected string, found integer 1",
    ]


def test_json_types_distinguish_booleans_and_integers() -> None:
    """True is a boolean, not an integer; an integer is also a number."""
    assert [json_type(v) for v in (True, 1, 1.5, None, "s", [], {})] == [
        "boolean",
        "integer",
        "number",
        "null",
        "string",
        "array",
        "object",
    ]
    assert validate(3, {"type": "number"}) == []
    assert validate(True, {"type": "integer"}) == ["$: expected integer, found boolean True"]


def test_unsupported_keywords_are_refused_not_ignored() -> None:
    """A schema using a keyword the validator lacks fails loudly, naming it and where it is."""
    schema = copy.deepcopy(dict(provider_schema()))
    schema["$defs"]["field"]["properties"]["label"]["maxLength"] = 10
    with pytest.raises(
        SchemaError, match="#/\\$defs/field/properties/label: keyword 'maxLength' is not supported"
    ):
        check_keywords(schema)


def test_const_keyword() -> None:
    """const compares the whole value."""
    assert validate("a", {"const": "b"}) == ["$: expected 'b', found 'a'"]


def test_remote_references_are_refused() -> None:
    """Only local $ref are followed (the schema must be self-contained)."""
    with pytest.raises(SchemaError, match="only local references"):
        validate(1, {"$ref": "https://example.com/schema.json"})


def test_load_provider_json_reports_bad_json_with_position(tmp_path: Path) -> None:
    """A file that is not JSON names the file, line and column."""
    path = tmp_path / "provider.json"
    path.write_text('{"id": "x",\n  "name": }\n', encoding="utf-8")
    with pytest.raises(
        ProviderValidationError, match=r"is not valid JSON: Expecting value at line 2 column 11"
    ):
        load_provider_json(str(path), provider_id="x")


def test_load_provider_json_reports_a_missing_file(tmp_path: Path) -> None:
    """A provider package without provider.json names the missing path."""
    with pytest.raises(ProviderValidationError, match=r"cannot read .*provider\.json"):
        load_provider_json(str(tmp_path / "provider.json"), provider_id="x")


def test_parsed_metadata_round_trips_to_the_same_document() -> None:
    """ProviderInfo.to_dict gives back what provider.json holds."""
    info = load_provider_json(str(GOOD), provider_id="fixture_good")
    assert info.to_dict() == _good()
    conn = info.connection_types["fixture_good"]
    assert conn.secret_fields == frozenset({"password"})
    assert conn.secret_extra_fields == frozenset({"api_key"})
    assert conn.hook_module == "taskloom.providers.fixture_good.hooks.good"


def test_schema_is_shipped_beside_the_package() -> None:
    """provider.schema.json is package data that third-party authors can point editors at."""
    schema = provider_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["required"] == ["id", "name", "description"]
