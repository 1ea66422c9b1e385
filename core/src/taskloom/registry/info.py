"""Typed, immutable value objects for a provider's static metadata (``provider.json``).

They are built only from a document that already passed ``provider.schema.json``
(:func:`parse_provider_info`), so their constructors do no validation of their own.
They are named tuples rather than dataclasses because discovery defines and fills them
on every command: a frozen dataclass costs about a millisecond to create at import, and
importing :mod:`dataclasses` several more.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from functools import cache
from types import MappingProxyType
from typing import Any
from typing import Final
from typing import NamedTuple
from typing import final

from taskloom.exceptions import ProviderValidationError

#: File name of a provider's metadata, beside its package's ``__init__.py``.
METADATA_FILE: Final = "provider.json"
#: The published JSON Schema of ``provider.json``, at the top of core's package (its public path).
SCHEMA_FILE: Final = os.path.join(
    os.path.dirname(os.path.dirname(__file__)), "provider.schema.json"
)
#: The connection fields whose value is always secret, whatever the metadata says.
ALWAYS_SECRET_FIELDS: Final = frozenset({"password"})

_EMPTY: Final[Mapping[str, Any]] = MappingProxyType({})


@final
class FieldInfo(NamedTuple):
    """How one connection field (or one key of its ``extra``) is shown and defaulted."""

    #: Human-readable label.
    label: str | None = None
    #: Example value shown in an empty input.
    placeholder: str | int | float | None = None
    #: Longer help text.
    description: str | None = None
    #: Value used when the connection leaves the field empty.
    default: str | int | float | bool | None = None
    #: The only values allowed, if the field is a choice.
    choices: tuple[str | int | float | bool, ...] | None = None
    #: Masked in logs, CLI output and reprs like a password.
    secret: bool = False
    #: Declared JSON type (``string``, ``integer``, ``number``, ``boolean``), if any: a URI
    #: query value (always text) is converted to it.
    type: str | None = None
    #: A connection of this type must set it (a secret extra field may come as the password).
    required: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form, leaving out unset attributes."""
        data: dict[str, Any] = {}
        for name in ("label", "placeholder", "description", "default", "type"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        if self.choices is not None:
            data["choices"] = list(self.choices)
        if self.secret:
            data["secret"] = True
        if self.required:
            data["required"] = True
        return data


@final
class ConnectionTypeInfo(NamedTuple):
    """What a provider declares about one connection type."""

    #: The ``conn_type`` of connections handled by this type (``postgres``).
    conn_type: str
    #: Dotted path of the hook class, ``package.module.ClassName``; imported only on use.
    hook_class: str
    #: Human-readable name (``PostgreSQL``).
    display_name: str
    #: Id of the provider that declares it.
    provider_id: str
    #: The connection id hooks use when none is given.
    default_conn_id: str | None = None
    #: Standard connection fields (host, port, schema, login, password, extra).
    fields: Mapping[str, FieldInfo] = _EMPTY
    #: Standard fields this connection type does not use.
    hidden_fields: tuple[str, ...] = ()
    #: Keys of the connection's ``extra`` object.
    extra_fields: Mapping[str, FieldInfo] = _EMPTY
    #: Other URI schemes that mean this conn_type (``postgresql`` for ``postgres``).
    uri_schemes: tuple[str, ...] = ()

    @property
    def hook_module(self) -> str:
        """The module that :attr:`hook_class` lives in (the only one resolving it imports)."""
        return self.hook_class.rpartition(".")[0]

    @property
    def secret_fields(self) -> frozenset[str]:
        """Standard fields whose values are secret: the password, and any marked secret."""
        marked = {name for name, info in self.fields.items() if info.secret}
        return frozenset(ALWAYS_SECRET_FIELDS | marked)

    @property
    def secret_extra_fields(self) -> frozenset[str]:
        """Keys of ``extra`` that are masked like passwords."""
        return frozenset(name for name, info in self.extra_fields.items() if info.secret)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form used by ``provider.json`` and ``--output json``."""
        data: dict[str, Any] = {
            "hook_class": self.hook_class,
            "display_name": self.display_name,
        }
        if self.default_conn_id is not None:
            data["default_conn_id"] = self.default_conn_id
        data["fields"] = {name: info.to_dict() for name, info in self.fields.items()}
        data["hidden_fields"] = list(self.hidden_fields)
        data["extra_fields"] = {name: info.to_dict() for name, info in self.extra_fields.items()}
        if self.uri_schemes:
            data["uri_schemes"] = list(self.uri_schemes)
        return data


@final
class MaintainerInfo(NamedTuple):
    """Someone who answers issues about a provider."""

    name: str
    github: str | None = None
    email: str | None = None

    def to_dict(self) -> dict[str, str]:
        """Return the JSON form, leaving out unset attributes."""
        data = {"name": self.name}
        if self.github is not None:
            data["github"] = self.github
        if self.email is not None:
            data["email"] = self.email
        return data


@final
class ProviderInfo(NamedTuple):
    """Everything a provider declares in ``provider.json``; reading it imports no provider code."""

    #: Provider id (``postgres``): entry-point name and last part of ``taskloom.providers.<id>``.
    id: str
    #: Display name (``PostgreSQL``).
    name: str
    #: One sentence on what the provider offers.
    description: str
    #: conn_type -> its declaration.
    connection_types: Mapping[str, ConnectionTypeInfo] = _EMPTY
    maintainers: tuple[MaintainerInfo, ...] = ()
    #: Where users report problems with this provider.
    issue_tracker: str | None = None
    documentation: str | None = None
    #: Dotted module names.
    hooks: tuple[str, ...] = ()
    operators: tuple[str, ...] = ()
    sensors: tuple[str, ...] = ()
    #: Dotted class paths.
    secrets_backends: tuple[str, ...] = ()
    executors: tuple[str, ...] = ()
    #: ``requests.auth.AuthBase`` classes that ``HttpHook`` may build from a connection's
    #: ``auth_type`` extra (no other dotted path is imported from a connection).
    http_auth_types: tuple[str, ...] = ()
    #: URL scheme of ``[logging] remote_base_log_folder`` -> dotted path of the
    #: :class:`~taskloom.utils.log.TaskLogHandler` subclass that stores task logs there.
    log_handlers: Mapping[str, str] = _EMPTY
    #: A declarative manifest run by taskloom-declarative, with no Python module.
    manifest_only: bool = False
    #: A manifest-only provider's streams (read from its manifest).
    streams: tuple[str, ...] = ()
    #: Short executor name (``[core] executor``) -> dotted class path, for the executors
    #: :attr:`executors` declares with a name.
    executor_names: Mapping[str, str] = _EMPTY
    #: The executor queue this provider's tasks go to unless an operator sets ``queue=``.
    queue: str | None = None

    def declared_imports(self) -> list[tuple[str, str]]:
        """Every module and class the metadata names, as ``(kind, dotted name)`` pairs."""
        names: list[tuple[str, str]] = []
        for conn_type in self.connection_types.values():
            names.append(("hook_class", conn_type.hook_class))
        for kind in ("hooks", "operators", "sensors"):
            names.extend((kind, module) for module in getattr(self, kind))
        for kind in ("secrets_backends", "executors", "http_auth_types"):
            names.extend((kind, path) for path in getattr(self, kind))
        names.extend(("log_handlers", path) for path in self.log_handlers.values())
        return names

    def to_dict(self) -> dict[str, Any]:
        """Return the ``provider.json`` form of this metadata."""
        data: dict[str, Any] = {"id": self.id, "name": self.name, "description": self.description}
        data["maintainers"] = [maintainer.to_dict() for maintainer in self.maintainers]
        if self.issue_tracker is not None:
            data["issue_tracker"] = self.issue_tracker
        if self.documentation is not None:
            data["documentation"] = self.documentation
        data["connection_types"] = {
            name: info.to_dict() for name, info in self.connection_types.items()
        }
        for kind in ("hooks", "operators", "sensors", "secrets_backends"):
            data[kind] = list(getattr(self, kind))
        named = {path: name for name, path in self.executor_names.items()}
        data["executors"] = [
            {"name": named[path], "class": path} if path in named else path
            for path in self.executors
        ]
        if self.queue is not None:
            data["queue"] = self.queue
        if self.http_auth_types:
            data["http_auth_types"] = list(self.http_auth_types)
        if self.log_handlers:
            data["log_handlers"] = dict(self.log_handlers)
        if self.manifest_only:
            data["manifest_only"] = True
            data["streams"] = list(self.streams)
        return data


@cache
def provider_schema() -> Mapping[str, Any]:
    """The published JSON Schema of ``provider.json`` (``taskloom/provider.schema.json``)."""
    # A plain file read beside this module: importlib.resources would cost more to import
    # than discovery itself, and core is never imported from a zip.
    with open(SCHEMA_FILE, encoding="utf-8") as fh:
        text = fh.read()
    schema: Mapping[str, Any] = json.loads(text)
    return schema


def _fields(raw: Mapping[str, Any]) -> Mapping[str, FieldInfo]:
    return MappingProxyType(
        {
            name: FieldInfo(
                label=spec.get("label"),
                placeholder=spec.get("placeholder"),
                description=spec.get("description"),
                default=spec.get("default"),
                choices=tuple(spec["choices"]) if "choices" in spec else None,
                secret=bool(spec.get("secret", False)),
                type=spec.get("type"),
                required=bool(spec.get("required", False)),
            )
            for name, spec in raw.items()
        }
    )


def validate_provider_info(data: Any, *, source: str, provider_id: str) -> None:
    """Check ``data`` (a decoded ``provider.json``) against ``provider.schema.json``.

    :param source: where the document came from, for the error message (a file path).
    :param provider_id: the id the provider is registered under, for the error.
    :raises ProviderValidationError: naming the file, the JSON path of the first error and
        what is wrong there.
    """
    # Imported on a discovery-cache miss only: the warm path reuses validated documents.
    from taskloom.registry.validation import schema_error

    error = schema_error(data, provider_schema())
    if error is not None:
        raise ProviderValidationError(
            provider_id,
            f"provider {provider_id!r}: {source} does not match provider.schema.json at "
            f"{error} (validation stops at the first error: once it is fixed, run again to "
            "find any other; taskloom/provider.schema.json describes every key)",
        )


def build_provider_info(data: Mapping[str, Any]) -> ProviderInfo:
    """The :class:`ProviderInfo` of a document that already passed :func:`validate_provider_info`."""
    pid = data["id"]
    connection_types = {
        conn_type: ConnectionTypeInfo(
            conn_type=conn_type,
            hook_class=spec["hook_class"],
            display_name=spec["display_name"],
            provider_id=pid,
            default_conn_id=spec.get("default_conn_id"),
            fields=_fields(spec.get("fields", {})),
            hidden_fields=tuple(spec.get("hidden_fields", ())),
            extra_fields=_fields(spec.get("extra_fields", {})),
            uri_schemes=tuple(spec.get("uri_schemes", ())),
        )
        for conn_type, spec in data.get("connection_types", {}).items()
    }
    return ProviderInfo(
        id=pid,
        name=data["name"],
        description=data["description"],
        connection_types=MappingProxyType(connection_types),
        maintainers=tuple(
            MaintainerInfo(name=m["name"], github=m.get("github"), email=m.get("email"))
            for m in data.get("maintainers", ())
        ),
        issue_tracker=data.get("issue_tracker"),
        documentation=data.get("documentation"),
        hooks=tuple(data.get("hooks", ())),
        operators=tuple(data.get("operators", ())),
        sensors=tuple(data.get("sensors", ())),
        secrets_backends=tuple(data.get("secrets_backends", ())),
        executors=tuple(
            item if isinstance(item, str) else item["class"] for item in data.get("executors", ())
        ),
        http_auth_types=tuple(data.get("http_auth_types", ())),
        log_handlers=MappingProxyType(dict(data.get("log_handlers", {}))),
        manifest_only=bool(data.get("manifest_only", False)),
        streams=tuple(data.get("streams", ())),
        executor_names=MappingProxyType(
            {
                item["name"]: item["class"]
                for item in data.get("executors", ())
                if not isinstance(item, str)
            }
        ),
        queue=data.get("queue"),
    )


def parse_provider_info(data: Any, *, source: str, provider_id: str) -> ProviderInfo:
    """Validate ``data`` (a decoded ``provider.json``) and build its :class:`ProviderInfo`.

    :raises ProviderValidationError: as :func:`validate_provider_info`.
    """
    validate_provider_info(data, source=source, provider_id=provider_id)
    return build_provider_info(data)


def read_provider_json(path: str, *, provider_id: str) -> Any:
    """Read and decode the ``provider.json`` at ``path`` (not yet validated).

    :raises ProviderValidationError: if the file is missing or not JSON.
    """
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise ProviderValidationError(
            provider_id, f"cannot read {path} ({exc.strerror or exc})"
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProviderValidationError(
            provider_id,
            f"{path} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
        ) from None


def load_provider_document(path: str, *, provider_id: str) -> Any:
    """Read, decode and validate the ``provider.json`` at ``path``; return the document.

    :raises ProviderValidationError: if the file is missing, not JSON, or not valid metadata.
    """
    data = read_provider_json(path, provider_id=provider_id)
    validate_provider_info(data, source=path, provider_id=provider_id)
    if data.get("manifest_only"):
        from taskloom.registry.manifest import manifest_metadata

        return manifest_metadata(os.path.dirname(path), data)
    return data


def load_provider_json(path: str, *, provider_id: str) -> ProviderInfo:
    """Like :func:`load_provider_document`, returning its :class:`ProviderInfo`."""
    return build_provider_info(load_provider_document(path, provider_id=provider_id))
