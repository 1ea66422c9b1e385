"""Tests of provider.schema.json and its validation (taskloom.registry.validation, with fastjsonschema; registry.info)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator

from taskloom.exceptions import ProviderValidationError
from taskloom.providers_manager import builtin_provider
from taskloom.registry.info import load_provider_json
from taskloom.registry.info import parse_provider_info
from taskloom.registry.info import provider_schema
from taskloom.registry.validation import schema_error as validate

FIXTURES = Path(__file__).parent / "fixtures" / "providers"
GOOD = FIXTURES / "good" / "src" / "taskloom" / "providers" / "fixture_good" / "provider.json"


def _good() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(GOOD.read_text(encoding="utf-8"))
    return data


def _error(mutate: Any) -> str | None:
    data = _good()
    mutate(data)
    return validate(data, provider_schema())


def test_valid_metadata_has_no_errors() -> None:
    """The good fixture and core's built-in metadata pass the schema."""
    assert validate(_good(), provider_schema()) is None
    assert builtin_provider().id == "core"


def test_only_id_name_and_description_are_required() -> None:
    """Minimal metadata is valid; the lists and mappings default to empty (third parties are not forced to fill them)."""
    minimal = {"id": "acme", "name": "Acme", "description": "Acme things."}
    assert validate(minimal, provider_schema()) is None
    info = parse_provider_info(minimal, source="inline", provider_id="acme")
    assert (info.connection_types, info.hooks, info.maintainers) == ({}, (), ())


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d.pop("name"), "$: must contain ['name'] properties"),
        (
            lambda d: d.update(id="Bad-Id"),
            "$.id: must match pattern ^[a-z][a-z0-9_]*$, found 'Bad-Id'",
        ),
        (lambda d: d.update(hooks="x.y"), "$.hooks: must be array, found 'x.y'"),
        (lambda d: d.update(hooks=["nodots"]), "$.hooks[0]: must match pattern"),
        (
            lambda d: d.update(hooks=["a.b", "a.b"]),
            "$.hooks: must contain unique items, found ['a.b', 'a.b']",
        ),
        (lambda d: d.update(homepage="x"), "$: must not contain {'homepage'} properties"),
        (
            lambda d: d.update(issue_tracker="ftp://x"),
            "$.issue_tracker: must match pattern ^https?://, found 'ftp://x'",
        ),
        (
            lambda d: d.update(name=""),
            "$.name: must be longer than or equal to 1 characters, found ''",
        ),
        (
            lambda d: d.update(maintainers=[{"github": "@x"}]),
            "$.maintainers[0]: must contain ['name'] properties",
        ),
        (
            lambda d: d["connection_types"]["fixture_good"].pop("hook_class"),
            "$.connection_types.fixture_good: must contain ['hook_class'] properties",
        ),
        (
            lambda d: d["connection_types"]["fixture_good"]["fields"].update(
                hots={"label": "typo"}
            ),
            "$.connection_types.fixture_good.fields: must not contain {'hots'} properties",
        ),
        (
            lambda d: d["connection_types"]["fixture_good"]["extra_fields"]["api_key"].update(
                secret="yes"
            ),
            "$.connection_types.fixture_good.extra_fields.api_key.secret: must be boolean, found 'yes'",
        ),
        (
            lambda d: d["connection_types"]["fixture_good"]["hidden_fields"].append("schemas"),
            "$.connection_types.fixture_good.hidden_fields[1]: must be one of",
        ),
        (
            lambda d: d["connection_types"].update(
                {"Bad Type": d["connection_types"]["fixture_good"]}
            ),
            "$.connection_types: must not contain {'Bad Type'} properties",
        ),
        (
            lambda d: d["connection_types"]["fixture_good"]["fields"]["host"].update(
                default=True, label=3
            ),
            "$.connection_types.fixture_good.fields.host.label: must be string, found 3",
        ),
        (
            lambda d: d["connection_types"]["fixture_good"]["extra_fields"]["api_key"].update(
                type="date"
            ),
            "$.connection_types.fixture_good.extra_fields.api_key.type: must be one of",
        ),
        (
            lambda d: d.update(description="x" * 200, operators=[{"x" * 200: 1}]),
            "$.operators[0]: must be string, found {'xxxxxxxx",
        ),
    ],
)
def test_the_error_names_the_json_path_and_what_was_expected(mutate: Any, expected: str) -> None:
    """A bad field is reported with its JSON path, the expected type or form, and the value found."""
    error = _error(mutate)
    assert error is not None
    assert error.startswith(expected), error
    assert len(error) < 200, error  # a long value is cut, the line stays readable


def test_the_message_names_the_provider_the_file_and_the_fix() -> None:
    """fastjsonschema stops at the first error: the message says where, what, and what to do."""
    with pytest.raises(ProviderValidationError) as info:
        parse_provider_info(
            {"id": "x", "name": "X", "description": "X.", "operators": [1]},
            source="/site/taskloom/providers/x/provider.json",
            provider_id="x",
        )
    assert str(info.value) == (
        "provider 'x': /site/taskloom/providers/x/provider.json does not match "
        "provider.schema.json at $.operators[0]: must be string, found 1 (validation stops at "
        "the first error: once it is fixed, run again to find any other; "
        "taskloom/provider.schema.json describes every key)"
    )
    assert info.value.provider_id == "x"


