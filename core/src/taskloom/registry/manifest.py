"""What discovery reads from a manifest-only provider's ``manifest.yaml``, importing no provider code.

A manifest-only provider (``"manifest_only": true`` in its ``provider.json``) ships a
declarative manifest that ``taskloom-declarative`` runs.  Core reads two things from it,
once per install (the discovery cache keeps the result): the names of its streams, and
its connection type, built from the manifest's ``spec`` — each config property becomes
an ``extra`` field (title, description, default, choices; ``airbyte_secret`` ones are
secret; ``required`` ones are required), and the password may hold the first secret one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from typing import Final

from taskloom.exceptions import ProviderValidationError

#: File name of the manifest, beside ``provider.json``.
MANIFEST_FILE: Final = "manifest.yaml"
#: The hook of every manifest-only connection type (shipped by taskloom-declarative).
DECLARATIVE_HOOK: Final = "taskloom.declarative.hook.DeclarativeHook"


def _resolve(root: Mapping[str, Any], node: Any, depth: int = 0) -> Any:
    """Follow a ``{"$ref": "#/a/b", ...}`` (the keys beside it win), as the runtime does."""
    if not isinstance(node, Mapping) or "$ref" not in node or depth > 20:
        return node
    target: Any = root
    for part in str(node["$ref"]).removeprefix("#/").split("/"):
        target = target.get(part) if isinstance(target, Mapping) else None
    merged = dict(_resolve(root, target, depth + 1) or {})
    merged.update((k, v) for k, v in node.items() if k != "$ref")
    return merged


def _stream_name(root: Mapping[str, Any], node: Any) -> str | None:
    stream = _resolve(root, node)
    if not isinstance(stream, Mapping):
        return None
    params = stream.get("$parameters")
    name = stream.get("name") or (params.get("name") if isinstance(params, Mapping) else None)
    return str(name) if name else None


def _field(name: str, prop: Mapping[str, Any], required: bool) -> dict[str, Any]:
    field: dict[str, Any] = {"label": str(prop.get("title") or name)}
    if prop.get("description"):
        field["description"] = str(prop["description"])
    default = prop.get("default")
    if isinstance(default, (str, int, float, bool)):
        field["default"] = default
    examples = prop.get("examples")
    if isinstance(examples, list) and examples and isinstance(examples[0], (str, int, float)):
        field["placeholder"] = examples[0]
    if isinstance(prop.get("enum"), list):
        field["choices"] = [c for c in prop["enum"] if isinstance(c, (str, int, float, bool))]
    if prop.get("type") in ("string", "integer", "number", "boolean"):
        field["type"] = prop["type"]
    if prop.get("airbyte_secret"):
        field["secret"] = True
    if required:
        field["required"] = True
    return field


def manifest_metadata(package_dir: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` (a valid ``provider.json``) completed from the manifest: streams and connection type.

    :raises ProviderValidationError: if the manifest is missing or not a YAML mapping.
    """
    provider_id = str(data["id"])
    path = os.path.join(package_dir, MANIFEST_FILE)
    import yaml  # only for manifest-only providers, whose result is cached

    try:
        with open(path, encoding="utf-8") as fh:
            root = yaml.safe_load(fh)
    except OSError as exc:
        raise ProviderValidationError(
            provider_id, f"manifest-only provider lacks {path} ({exc.strerror or exc})"
        ) from None
    except yaml.YAMLError as exc:
        raise ProviderValidationError(provider_id, f"{path} is not valid YAML: {exc}") from None
    if not isinstance(root, Mapping):
        raise ProviderValidationError(provider_id, f"{path} must hold a YAML mapping")
    streams = [_stream_name(root, s) for s in root.get("streams") or ()]
    spec = _resolve(root, root.get("spec") or {})
    config = (
        _resolve(root, spec.get("connection_specification") or {})
        if isinstance(spec, Mapping)
        else {}
    )
    properties = config.get("properties") or {} if isinstance(config, Mapping) else {}
    required = set(config.get("required") or ()) if isinstance(config, Mapping) else set()
    extra_fields = {
        name: _field(name, prop, name in required)
        for name, prop in properties.items()
        if isinstance(prop, Mapping)
    }
    secret = next((n for n, f in extra_fields.items() if f.get("secret")), None)
    fields = (
        {"password": {"label": f"{extra_fields[secret]['label']} (extra {secret!r})"}}
        if secret
        else {}
    )
    completed = dict(data)
    completed["streams"] = [s for s in streams if s]
    completed.setdefault(
        "connection_types",
        {
            provider_id: {
                "hook_class": DECLARATIVE_HOOK,
                "display_name": str(data["name"]),
                "default_conn_id": f"{provider_id}_default",
                "fields": fields,
                "hidden_fields": ["host", "schema", "login", "port"]
                + ([] if secret else ["password"]),
                "extra_fields": extra_fields,
            }
        },
    )
    return completed
