"""Loading a manifest: YAML with line numbers, ``$ref``, implicit types, ``$parameters``.

The steps follow Airbyte's declarative source, so its manifests load unchanged:

1. the YAML is parsed into :class:`Node`/:class:`Seq` containers that remember their line;
2. every ``$ref: "#/a/b"`` is replaced by a copy of its target, the keys beside ``$ref``
   overriding the target's; a bare string ``"#/a/b"`` (and the older ``"*ref(a.b)"``) anywhere
   stands for its target too, as in Airbyte (``streams: ["#/definitions/users"]``);
3. a component written without ``type`` gets the type its field implies
   (``record_selector`` -> ``RecordSelector``), see :data:`DEFAULT_TYPES`;
4. ``$parameters`` flow from each component into the components below it, and fill the
   fields a component leaves empty (``$parameters: {path: /users}`` sets a requester's path).

The manifest ``version`` is checked last: a manifest newer than this runtime is refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from typing import Final

import yaml

from taskloom.declarative.errors import ManifestError

#: Manifest versions this runtime implements (Airbyte CDK component semantics up to 7.x).
MIN_VERSION: Final = (0, 29)
MAX_MAJOR: Final = 7

PARAMETERS: Final = "$parameters"

#: ``"<parent type>.<field>"`` -> the type a component in that field has when it names none.
DEFAULT_TYPES: Final[dict[str, str]] = {
    "DeclarativeSource.check": "CheckStream",
    "DeclarativeSource.streams": "DeclarativeStream",
    "DeclarativeSource.spec": "Spec",
    "DeclarativeStream.retriever": "SimpleRetriever",
    "DeclarativeStream.schema_loader": "JsonFileSchemaLoader",
    "SimpleRetriever.requester": "HttpRequester",
    "SimpleRetriever.record_selector": "RecordSelector",
    "SimpleRetriever.paginator": "NoPagination",
    "RecordSelector.extractor": "DpathExtractor",
    "RecordSelector.record_filter": "RecordFilter",
    "HttpRequester.error_handler": "DefaultErrorHandler",
    "DefaultErrorHandler.response_filters": "HttpResponseFilter",
    "CompositeErrorHandler.error_handlers": "DefaultErrorHandler",
    "DefaultPaginator.page_size_option": "RequestOption",
    "DefaultPaginator.page_token_option": "RequestOption",
    "DatetimeBasedCursor.start_datetime": "MinMaxDatetime",
    "DatetimeBasedCursor.end_datetime": "MinMaxDatetime",
    "DatetimeBasedCursor.start_time_option": "RequestOption",
    "DatetimeBasedCursor.end_time_option": "RequestOption",
    "ListPartitionRouter.request_option": "RequestOption",
    "SubstreamPartitionRouter.parent_stream_configs": "ParentStreamConfig",
    "ParentStreamConfig.stream": "DeclarativeStream",
    "ParentStreamConfig.request_option": "RequestOption",
    "ApiKeyAuthenticator.inject_into": "RequestOption",
    "SessionTokenAuthenticator.login_requester": "HttpRequester",
    "AddFields.fields": "AddedFieldDefinition",
}

#: ``"<type>.<field>"`` whose value maps names to components (not a component itself).
COMPONENT_MAPS: Final = frozenset({"SelectiveAuthenticator.authenticators"})

_OLD_REF = re.compile(r"^\*ref\(([^)]+)\)$")


class Node(dict[str, Any]):
    """A YAML mapping that remembers the line it starts on (1-based, 0 if unknown)."""

    __slots__ = ("line",)

    def __init__(self, *args: Any, line: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line = line


class Seq(list[Any]):
    """A YAML sequence that remembers the line it starts on."""

    __slots__ = ("line",)

    def __init__(self, *args: Any, line: int = 0) -> None:
        super().__init__(*args)
        self.line = line


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """A safe YAML loader building :class:`Node`/:class:`Seq` with their line numbers."""


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Node:
    loader.flatten_mapping(node)
    pairs = loader.construct_pairs(node, deep=True)
    return Node(pairs, line=node.start_mark.line + 1)


def _sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> Seq:
    return Seq(loader.construct_sequence(node, deep=True), line=node.start_mark.line + 1)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def parse_yaml(text: str, source: str) -> Node:
    """Parse manifest text; a YAML error or a non-mapping document is a :class:`ManifestError`."""
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "somewhere"
        problem = getattr(exc, "problem", None) or str(exc)
        raise ManifestError(source, [f"(root) ({where}): invalid YAML: {problem}"]) from None
    if not isinstance(data, Node):
        raise ManifestError(source, ["(root): the manifest must be a YAML mapping"])
    return data


def json_path(path: tuple[Any, ...] | list[Any]) -> str:
    """``("streams", 0, "retriever")`` -> ``streams[0].retriever``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(root)"


