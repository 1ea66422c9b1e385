"""Loading manifests: $ref, $parameters, implicit types, the version check, refusals with path and line."""

from __future__ import annotations

import pytest
from conftest import MANIFESTS

from taskloom.declarative import source
from taskloom.declarative.errors import ManifestError

BASE = """\
version: 6.5.0
type: DeclarativeSource
check: {{type: CheckStream, stream_names: [items]}}
streams:
  - type: DeclarativeStream
    name: items
    retriever:
      type: SimpleRetriever
      requester:
        type: HttpRequester
        url_base: http://127.0.0.1:1
        path: /items
{auth}
      record_selector:
        type: RecordSelector
        extractor: {{type: DpathExtractor, field_path: []}}
"""


def test_airbyte_style_manifest_loads_with_refs_parameters_and_implicit_types() -> None:
    """$ref copies definitions, $parameters fill the requester's path, untyped components get their type."""
    loaded = source.load(MANIFESTS / "pokeapi_style.yaml")
    stream = loaded.document["streams"][0]
    requester = stream["retriever"]["requester"]
    assert requester["path"] == "/pokemon"
    assert stream["retriever"]["record_selector"]["type"] == "RecordSelector"
    assert stream["retriever"]["record_selector"]["extractor"]["type"] == "DpathExtractor"
    assert loaded.stream_names == ["pokemon"]
    assert loaded.spec()["required"] == ["base_url"]


def test_unsupported_component_is_refused_with_path_line_and_name() -> None:
    """A component the runtime lacks fails at load time, naming the path, the line and the type."""
    text = BASE.format(auth="        authenticator: {type: JwtAuthenticator, secret_key: x}")
    with pytest.raises(ManifestError) as info:
        source.loads(text, "m.yaml")
    (problem,) = info.value.problems
    assert problem.startswith(
        "streams[0].retriever.requester.authenticator (line 13): unsupported component 'JwtAuthenticator'"
    )
    assert "BearerAuthenticator" in problem


def test_custom_components_are_refused() -> None:
    """components.py classes are named as unsupported custom code."""
    text = BASE.format(
        auth="        authenticator: {type: CustomAuthenticator, class_name: components.X}"
    )
    with pytest.raises(ManifestError, match="custom Python components"):
        source.loads(text, "m.yaml")


def test_every_problem_is_listed() -> None:
    """Validation reports all errors, not the first one only."""
    text = (
        BASE.format(auth="        http_method: DELETE")
        + "    incremental_sync: {type: DatetimeBasedCursor}\n"
    )
    with pytest.raises(ManifestError) as info:
        source.loads(text, "m.yaml")
    joined = "\n".join(info.value.problems)
    assert "streams[0].incremental_sync (line 17): 'cursor_field' is a required property" in joined
    assert "http_method (line 10): 'DELETE' is not one of ['GET', 'POST']" in joined


def test_newer_manifest_version_is_refused() -> None:
    """A manifest from a future format major fails with the fix."""
    text = BASE.format(auth="").replace("version: 6.5.0", "version: 8.0.0")
    with pytest.raises(
        ManifestError,
        match=r"version \(line 1\): unsupported manifest version 8.0.0.*upgrade taskloom-declarative",
    ):
        source.loads(text, "m.yaml")


def test_broken_ref_and_yaml_errors() -> None:
    """A $ref to nothing and malformed YAML are one-line errors with a place."""
    text = BASE.format(auth="        authenticator: {$ref: '#/definitions/nope'}")
    with pytest.raises(
        ManifestError,
        match=r"authenticator \(line 13\): \$ref '#/definitions/nope' points at nothing",
    ):
        source.loads(text, "m.yaml")
    with pytest.raises(ManifestError, match=r"\(line \d+\): invalid YAML"):
        source.loads("version: 1.0.0\nstreams: [\n", "m.yaml")


