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
