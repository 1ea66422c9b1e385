"""``Connection``: where an outside system is and how to log in to it.

A connection has three spellings that all carry the same fields:

- **URI** (codec: :mod:`taskloom.models.connection_uri`): ``conn_type://login:password@host:port/schema?key=value``.  Every part is
  percent-encoded on output, so any character (``@ / : ? # % +``, spaces, non-ASCII)
  round-trips: ``Connection.from_uri(c.get_uri(), conn_id=c.conn_id) == c``.  A ``_`` in
  the conn_type is written as ``-`` in the scheme (URI schemes may not hold ``_``),
  like Airflow.  An IPv6 host is written in brackets (``[::1]``).  Extras whose values
  are all strings are written as query parameters; otherwise the whole extra object is
  written as JSON in one parameter, ``__extra__``, so nested extras survive.
- **JSON**: ``{"conn_type": ..., "host": ..., "extra": {...}}`` (:meth:`Connection.from_json`).
- **fields**: ``Connection(conn_id=..., conn_type=..., host=...)``.

Empty strings in host, schema, login, password and description mean "not set" and are
stored as ``None``; a connection without extras has ``extra is None``.  ``repr()`` and
``str()`` never show the password or a secret extra.

Errors are :class:`~taskloom.exceptions.InvalidConnectionError`; their messages name the
part at fault and never repeat a value, since it may be (or contain) the password.
"""

from __future__ import annotations

import json
from typing import Any
from typing import Final

from taskloom.exceptions import InvalidConnectionError
from taskloom.models import connection_uri
from taskloom.utils.secrets_masker import REDACTED
from taskloom.utils.secrets_masker import is_sensitive_key
from taskloom.utils.secrets_masker import mask_secret

#: The fields of the JSON form (``conn_id`` is optional there: the key or variable name gives it).
JSON_FIELDS: Final = (
    "conn_id",
    "conn_type",
    "description",
    "host",
    "schema",
    "login",
    "password",
    "port",
    "extra",
)


def secret_extra_keys(conn_type: str | None, extra: dict[str, Any]) -> set[str]:
    """Keys of ``extra`` whose values are secret: those the provider marks, and those named like secrets."""
    from taskloom.providers_manager import connection_type_info

    info = connection_type_info(conn_type)
    declared = set(info.secret_extra_fields) if info is not None else set()
    return {key for key in extra if key in declared or is_sensitive_key(key)}


def _blank_to_none(value: str | None) -> str | None:
    return value if value else None


def _parse_port(value: Any, conn_id: str | None) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InvalidConnectionError(
            "the port must be a whole number, not true/false", conn_id=conn_id
        )
    if isinstance(value, int):
        port = value
    elif isinstance(value, str) and value.strip().isdigit():
        port = int(value.strip())
    else:
        raise InvalidConnectionError(
            f"the port is not a number; give a whole number between 1 and {connection_uri.MAX_PORT}",
            conn_id=conn_id,
        )
    # 0 is no port a server listens on (it asks the OS for any free one): refused like 65536.
    if not 1 <= port <= connection_uri.MAX_PORT:
        raise InvalidConnectionError(
            f"the port {port} is out of range; give a whole number between 1 and {connection_uri.MAX_PORT}",
            conn_id=conn_id,
        )
    return port


def _parse_extra(value: Any, conn_id: str | None) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError as exc:
            # The position helps; the text may hold a secret, so it is not repeated.
            raise InvalidConnectionError(
                f"extra is not valid JSON (line {getattr(exc, 'lineno', '?')}, column "
                f"{getattr(exc, 'colno', '?')}); give a JSON object such as "
                '\'{"sslmode": "require"}\'',
                conn_id=conn_id,
            ) from None
    else:
        raise InvalidConnectionError(
            f"extra must be a JSON object (a dict or its JSON text), not {type(value).__name__}",
            conn_id=conn_id,
        )
    if not isinstance(parsed, dict):
        raise InvalidConnectionError(
            f"extra must be a JSON object ({{...}}), not a JSON {type(parsed).__name__}",
            conn_id=conn_id,
        )
    try:
        return json.dumps(parsed) if parsed else None
    except (TypeError, ValueError):
        raise InvalidConnectionError(
            "extra must hold only JSON values (text, numbers, true/false, null, lists and "
            "objects); convert dates and other objects to text first",
            conn_id=conn_id,
        ) from None


