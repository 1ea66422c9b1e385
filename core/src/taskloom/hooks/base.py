"""``BaseHook``: the parent of every hook, and how a connection finds its hook class.

A hook wraps one outside system.  It is built from a connection id; it reads the
connection (:meth:`BaseHook.get_connection`) lazily, when it first needs it.  Each hook
class declares the class attributes the provider registry and the CLI rely on::

    class PostgresHook(DbApiHook):
        conn_name_attr = "postgres_conn_id"    # the constructor argument holding the conn id
        default_conn_name = "postgres_default" # used when none is given
        conn_type = "postgres"                 # the conn_type it handles
        hook_name = "PostgreSQL"               # for people

:meth:`BaseHook.get_hook` turns a connection id into the right hook instance: it reads
the connection, asks the provider registry which class handles its conn_type (importing
only that hook's module), and constructs it.
"""

from __future__ import annotations

import logging
from typing import Any
from typing import ClassVar

from taskloom.models.connection import Connection

__all__ = ["BaseHook", "hook_class_for"]


def hook_class_for(conn_type: str | None, *, conn_id: str | None = None) -> type[BaseHook]:
    """The hook class the installed providers declare for ``conn_type`` (see
    :func:`taskloom.providers_manager.hook_class_for`, where hooks are resolved)."""
    from taskloom.providers_manager import hook_class_for as resolve

    hook_class: type[BaseHook] = resolve(conn_type, conn_id=conn_id)
    return hook_class


class BaseHook:
    """Base class of every hook.

    :param logger_name: the logger :attr:`log` uses; default: the hook class's module
        and name, so a provider's logging can be tuned on its own.
    """

    #: Name of the constructor argument that holds the connection id.
    conn_name_attr: ClassVar[str] = "conn_id"
    #: Connection id used when the caller gives none.
    default_conn_name: ClassVar[str] = "default_conn_id"
    #: The conn_type this hook handles.
    conn_type: ClassVar[str] = "generic"
    #: Human-readable name of the system.
    hook_name: ClassVar[str] = "Generic"

    def __init__(self, logger_name: str | None = None, **kwargs: Any) -> None:
        self._logger_name = logger_name
        # ``generic`` connections resolve to BaseHook itself: keep the conn id it was built with.
        self._generic_conn_id: str | None = kwargs.pop(self.conn_name_attr, None)
        if kwargs:
            raise TypeError(
                f"{type(self).__name__}() got unexpected arguments: {', '.join(sorted(kwargs))}"
            )

    @property
    def log(self) -> logging.Logger:
        """This hook's logger (``<module>.<ClassName>`` unless ``logger_name`` was given)."""
        cls = type(self)
        return logging.getLogger(self._logger_name or f"{cls.__module__}.{cls.__qualname__}")

    @classmethod
    def get_connection(cls, conn_id: str) -> Connection:
        """Look up a connection along the secrets chain and register its secrets for masking.

        :raises ConnectionNotFoundError: naming every place searched.
        """
        from taskloom.secrets import get_connection

        connection = get_connection(conn_id)
        logging.getLogger(f"{cls.__module__}.{cls.__qualname__}").debug(
            "using connection %r (conn_type %r, host %r)",
            connection.conn_id,
            connection.conn_type,
            connection.host,
        )
        return connection

    @classmethod
    def get_hook(cls, conn_id: str, **hook_params: Any) -> BaseHook:
        """Return an instance of the hook class registered for ``conn_id``'s conn_type.

        :param hook_params: passed to the hook's constructor, beside the conn id.
        :raises ConnectionNotFoundError: if the connection is not defined.
        :raises ProviderNotFoundError: if no installed provider handles its conn_type.
        """
        hook: BaseHook = cls.get_connection(conn_id).get_hook(**hook_params)
        return hook

    def get_conn(self) -> Any:
        """Return the client object of the outside system (a DB-API connection, a session...)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get_conn()")

    def test_connection(self) -> tuple[bool, str]:
        """Check that the system answers with the connection's settings.

        :returns: ``(ok, message)``; never raises for a failed check.  Hooks that can
            check override it; this default says the check is not supported.
        """
        return (
            False,
            f"{type(self).__name__} ({self.conn_type}) does not support testing connections",
        )
