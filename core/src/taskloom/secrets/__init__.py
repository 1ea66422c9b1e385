"""Where connections (and variables) come from: the lookup chain.

:func:`get_connection` asks, in order, first match wins:

1. the secrets backends listed in configuration, in order: ``[secrets] backend`` (a
   dotted class path, e.g. one a provider ships) constructed with ``[secrets]
   backend_kwargs`` (a JSON object), as in Airflow; then each entry of ``[secrets]
   backends``, a JSON list (or a TOML array of tables) of
   ``{"backend": "<class path>", "backend_kwargs": {...}}``; none by default;
2. the environment variable ``TASKLOOM_CONN_<CONN_ID>`` (URI or JSON);
3. the connections file ``$TASKLOOM_CONNECTIONS_FILE`` (YAML or JSON);
4. the metadata DB (``taskloom connections add`` writes there).

The configured backends come first so that a vault can override local definitions, as
in Airflow.  A connection that is found has its password and secret extras registered
with the secrets masker; one that is not raises
:class:`~taskloom.exceptions.ConnectionNotFoundError` listing every place searched.
"""

from __future__ import annotations

import functools
import json
import logging
from typing import Any

from taskloom import configuration
from taskloom.exceptions import ConfigurationError
from taskloom.exceptions import ConnectionNotFoundError
from taskloom.exceptions import InvalidConnectionError
from taskloom.models.connection import Connection
from taskloom.secrets.base import BaseSecretsBackend
from taskloom.secrets.environment_variables import EnvironmentVariablesBackend
from taskloom.secrets.local_filesystem import LocalFilesystemBackend
from taskloom.secrets.metastore import MetastoreBackend
from taskloom.utils.module_loading import import_string
from taskloom.utils.secrets_masker import is_sensitive_key
from taskloom.utils.secrets_masker import mask_secret
from taskloom.utils.secrets_masker import redact

__all__ = [
    "BaseSecretsBackend",
    "ensure_secrets_backends",
    "find_connection",
    "get_connection",
    "get_variable",
]

log = logging.getLogger(__name__)


@functools.cache
def _configured_backend(class_path: str, kwargs_json: str) -> BaseSecretsBackend:
    try:
        backend_class = import_string(class_path)
    except ImportError as exc:
        raise ConfigurationError(
            f"setting [secrets] backend names {class_path!r}, which cannot be imported ({exc}); "
            "install the provider that ships it or fix the dotted path"
        ) from None
    if not (isinstance(backend_class, type) and issubclass(backend_class, BaseSecretsBackend)):
        raise ConfigurationError(
            f"setting [secrets] backend names {class_path!r}, which is not a subclass of "
            "taskloom.secrets.BaseSecretsBackend"
        )
    try:
        kwargs = json.loads(kwargs_json) if kwargs_json else {}
    except ValueError:
        raise ConfigurationError(
            "setting [secrets] backend_kwargs is not valid JSON; give a JSON object such as "
            '\'{"url": "https://vault:8200"}\' (the value is not shown as it may hold a token)'
        ) from None
    if not isinstance(kwargs, dict):
        raise ConfigurationError("setting [secrets] backend_kwargs must be a JSON object ({...})")
    try:
        return backend_class(**kwargs)
    except TypeError as exc:
        raise ConfigurationError(
            f"secrets backend {class_path!r} rejected [secrets] backend_kwargs: {redact(str(exc))}"
        ) from None


def _mask_sensitive(value: Any, where: str) -> None:
    """Register values under keys that name secrets (a vault token), at any depth."""
    if isinstance(value, dict):
        for key, item in value.items():
            if is_sensitive_key(str(key)):
                mask_secret(item, f"{where} {key!r}")
            else:
                _mask_sensitive(item, where)
    elif isinstance(value, list):
        for item in value:
            _mask_sensitive(item, where)