class Connection:
    """The coordinates and credentials of one outside system.

    :param conn_id: the id hooks and operators refer to it by.
    :param conn_type: which kind of system (``postgres``, ``http``); selects the hook class
        through the provider registry.
    :param extra: a JSON object, as a ``dict`` or its JSON text.
    :param uri: build the connection from a URI instead of fields (the other field
        arguments must then be left out).
    :raises InvalidConnectionError: for a malformed URI, port or extra.
    """

    __slots__ = (
        "conn_id",
        "conn_type",
        "description",
        "extra",
        "host",
        "login",
        "password",
        "port",
        "schema",
    )

    def __init__(
        self,
        conn_id: str | None = None,
        conn_type: str | None = None,
        description: str | None = None,
        host: str | None = None,
        login: str | None = None,
        password: str | None = None,
        schema: str | None = None,
        port: int | str | None = None,
        extra: str | dict[str, Any] | None = None,
        uri: str | None = None,
    ) -> None:
        if uri is not None:
            if any(v is not None for v in (conn_type, host, login, password, schema, port, extra)):
                raise InvalidConnectionError(
                    "give either a uri or separate fields (conn_type, host, ...), not both",
                    conn_id=conn_id,
                )
            parsed = Connection.from_uri(uri, conn_id=conn_id)
            conn_type, host, login, password = (
                parsed.conn_type,
                parsed.host,
                parsed.login,
                parsed.password,
            )
            schema, port, extra = parsed.schema, parsed.port, parsed.extra
        #: The id hooks and operators refer to the connection by.
        self.conn_id: str | None = conn_id
        #: Which kind of system; selects the hook class.
        self.conn_type: str | None = _blank_to_none(conn_type)
        #: Free text for people.
        self.description: str | None = _blank_to_none(description)
        #: Host name, IP address or (for some types) a base URL or file path.
        self.host: str | None = _blank_to_none(host)
        #: User name.
        self.login: str | None = _blank_to_none(login)
        #: Password; always treated as secret.
        self.password: str | None = _blank_to_none(password)
        #: Database, path or, for HTTP connections, the URL scheme.
        self.schema: str | None = _blank_to_none(schema)
        #: TCP port.
        self.port: int | None = _parse_port(port, conn_id)
        #: Extra settings: the text of a JSON object, or ``None``; read :attr:`extra_dejson`.
        self.extra: str | None = _parse_extra(extra, conn_id)

    # --- values ------------------------------------------------------------------------

    @property
    def extra_dejson(self) -> dict[str, Any]:
        """The extra settings as a dict (``{}`` when there are none)."""
        return json.loads(self.extra) if self.extra else {}

    def _key(self) -> tuple[Any, ...]:
        return (
            self.conn_id,
            self.conn_type,
            self.description,
            self.host,
            self.login,
            self.password,
            self.schema,
            self.port,
            self.extra_dejson,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Connection):
            return NotImplemented
        return self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]  # mutable: not hashable, like a dataclass

    def secret_fields(self) -> set[str]:
        """Standard fields whose values are secret: ``password``, and those the provider marks secret."""
        from taskloom.providers_manager import connection_type_info

        info = connection_type_info(self.conn_type)
        return {"password", *(info.secret_fields if info is not None else ())}

    def secret_extra_keys(self) -> set[str]:
        """Keys of :attr:`extra_dejson` that are secret (declared by the provider, or named like secrets)."""
        return secret_extra_keys(self.conn_type, self.extra_dejson)

    def masked_extra(self) -> dict[str, Any]:
        """:attr:`extra_dejson` with the secret keys' values replaced by ``***``."""
        secret = self.secret_extra_keys()
        return {k: (REDACTED if k in secret else v) for k, v in self.extra_dejson.items()}

    def masked_fields(self) -> dict[str, Any]:
        """The fields as :meth:`to_dict` gives them, with every secret value replaced by ``***``."""
        data = self.to_dict(prune_empty=False)
        for name in self.secret_fields():
            if data.get(name) not in (None, ""):
                data[name] = REDACTED
        data["extra"] = self.masked_extra() or None
        return data

    def mask_secrets(self) -> None:
        """Register the password, the secret fields and the secret extras with the secrets masker.

        Called whenever a connection is retrieved, so that the values never reach a log.
        """
        label = f"connection {self.conn_id!r}"
        for name in sorted(self.secret_fields()):
            value = getattr(self, name, None)
            mask_secret(None if value is None else str(value), f"{name} of {label}")
        extra = self.extra_dejson
        for key in self.secret_extra_keys():
            mask_secret(extra[key], f"extra {key!r} of {label}")

    def __repr__(self) -> str:
        shown = self.masked_fields()
        return (
            f"Connection(conn_id={self.conn_id!r}, conn_type={self.conn_type!r}, "
            f"host={shown['host']!r}, schema={shown['schema']!r}, login={shown['login']!r}, "
            f"password={shown['password']!r}, port={shown['port']!r}, extra={self.masked_extra()!r})"
        )

    __str__ = __repr__

    # --- URI form --------------------------------------------------------------------

    def get_uri(self) -> str:
        """Return the URI form (secrets included: it is meant for configuration, not for logs).

        :raises InvalidConnectionError: if the conn_type cannot be a URI scheme.
        """
        return connection_uri.format_uri(
            conn_id=self.conn_id,
            conn_type=self.conn_type,
            host=self.host,
            schema=self.schema,
            login=self.login,
            password=self.password,
            port=self.port,
            extra=self.extra_dejson,
        )

    @classmethod
    def from_uri(cls, uri: str, conn_id: str | None = None) -> Connection:
        """Parse the URI form (see :mod:`taskloom.models.connection_uri`).

        :raises InvalidConnectionError: naming the malformed part (never its value).
        """
        return cls(conn_id=conn_id, **connection_uri.parse_uri(uri, conn_id))

    # --- JSON form -------------------------------------------------------------------

    def to_dict(self, *, include_conn_id: bool = True, prune_empty: bool = True) -> dict[str, Any]:
        """Return the JSON form as a dict (secrets included), extra as an object."""
        data: dict[str, Any] = {
            "conn_id": self.conn_id,
            "conn_type": self.conn_type,
            "description": self.description,
            "host": self.host,
            "schema": self.schema,
            "login": self.login,
            "password": self.password,
            "port": self.port,
            "extra": self.extra_dejson or None,
        }
        if not include_conn_id:
            del data["conn_id"]
        if prune_empty:
            data = {k: v for k, v in data.items() if v is not None}
        return data

    def to_json(self) -> str:
        """Return the JSON form (secrets included), without conn_id, as ``TASKLOOM_CONN_*`` takes it."""
        return json.dumps(self.to_dict(include_conn_id=False))

    @classmethod
    def from_dict(cls, data: dict[str, Any], conn_id: str | None = None) -> Connection:
        """Build a connection from the JSON form's dict; unknown keys are an error.

        :raises InvalidConnectionError: for an unknown key or a malformed value.
        """
        if not isinstance(data, dict):
            raise InvalidConnectionError(
                f"must be a JSON object of connection fields, not {type(data).__name__}",
                conn_id=conn_id,
            )
        unknown = sorted(set(data) - set(JSON_FIELDS))
        if unknown:
            raise InvalidConnectionError(
                f"unknown field(s) {', '.join(map(repr, unknown))}; the fields are "
                f"{', '.join(JSON_FIELDS)} (put other settings inside 'extra')",
                conn_id=conn_id or data.get("conn_id"),
            )
        for name in ("conn_type", "description", "host", "schema", "login", "password"):
            value = data.get(name)
            if value is not None and not isinstance(value, str):
                raise InvalidConnectionError(
                    f"field {name!r} must be text, not {type(value).__name__}", conn_id=conn_id
                )
        fields = {k: v for k, v in data.items() if k != "conn_id"}
        return cls(conn_id=conn_id or data.get("conn_id"), **fields)

    @classmethod
    def from_json(cls, value: str, conn_id: str | None = None) -> Connection:
        """Parse the JSON form.

        :raises InvalidConnectionError: if the text is not a JSON object of connection fields.
        """
        try:
            data = json.loads(value)
        except ValueError as exc:
            raise InvalidConnectionError(
                f"is not valid JSON (line {getattr(exc, 'lineno', '?')}, column "
                f"{getattr(exc, 'colno', '?')}); the text is not shown as it may hold a password",
                conn_id=conn_id,
            ) from None
        return cls.from_dict(data, conn_id=conn_id)

    @classmethod
    def from_text(cls, value: str, conn_id: str | None = None) -> Connection:
        """Parse either form: JSON if the text starts with ``{``, else a URI (``TASKLOOM_CONN_*`` values)."""
        if value.lstrip().startswith("{"):
            return cls.from_json(value, conn_id=conn_id)
        return cls.from_uri(value, conn_id=conn_id)

    # --- hooks -----------------------------------------------------------------------

    def get_hook(self, **hook_params: Any) -> Any:
        """Return an instance of the hook class registered for this connection's conn_type.

        Typed ``Any``: the class comes from whichever provider declares the conn_type (a
        :class:`~taskloom.hooks.base.BaseHook` subclass), and models sit below hooks.
        """
        from taskloom.providers_manager import hook_class_for

        hook_class: Any = hook_class_for(self.conn_type, conn_id=self.conn_id)
        params = {hook_class.conn_name_attr: self.conn_id, **hook_params}
        return hook_class(**params)

    def validate(self) -> None:
        """Check the connection against its type's provider metadata.

        Checks that an installed provider declares the conn_type, that the extra keys it
        marks required are set (a secret one may be the password), and that extra keys
        with a fixed list of choices hold one of them.

        :raises UnknownConnectionTypeError: if no installed provider declares the conn_type.
        :raises InvalidConnectionError: for a missing required extra key, or an extra value
            outside its choices.
        """
        from taskloom.exceptions import UnknownConnectionTypeError
        from taskloom.providers_manager import get_registry

        if not self.conn_type:
            raise InvalidConnectionError(
                "has no conn_type; set one (e.g. http, sqlite)", conn_id=self.conn_id
            )
        try:
            info = get_registry().connection_type(self.conn_type)
        except LookupError as exc:
            # The registry's message lists the known types and, when known, the distribution to install.
            raise UnknownConnectionTypeError(str(exc), conn_id=self.conn_id) from None
        extra = self.extra_dejson
        password_used = False
        for key, field in info.extra_fields.items():
            if field.required and extra.get(key) in (None, "", [], {}):
                if field.secret and self.password and not password_used:
                    password_used = True  # the password holds the first missing secret field
                    continue
                how = " (or as the password)" if field.secret else ""
                raise InvalidConnectionError(
                    f"extra {key!r} is required by conn_type {self.conn_type!r}; set it in the "
                    f"connection's extra{how}",
                    conn_id=self.conn_id,
                )
            if field.choices is not None and key in extra and extra[key] not in field.choices:
                allowed = ", ".join(map(repr, field.choices))
                shown = REDACTED if field.secret else repr(extra[key])
                raise InvalidConnectionError(
                    f"extra {key!r} is {shown}; allowed values: {allowed}", conn_id=self.conn_id
                )