def test_booleans_and_numbers_are_distinct_choices() -> None:
    """JSON Schema keeps 0 and false apart (the hand-written subset flagged them as duplicates)."""

    def mutate(data: dict[str, Any]) -> None:
        data["connection_types"]["fixture_good"]["extra_fields"]["api_key"]["choices"] = [
            0,
            False,
            1,
            True,
        ]

    assert _error(mutate) is None


def test_validation_does_not_fill_defaults_into_the_document() -> None:
    data = _good()
    before = json.dumps(data, sort_keys=True)
    assert validate(data, provider_schema()) is None
    assert json.dumps(data, sort_keys=True) == before


def test_the_validator_is_compiled_once_per_process() -> None:
    """Compiling the schema is the costly part: later cache misses reuse the function."""
    code = (
        "import fastjsonschema\n"
        "calls = []\n"
        "real = fastjsonschema.compile\n"
        "fastjsonschema.compile = lambda *a, **k: calls.append(1) or real(*a, **k)\n"
        "from taskloom.registry.info import parse_provider_info\n"
        "for i in range(3):\n"
        "    parse_provider_info({'id': 'a', 'name': 'A', 'description': 'A.'},"
        " source='p', provider_id='a')\n"
        "print(len(calls))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1"


def test_the_schema_is_a_valid_draft_07_schema() -> None:
    Draft7Validator.check_schema(dict(provider_schema()))


# --- differential: taskloom's verdict is the library's, on many generated documents ---------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=6),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=5,
)
_scalar_list = st.lists(
    st.one_of(st.integers(-1, 1), st.booleans(), st.sampled_from(["a", "b"]), st.floats(0, 1)),
    max_size=4,
)
_field = st.dictionaries(
    st.sampled_from(
        ["label", "placeholder", "description", "default", "choices", "secret", "type", "bogus"]
    ),
    st.one_of(_json, _scalar_list, st.sampled_from(["string", "integer", "boolean", "date"])),
    max_size=4,
)
_conn_type = st.fixed_dictionaries(
    {
        "hook_class": st.sampled_from(["a.b.Hook", "nodots", "x.y.Z"]) | _json,
        "display_name": st.sampled_from(["Acme", ""]) | _json,
    },
    optional={
        "default_conn_id": st.sampled_from(["acme_default", ""]) | _json,
        "fields": st.dictionaries(
            st.sampled_from(["host", "port", "login", "hots"]), _field, max_size=3
        )
        | _json,
        "hidden_fields": st.lists(st.sampled_from(["schema", "extra", "nope"]), max_size=3) | _json,
        "extra_fields": st.dictionaries(
            st.sampled_from(["region", "api_key", "bad key", "9x"]), _field, max_size=3
        ),
        "uri_schemes": st.lists(st.sampled_from(["acmesql", "Bad", "a+b", ""]), max_size=3),
        "bogus": _json,
    },
)
_document = st.fixed_dictionaries(
    {
        "id": st.sampled_from(["acme", "Bad-Id", "a_b"]) | _json,
        "name": st.sampled_from(["Acme", ""]) | _json,
        "description": st.just("Acme things.") | _json,
    },
    optional={
        "connection_types": st.dictionaries(
            st.sampled_from(["acme", "acme-db", "Bad Type"]), _conn_type, max_size=2
        ),
        "maintainers": st.lists(
            st.fixed_dictionaries(
                {"name": st.just("A")},
                optional={"github": st.sampled_from(["@a", "a"]), "email": _json},
            ),
            max_size=2,
        ),
        "issue_tracker": st.sampled_from(["https://x", "ftp://x"]),
        "hooks": st.lists(st.sampled_from(["a.b", "nodots", "a.b"]), max_size=3),
        "executors": st.lists(
            st.sampled_from(
                [
                    "a.B",
                    "A",
                    {"name": "celery", "class": "a.B"},
                    {"name": "local", "class": "a.B"},
                    {"name": "Bad Name", "class": "a.B"},
                    {"name": "x"},
                    {"name": "x", "class": "a.B", "queue": "q"},
                ]
            ),
            max_size=2,
        ),
        "queue": st.sampled_from(["default", "manifest-only", "bad queue", ""]),
        "http_auth_types": st.lists(st.sampled_from(["a.Auth", "a.Auth", "x"]), max_size=2),
        "homepage": _json,
    },
)


@settings(max_examples=400, deadline=None)
@given(_document)
def test_validation_agrees_with_the_jsonschema_library(document: dict[str, Any]) -> None:
    """fastjsonschema's verdict is the reference implementation's, and its error is one of jsonschema's."""
    reference = Draft7Validator(dict(provider_schema()))
    expected = list(reference.iter_errors(document))
    error = validate(document, provider_schema())
    assert (error is None) == (not expected), (error, [e.message for e in expected])
    if expected:
        assert error is not None
        path = error.split(": ", 1)[0]
        # fastjsonschema reports a place jsonschema also finds wrong (or one of its parents).
        assert any(_json_path(e.absolute_path).startswith(path) for e in expected), (
            error,
            expected,
        )
        with pytest.raises(ProviderValidationError):
            parse_provider_info(document, source="generated", provider_id="acme")
    else:
        # Whatever the schema accepts builds metadata whose JSON form is valid again.
        info = parse_provider_info(document, source="generated", provider_id="acme")
        assert reference.is_valid(info.to_dict())


def _json_path(keys: Any) -> str:
    """jsonschema's path in fastjsonschema's spelling: ``$.a.b[0]``."""
    return "$" + "".join(f"[{key}]" if isinstance(key, int) else f".{key}" for key in keys)


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
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema["required"] == ["id", "name", "description"]
