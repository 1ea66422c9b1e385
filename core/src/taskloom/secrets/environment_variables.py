"""Connections and variables from environment variables.

``TASKLOOM_CONN_<CONN_ID upper-cased>`` holds a connection URI or its JSON form;
``TASKLOOM_VAR_<KEY upper-cased>`` a variable's value.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Final

from taskloom.exceptions import InvalidConnectionError
from taskloom.models.connection import Connection
from taskloom.secrets.base import BaseSecretsBackend

#: Prefix of the variables that hold connections.
CONN_ENV_PREFIX: Final = "TASKLOOM_CONN_"
#: Prefix of the variables that hold variables.
VAR_ENV_PREFIX: Final = "TASKLOOM_VAR_"


def conn_env_name(conn_id: str) -> str:
    """The environment variable that holds ``conn_id``."""
    return CONN_ENV_PREFIX + conn_id.upper()


class EnvironmentVariablesBackend(BaseSecretsBackend):
    """Reads ``TASKLOOM_CONN_*`` and ``TASKLOOM_VAR_*`` from the process environment."""

    def get_conn_value(self, conn_id: str) -> str | None:
        """Return the value of ``TASKLOOM_CONN_<CONN_ID>`` (``None`` if unset or empty)."""
        return os.environ.get(conn_env_name(conn_id)) or None

    def get_variable(self, key: str) -> str | None:
        """Return the value of ``TASKLOOM_VAR_<KEY>``."""
        return os.environ.get(VAR_ENV_PREFIX + key.upper())

    def iter_connections(self) -> Iterator[Connection]:
        """Every connection defined in the environment (conn_id lower-cased, as written upper-cased).

        :raises InvalidConnectionError: at the first malformed one.
        """
        for entry in self.iter_entries():
            if isinstance(entry, InvalidConnectionError):
                raise entry
            yield entry

    def iter_entries(self) -> Iterator[Connection | InvalidConnectionError]:
        """Like :meth:`iter_connections`, but a malformed variable yields its error (which
        names the variable) and the others still come."""
        for name, value in sorted(os.environ.items()):
            if name.startswith(CONN_ENV_PREFIX) and value:
                conn_id = name[len(CONN_ENV_PREFIX) :].lower()
                try:
                    yield Connection.from_text(value, conn_id=conn_id)
                except InvalidConnectionError as exc:
                    error = InvalidConnectionError(f"{exc} (set by {name})")
                    error.conn_id = conn_id
                    yield error

    def describe_lookup(self, conn_id: str) -> str:
        """Name the environment variable that was read."""
        return f"environment variable {conn_env_name(conn_id)}"