def line_of(document: Any, path: tuple[Any, ...] | list[Any]) -> int:
    """The line of the deepest container on ``path`` that knows its line (0 if none)."""
    line = getattr(document, "line", 0)
    node = document
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        line = getattr(node, "line", 0) or line
    return line


def where(document: Any, path: tuple[Any, ...] | list[Any]) -> str:
    """``streams[0].retriever (line 12)``: how every message names a place in the manifest."""
    line = line_of(document, path)
    return f"{json_path(path)} (line {line})" if line else json_path(path)


# --- $ref --------------------------------------------------------------------------------


class _RefResolver:
    def __init__(self, root: Node, source: str) -> None:
        self.root = root
        self.source = source
        self.problems: list[str] = []
        self.cycles: set[frozenset[str]] = set()

    def target(
        self, ref: str, path: tuple[Any, ...], stack: tuple[str, ...], label: str = "$ref"
    ) -> Any:
        if ref in stack:
            cycle = (*stack[stack.index(ref) :], ref)
            if frozenset(cycle) not in self.cycles:  # once, not at every path into it
                self.cycles.add(frozenset(cycle))
                chain = " -> ".join(cycle)
                self.problems.append(f"{where(self.root, path)}: {label} cycle {chain}")
            return None
        old = _OLD_REF.match(ref)
        if old:
            parts: list[str] = old.group(1).split(".")
        elif ref.startswith("#/"):
            parts = [p.replace("~1", "/").replace("~0", "~") for p in ref[2:].split("/")]
        else:
            self.problems.append(
                f"{where(self.root, path)}: {label} {ref!r} must point inside the manifest "
                '("#/definitions/..."); references to other files are not supported'
            )
            return None
        node: Any = self.root
        for part in parts:
            if isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            elif isinstance(node, Mapping) and part in node:
                node = node[part]
            else:
                self.problems.append(f"{where(self.root, path)}: {label} {ref!r} points at nothing")
                return None
        return self.resolve(node, path, (*stack, ref))

    def resolve(self, value: Any, path: tuple[Any, ...], stack: tuple[str, ...] = ()) -> Any:
        if isinstance(value, str) and (value.startswith("#/") or _OLD_REF.match(value)):
            return self.target(value, path, stack, "reference")
        if isinstance(value, list):
            return Seq(
                (self.resolve(v, (*path, i), stack) for i, v in enumerate(value)),
                line=getattr(value, "line", 0),
            )
        if not isinstance(value, Mapping):
            return value
        line = getattr(value, "line", 0)
        ref = value.get("$ref")
        if isinstance(ref, str):
            base = self.target(ref, path, stack)
            merged = Node(base, line=line) if isinstance(base, Mapping) else Node(line=line)
            for key, item in value.items():
                if key != "$ref":
                    merged[key] = self.resolve(item, (*path, key), stack)
            if not isinstance(base, Mapping) and base is not None and len(value) == 1:
                return base  # a $ref to a scalar or a list stands for that value
            return merged
        return Node(((k, self.resolve(v, (*path, k), stack)) for k, v in value.items()), line=line)


# --- implicit types and $parameters ----------------------------------------------------------


