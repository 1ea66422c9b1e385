"""A loaded manifest and its four operations: ``spec``, ``check``, ``discover``, ``read``."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from taskloom.declarative import manifest as manifest_module
from taskloom.declarative import validation
from taskloom.declarative.errors import ConfigError
from taskloom.declarative.errors import DeclarativeError
from taskloom.declarative.manifest import Node
from taskloom.utils.secrets_masker import mask_secret
from taskloom.utils.secrets_masker import redact

if TYPE_CHECKING:
    # The HTTP side (requests, jinja2) is imported when a stream is first used: loading
    # and validating a manifest (DAG parsing, `validate`, discovery) does without it.
    import requests

    from taskloom.declarative.requester import ConnectBudget
    from taskloom.declarative.stream import Reader
    from taskloom.declarative.stream import Stream

USER_AGENT = "taskloom-declarative"


def secret_paths(schema: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Paths of the config fields the spec marks ``airbyte_secret`` (in properties and oneOf branches)."""
    found: list[tuple[str, ...]] = []
    for name, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, Mapping):
            continue
        path = (*prefix, name)
        if prop.get("airbyte_secret"):
            found.append(path)
        found += secret_paths(prop, path)
        for branch in prop.get("oneOf") or prop.get("anyOf") or ():
            if isinstance(branch, Mapping):
                found += secret_paths(branch, path)
    return found


def _get(config: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = config
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


class DeclarativeSource:
    """A validated manifest.

    :param document: a preprocessed manifest (:func:`load`).
    :param source: where it came from, for messages.
    :param manifest_dir: the folder of the manifest (for ``schemas/<stream>.json`` files).
    """

    def __init__(self, document: Node, source: str, manifest_dir: Path | None = None) -> None:
        self.document = validation.validate(document, source)
        self.source = source
        self.manifest_dir = manifest_dir

    # --- spec ---------------------------------------------------------------------------

    def spec(self) -> dict[str, Any]:
        """The connection specification: a JSON schema of the config (``{}`` when none)."""
        spec = self.document.get("spec") or {}
        return copy.deepcopy(
            dict(spec.get("connection_specification") or {"type": "object", "properties": {}})
        )

    @property
    def stream_names(self) -> list[str]:
        return [s.get("name", "") for s in self.document["streams"]]

    def prepare_config(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """Mask the config's secrets, fill the spec's defaults and validate it against the spec.

        :raises ConfigError: listing every problem, with no secret in it.
        """
        schema = self.spec()
        for path in secret_paths(schema):
            mask_secret(_get(config, path), f"config field {'.'.join(path)}")
        filled = dict(config)
        for name, prop in (schema.get("properties") or {}).items():
            if name not in filled and isinstance(prop, Mapping) and "default" in prop:
                filled[name] = prop["default"]
        import jsonschema

        errors = sorted(
            jsonschema.Draft7Validator(schema).iter_errors(filled),
            key=lambda e: list(map(str, e.path)),
        )
        if errors:
            lines = []
            for error in errors:
                where = ".".join(map(str, error.absolute_path)) or "(config)"
                message = (
                    error.message
                    if error.validator in ("required", "additionalProperties")
                    else (f"invalid value ({error.validator} {error.validator_value!r})")
                )
                lines.append(f"{where}: {message}")
            raise ConfigError(
                redact(
                    f"{self.source}: the config does not match the manifest's spec: "
                    + "; ".join(lines)
                )
            )
        return filled

    # --- streams ------------------------------------------------------------------------

    def stream(
        self,
        name: str,
        config: Mapping[str, Any],
        *,
        session: requests.Session | None = None,
        sleep: Any = None,
        connect_budget: ConnectBudget | None = None,
    ) -> Stream:
        """The stream ``name``, bound to ``config`` (already prepared)."""
        import requests

        from taskloom.declarative.interpolation import Interpolator
        from taskloom.declarative.stream import Stream

        for spec in self.document["streams"]:
            if spec.get("name") == name:
                if session is None:
                    session = requests.Session()
                    session.headers["User-Agent"] = USER_AGENT
                return Stream(
                    spec,
                    config,
                    session,
                    Interpolator(),
                    self.manifest_dir,
                    sleep=sleep,
                    connect_budget=connect_budget,
                )
        raise DeclarativeError(
            f"{self.source} has no stream {name!r}; its streams are: {', '.join(self.stream_names)}"
        )

    def check(self, config: Mapping[str, Any]) -> tuple[bool, str]:
        """Read one page of each ``check`` stream: ``(True, "...")`` when the credentials work.

        A host that cannot be reached fails within seconds (:data:`CHECK_BUDGET`), not after
        the manifest's backoff: reads keep following the manifest's error handler.
        """
        from taskloom.declarative.requester import CHECK_BUDGET

        try:
            prepared = self.prepare_config(config)
            for name in self.document["check"]["stream_names"]:
                stream = self.stream(name, prepared, connect_budget=CHECK_BUDGET)
                reader = stream.read(None, max_pages=1)
                for _ in reader:
                    break
        except DeclarativeError as exc:
            return False, redact(str(exc))
        return True, f"connection works: read {', '.join(self.document['check']['stream_names'])}"

    def discover(self, config: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Every stream: name, JSON schema, primary key, cursor field, sync modes."""
        out = []
        for name in self.stream_names:
            stream = self.stream(name, config or {})
            cursor = stream.cursor_field
            out.append(
                {
                    "name": name,
                    "json_schema": stream.json_schema(),
                    "primary_key": stream.primary_key,
                    "cursor_field": [cursor] if cursor else [],
                    "supported_sync_modes": ["full_refresh", "incremental"]
                    if cursor
                    else ["full_refresh"],
                }
            )
        return out

    def read(
        self,
        name: str,
        config: Mapping[str, Any],
        state: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> Reader:
        """A :class:`Reader` of stream ``name``: iterate it for pages, then take its ``state``."""
        self.stream(name, {})  # an unknown stream is the first thing to report
        return self.stream(name, self.prepare_config(config), **kwargs).read(state)

    def records(
        self, name: str, config: Mapping[str, Any], state: Mapping[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every record of stream ``name``, in order."""
        for page in self.read(name, config, state):
            yield from page.records


def load(path: str | Path) -> DeclarativeSource:
    """Load and validate the manifest file at ``path``.

    :raises ManifestError: listing every problem, each with its JSON path and line.
    """
    p = Path(path)
    return DeclarativeSource(manifest_module.load_file(p), str(p), p.resolve().parent)


def loads(
    text: str, source: str = "<manifest>", manifest_dir: Path | None = None
) -> DeclarativeSource:
    """Load and validate manifest text."""
    return DeclarativeSource(manifest_module.load_text(text, source), source, manifest_dir)