def ensure_secrets_backends() -> list[BaseSecretsBackend]:
    """Return the backends of the lookup chain, in order (see the module docstring).

    :raises ConfigurationError: if the configured backend cannot be loaded.
    """
    backends: list[BaseSecretsBackend] = []
    for class_path, kwargs in _configured_backend_specs():
        if isinstance(kwargs, dict):  # a TOML table or an entry of [secrets] backends
            kwargs = json.dumps(kwargs, sort_keys=True)
        backend = _configured_backend(str(class_path), str(kwargs))
        _mask_sensitive(json.loads(kwargs) if kwargs else {}, "[secrets] backend_kwargs")
        backends.append(backend)
    backends += [EnvironmentVariablesBackend(), LocalFilesystemBackend(), MetastoreBackend()]
    return backends


def _configured_backend_specs() -> list[tuple[str, Any]]:
    """``(class path, kwargs)`` of every configured backend, in lookup order."""
    specs: list[tuple[str, Any]] = []
    class_path = configuration.get("secrets", "backend")
    if class_path:
        specs.append((str(class_path), configuration.get("secrets", "backend_kwargs") or ""))
    listed = configuration.get("secrets", "backends") or []
    if isinstance(listed, str):
        try:
            listed = json.loads(listed)
        except json.JSONDecodeError:
            listed = None
    example = '[{"backend": "package.module.Backend", "backend_kwargs": {}}]'
    if not isinstance(listed, list):
        raise ConfigurationError(
            f"setting [secrets] backends must be a JSON list such as {example}"
        )
    for position, entry in enumerate(listed, 1):
        if not (isinstance(entry, dict) and isinstance(entry.get("backend"), str)):
            raise ConfigurationError(
                f'entry {position} of setting [secrets] backends needs a "backend" class path, '
                f"as in {example}"
            )
        unknown = set(entry) - {"backend", "backend_kwargs"}
        if unknown:
            raise ConfigurationError(
                f"entry {position} of setting [secrets] backends has unknown keys "
                f'{sorted(unknown)}; only "backend" and "backend_kwargs" are read'
            )
        specs.append((entry["backend"], entry.get("backend_kwargs") or {}))
    return specs


def get_connection(conn_id: str) -> Connection:
    """Look ``conn_id`` up along the chain and register its secrets with the masker.

    A backend that fails (a vault that is down) is logged and skipped, so that the next
    places can still answer.

    :raises ConnectionNotFoundError: naming every place searched.
    :raises InvalidConnectionError: if the first definition found is malformed.
    """
    return find_connection(conn_id)[0]


def find_connection(conn_id: str) -> tuple[Connection, str]:
    """Like :func:`get_connection`, and also say where the connection was found.

    :returns: the connection and the place (``"environment variable TASKLOOM_CONN_X"``).
    """
    searched: list[str] = []
    for backend in ensure_secrets_backends():
        where = backend.describe_lookup(conn_id)
        try:
            connection = backend.get_connection(conn_id)
        except InvalidConnectionError as exc:
            # The user's to fix, not a reason to look elsewhere; say which definition is bad.
            exc.args = (f"{exc} (defined in {where})", *exc.args[1:])
            raise
        except (ConfigurationError, ValueError):
            raise  # a malformed definition is the user's to fix, not a reason to look elsewhere
        except Exception as exc:  # noqa: BLE001 -- one broken backend must not hide the others
            log.warning(
                "looking up connection %r in %s failed (%s: %s); trying the next place",
                conn_id,
                where,
                type(exc).__name__,
                redact(str(exc)),
            )
            searched.append(f"{where} (failed: {type(exc).__name__})")
            continue
        searched.append(where)
        if connection is not None:
            connection.mask_secrets()
            return connection, where
    raise ConnectionNotFoundError(conn_id, searched)


def get_variable(key: str) -> str | None:
    """Return a variable's value from the first place along the chain that has it, or ``None``.

    The same places, in the same order, as connections: the configured backends, then
    ``TASKLOOM_VAR_<KEY>``, then the metadata DB.  A backend that fails is logged and
    skipped, as for connections.
    """
    for backend in ensure_secrets_backends():
        try:
            value = backend.get_variable(key)
        except (ConfigurationError, ValueError):
            raise
        except Exception as exc:  # noqa: BLE001 -- one broken backend must not hide the others
            log.warning(
                "looking up variable %r in %s failed (%s: %s); trying the next place",
                key,
                backend.describe_lookup(key),
                type(exc).__name__,
                redact(str(exc)),
            )
            continue
        if value is not None:
            return value
    return None