def test_unsupported_top_level_key() -> None:
    """dynamic_streams is refused by name."""
    text = BASE.format(auth="") + "dynamic_streams: []\n"
    with pytest.raises(ManifestError, match=r"dynamic_streams.*unsupported field"):
        source.loads(text, "m.yaml")


STRING_REFS = """\
version: 0.50.0
definitions:
  requester:
    url_base: http://127.0.0.1:1
    authenticator: {type: NoAuth}
  selector:
    extractor: {field_path: [results]}
  parents_stream:
    name: parents
    retriever:
      requester: "#/definitions/requester"
      record_selector: "#/definitions/selector"
    $parameters: {path: /parents}
  children_stream:
    name: children
    retriever:
      requester: "#/definitions/requester"
      record_selector: "#/definitions/selector"
      partition_router:
        type: SubstreamPartitionRouter
        parent_stream_configs:
          - stream: "#/definitions/parents_stream"
            parent_key: id
            partition_field: parent_id
    $parameters: {path: "/parents/{{ stream_partition.parent_id }}/children"}
streams: ["#/definitions/parents_stream", "#/definitions/children_stream"]
check: {stream_names: [parents]}
"""


def test_bare_string_references_stand_for_their_target() -> None:
    """Airbyte's older form: a string "#/definitions/x" anywhere is a reference, as with $ref."""
    loaded = source.loads(STRING_REFS, "m.yaml")
    assert loaded.stream_names == ["parents", "children"]
    children = loaded.document["streams"][1]
    parent = children["retriever"]["partition_router"]["parent_stream_configs"][0]["stream"]
    assert parent["type"] == "DeclarativeStream"
    assert parent["retriever"]["requester"]["type"] == "HttpRequester"
    assert parent["retriever"]["requester"]["path"] == "/parents"
    assert children["retriever"]["record_selector"]["extractor"]["field_path"] == ["results"]


def test_bare_string_reference_cycles_and_dangling_targets_name_path_and_line() -> None:
    """The same checks as $ref: a cycle and a target that does not exist, at their place."""
    cyclic = STRING_REFS.replace(
        "  requester:\n    url_base: http://127.0.0.1:1\n    authenticator: {type: NoAuth}\n",
        '  requester: "#/definitions/other"\n  other: "#/definitions/requester"\n',
    )
    with pytest.raises(ManifestError) as info:
        source.loads(cyclic, "m.yaml")
    assert info.value.problems == [
        "definitions.requester (line 3): reference cycle "
        "#/definitions/other -> #/definitions/requester -> #/definitions/other"
    ]
    dangling = STRING_REFS.replace('"#/definitions/children_stream"', '"#/definitions/kids"')
    with pytest.raises(ManifestError) as info:
        source.loads(dangling, "m.yaml")
    assert info.value.problems == [
        "streams[1] (line 26): reference '#/definitions/kids' points at nothing"
    ]


def test_class_name_component_is_refused_as_custom_code_with_or_without_type() -> None:
    """A component naming a Python class is refused as such, not as a missing 'type'."""
    for auth in (
        "        authenticator: {class_name: source_x.components.Auth}",
        "        authenticator: {type: BearerAuthenticator, class_name: source_x.components.Auth}",
    ):
        with pytest.raises(ManifestError) as info:
            source.loads(BASE.format(auth=auth), "m.yaml")
        assert info.value.problems == [
            "streams[0].retriever.requester.authenticator (line 13): custom Python components "
            "(class_name: source_x.components.Auth) are not supported by taskloom-declarative"
        ]


def test_a_string_where_a_component_belongs_says_what_it_got() -> None:
    """A plain string in a component field is named, briefly, instead of dumping objects."""
    text = BASE.format(auth="        authenticator: bearer-please")
    with pytest.raises(ManifestError) as info:
        source.loads(text, "m.yaml")
    assert info.value.problems == [
        "streams[0].retriever.requester.authenticator (line 10): expected object, "
        "got the string 'bearer-please'"
    ]
