"""Manifest-only providers: find a provider's ``manifest.yaml``, and a connection's config.

A manifest-only provider ships ``provider.json`` (with ``"manifest_only": true``) and
``manifest.yaml`` in ``taskloom/providers/<id>/`` and no Python module.  A connection
for it holds the manifest's config in its ``extra`` JSON object; its ``password``, when
set, fills the first secret field (``airbyte_secret``) that ``extra`` leaves empty.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from taskloom.declarative.errors import ConfigError
from taskloom.declarative.errors import DeclarativeError
from taskloom.declarative.source import DeclarativeSource
from taskloom.declarative.source import load
from taskloom.declarative.source import secret_paths


def provider_dir(provider_id: str) -> Path:
    """The installed folder of provider ``provider_id`` (``taskloom/providers/<id>/``)."""
    import importlib.util

    spec = importlib.util.find_spec(f"taskloom.providers.{provider_id}")
    locations = list(spec.submodule_search_locations or ()) if spec else []
    for location in locations:
        if (Path(location) / "manifest.yaml").is_file():
            return Path(location)
    raise DeclarativeError(
        f"no manifest-only provider {provider_id!r} is installed: install it with "
        f"`pip install taskloom-provider-{provider_id}`"
    )


@functools.cache
def load_provider(provider_id: str) -> DeclarativeSource:
    """The validated manifest of an installed manifest-only provider (loaded once per process)."""
    folder = provider_dir(provider_id)
    info = json.loads((folder / "provider.json").read_text(encoding="utf-8"))
    if not info.get("manifest_only"):
        raise DeclarativeError(
            f"provider {provider_id!r} is not manifest-only (its provider.json says so)"
        )
    return load(folder / "manifest.yaml")


def config_from_connection(conn_id: str, source: DeclarativeSource) -> dict[str, Any]:
    """The manifest config held by connection ``conn_id``: its extra, plus its password."""
    from taskloom.hooks.base import BaseHook

    connection = BaseHook.get_connection(conn_id)
    config = dict(connection.extra_dejson)
    if connection.password:
        for path in secret_paths(source.spec()):
            if len(path) == 1 and not config.get(path[0]):
                config[path[0]] = connection.password
                break
    return config


def config_from_option(value: str, source: DeclarativeSource) -> dict[str, Any]:
    """``--config``: a JSON file if ``value`` names one, else a connection id."""
    path = Path(value)
    if path.suffix == ".json" or path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read config file {value}: {exc.strerror}") from None
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"config file {value} is not JSON: {exc.msg} (line {exc.lineno})"
            ) from None
        if not isinstance(data, Mapping):
            raise ConfigError(f"config file {value} must hold a JSON object")
        return dict(data)
    return config_from_connection(value, source)