def _is_json_schema(value: Mapping[str, Any]) -> bool:
    kind = value.get("type")
    return kind in ("object", "array", "string", "integer", "number", "boolean", "null") or (
        isinstance(kind, list)
    )


def _propagate(
    value: Any, parent_type: str | None, field: str | None, params: dict[str, Any]
) -> Any:
    if isinstance(value, list):
        return Seq(
            (_propagate(v, parent_type, field, params) for v in value),
            line=getattr(value, "line", 0),
        )
    if not isinstance(value, Mapping):
        return value
    component = Node(value, line=getattr(value, "line", 0))
    if "type" not in component and parent_type and field:
        default = DEFAULT_TYPES.get(f"{parent_type}.{field}")
        if default:
            component["type"] = default
    kind = component.get("type")
    # Component types are CamelCase; ``{"type": "all"}`` is data (a request parameter).
    if not isinstance(kind, str) or not kind[:1].isupper() or _is_json_schema(component):
        return component  # a plain mapping (headers, a JSON schema): copied as it is
    own = component.pop(PARAMETERS, None) or {}
    current = {**params, **own} if isinstance(own, Mapping) else dict(params)
    for key, item in current.items():
        if not component.get(key):
            component[key] = item
    for key in list(component):
        child = component[key]
        if isinstance(child, (Mapping, list)) and key not in ("schema", "connection_specification"):
            # A parameter named like the field would re-enter itself: leave it out below.
            below = {k: v for k, v in current.items() if k != key}
            if f"{kind}.{key}" in COMPONENT_MAPS and isinstance(child, Mapping):
                component[key] = Node(
                    ((k, _propagate(v, None, None, below)) for k, v in child.items()),
                    line=getattr(child, "line", 0),
                )
            else:
                component[key] = _propagate(child, kind, key, below)
    if current:
        component[PARAMETERS] = current
    return component


def _check_version(document: Node, source: str) -> None:
    raw = document.get("version")
    if raw is None:
        raise ManifestError(source, [f"{where(document, ('version',))}: 'version' is missing"])
    match = re.match(r"^(\d+)\.(\d+)(?:\.(\d+))?", str(raw))
    if not match:
        raise ManifestError(
            source, [f"{where(document, ('version',))}: version {raw!r} is not MAJOR.MINOR.PATCH"]
        )
    major, minor = int(match.group(1)), int(match.group(2))
    if major > MAX_MAJOR:
        raise ManifestError(
            source,
            [
                f"{where(document, ('version',))}: unsupported manifest version {raw}: this "
                f"taskloom-declarative implements versions {MIN_VERSION[0]}.{MIN_VERSION[1]} "
                f"to {MAX_MAJOR}.x; upgrade taskloom-declarative or pin an older manifest"
            ],
        )
    if (major, minor) < MIN_VERSION:
        raise ManifestError(
            source,
            [
                f"{where(document, ('version',))}: manifest version {raw} is older than "
                f"{MIN_VERSION[0]}.{MIN_VERSION[1]}, the oldest format this runtime reads"
            ],
        )


def preprocess(document: Node, source: str) -> Node:
    """Resolve references, add implicit types and propagate ``$parameters``; check the version."""
    _check_version(document, source)
    resolver = _RefResolver(document, source)
    resolved = resolver.resolve(document, ())
    if resolver.problems:
        raise ManifestError(source, resolver.problems)
    if "type" not in resolved:
        resolved["type"] = "DeclarativeSource"
    result = _propagate(resolved, None, None, {})
    assert isinstance(result, Node)
    return result


def load_text(text: str, source: str = "<manifest>") -> Node:
    """Parse and preprocess manifest text (validation is :mod:`taskloom.declarative.validation`)."""
    return preprocess(parse_yaml(text, source), source)


def load_file(path: str | Path) -> Node:
    """Read, parse and preprocess the manifest file at ``path``."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ManifestError(str(p), [f"(root): cannot read the file: {exc.strerror}"]) from None
    return load_text(text, str(p))
