"""``BaseSecretsBackend``: the interface every place that stores connections implements.

A backend answers "what is connection X?" (and optionally "what is variable Y?").  The
lookup chain in :mod:`taskloom.secrets` asks each backend in turn.  A provider adds a
backend (a vault, a cloud secrets manager) by subclassing this class; users enable it
with the settings ``[secrets] backend`` (dotted class path) and ``[secrets]
backend_kwargs`` (a JSON object passed to its constructor).

A backend that stores the URI or JSON text of a connection implements only
:meth:`BaseSecretsBackend.get_conn_value`; one that holds structured data overrides
:meth:`BaseSecretsBackend.get_connection`.
"""

from __future__ import annotations

from taskloom.models.connection import Connection


class BaseSecretsBackend:
    """A place connections (and variables) are looked up in."""

    def get_conn_value(self, conn_id: str) -> str | None:
        """Return the connection's URI or JSON text, or ``None`` if this backend does not have it."""
        return None

    def get_connection(self, conn_id: str) -> Connection | None:
        """Return the connection, or ``None`` if this backend does not have it.

        :raises InvalidConnectionError: if the stored value is malformed.
        """
        value = self.get_conn_value(conn_id)
        if value is None:
            return None
        return Connection.from_text(value, conn_id=conn_id)

    def get_variable(self, key: str) -> str | None:
        """Return the variable's value, or ``None`` if this backend does not have it (the default)."""
        return None

    def describe_lookup(self, conn_id: str) -> str:
        """Say where this backend looked for ``conn_id``, for the "not found" error."""
        cls = type(self)
        return f"secrets backend {cls.__module__}.{cls.__qualname__}"
