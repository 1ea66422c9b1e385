"""``RedisHook``: a redis-py client configured from a taskloom connection."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from typing import TypedDict

import redis
from redis.exceptions import AuthenticationError
from taskloom.exceptions import InvalidConnectionError
from taskloom.exceptions import TaskloomError
from taskloom.hooks.base import BaseHook
from taskloom.models.connection import Connection

#: Values the ``ssl_cert_reqs`` extra accepts (redis-py's names for ``ssl.CERT_*``).
CERT_REQS = ("none", "optional", "required")
#: Extras holding the path of a PEM file; each must exist when TLS is on.
TLS_FILE_EXTRAS = ("ssl_ca_certs", "ssl_certfile", "ssl_keyfile")
#: Extras holding a number of seconds.
TIMEOUT_EXTRAS = ("socket_timeout", "socket_connect_timeout")
#: Every extra field the hook reads (as declared in ``provider.json``).  Others are
#: refused: a misspelt ``ssl`` must not silently mean a plain-text connection.
KNOWN_EXTRAS = (
    "db",
    "ssl",
    "ssl_cert_reqs",
    *TLS_FILE_EXTRAS,
    "ssl_password",
    "ssl_check_hostname",
    *TIMEOUT_EXTRAS,
)
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off", ""})


class RedisClientOptions(TypedDict, total=False):
    """The keyword arguments of :class:`redis.Redis` that a connection sets."""

    host: str
    port: int
    db: int
    username: str | None
    password: str | None
    ssl: bool
    ssl_cert_reqs: str
    ssl_ca_certs: str | None
    ssl_certfile: str | None
    ssl_keyfile: str | None
    ssl_password: str | None
    ssl_check_hostname: bool
    socket_timeout: float | None
    socket_connect_timeout: float | None


def _flag(extra: dict[str, Any], key: str, conn_id: str) -> bool:
    """Read a true/false extra that may come from a URI query string (so as text)."""
    value = extra.get(key, False)
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidConnectionError(
        f"extra field {key!r} must be true or false, got {value!r}; "
        "fix it in the connection's extra (e.g. {\"" + key + '": true}).',
        conn_id=conn_id,
    )


def _seconds(extra: dict[str, Any], key: str, conn_id: str) -> float | None:
    """Read a timeout extra: a positive number of seconds, or absent for none."""
    value = extra.get(key)
    if value is None or value == "":
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = 0.0
    if not seconds > 0 or isinstance(value, bool):
        raise InvalidConnectionError(
            f"extra field {key!r} must be a number of seconds > 0, got {value!r}; "
            "fix it in the connection's extra or remove it (no timeout).",
            conn_id=conn_id,
        )
    return seconds


def _database(conn: Connection, conn_id: str) -> int:
    """The database number: the schema field when set, else the ``db`` extra, else 0."""
    source, value = (
        ("schema", conn.schema) if conn.schema else ("extra db", conn.extra_dejson.get("db", 0))
    )
    try:
        db = int(value)
    except (TypeError, ValueError):
        db = -1
    if db < 0:
        raise InvalidConnectionError(
            f"the Redis database number ({source}) must be a whole number >= 0, got {value!r}; "
            "put it in the URI path (redis://host:6379/0) or the extra field db.",
            conn_id=conn_id,
        )
    return db


def _tls_options(extra: dict[str, Any], conn_id: str) -> RedisClientOptions:
    """The ``ssl*`` keyword arguments, checked so a typo fails before any network I/O."""
    given_files = [key for key in TLS_FILE_EXTRAS if extra.get(key)]
    if not _flag(extra, "ssl", conn_id):
        if given_files:
            raise InvalidConnectionError(
                f"extra field(s) {', '.join(given_files)} are set but TLS is off; "
                'add "ssl": true to the extra to use them, or remove them.',
                conn_id=conn_id,
            )
        return {}
    cert_reqs = str(extra.get("ssl_cert_reqs", "required")).strip().lower()
    if cert_reqs not in CERT_REQS:
        raise InvalidConnectionError(
            f"extra field 'ssl_cert_reqs' must be one of {', '.join(CERT_REQS)}, "
            f"got {extra['ssl_cert_reqs']!r}.",
            conn_id=conn_id,
        )
    for key in given_files:
        if not Path(extra[key]).expanduser().is_file():
            raise InvalidConnectionError(
                f"extra field {key!r} names {extra[key]!r}, which is not a file; "
                "give the path of a PEM file readable on the machine that runs the task.",
                conn_id=conn_id,
            )
    files = {key: str(Path(extra[key]).expanduser()) for key in given_files}
    return {
        "ssl": True,
        "ssl_cert_reqs": cert_reqs,
        "ssl_check_hostname": _flag(extra, "ssl_check_hostname", conn_id),
        "ssl_ca_certs": files.get("ssl_ca_certs"),
        "ssl_certfile": files.get("ssl_certfile"),
        "ssl_keyfile": files.get("ssl_keyfile"),
        "ssl_password": str(extra["ssl_password"]) if extra.get("ssl_password") else None,
    }


def client_options(conn: Connection) -> RedisClientOptions:
    """Translate a connection into :class:`redis.Redis` keyword arguments.

    Kept apart from :class:`RedisHook` so that the mapping (which field feeds which
    option, and every check on the way) can be read and tested without a server.

    :param conn: a connection of type ``redis``.
    :returns: the options (``None`` meaning redis-py's default); TLS ones only when the
        ``ssl`` extra is true.
    :raises InvalidConnectionError: a field or extra has a value Redis cannot use; the
        message names it and never repeats the password.
    """
    conn_id = conn.conn_id or "<unnamed>"
    extra = conn.extra_dejson
    unknown = sorted(set(extra) - set(KNOWN_EXTRAS))
    if unknown:
        raise InvalidConnectionError(
            f"unknown extra field(s) {', '.join(map(repr, unknown))} for a Redis connection; "
            f"the known ones are {', '.join(KNOWN_EXTRAS)}. Fix the spelling or remove them.",
            conn_id=conn_id,
        )
    options: RedisClientOptions = {
        "host": conn.host or "localhost",
        "port": int(conn.port or 6379),
        "db": _database(conn, conn_id),
        "username": conn.login or None,
        "password": conn.password or None,
        "socket_timeout": _seconds(extra, "socket_timeout", conn_id),
        "socket_connect_timeout": _seconds(extra, "socket_connect_timeout", conn_id),
    }
    options.update(_tls_options(extra, conn_id))
    return options


class RedisHook(BaseHook):
    """Talk to Redis through a :class:`redis.Redis` client built from a connection.

    The connection's host, port, login (an ACL user, Redis 6+) and password are used as
    they are; the database number comes from the schema (the URI path) or the ``db``
    extra; TLS is turned on by the ``ssl`` extra (see :func:`client_options`).

    :param redis_conn_id: id of a connection of type ``redis``.
    :param logger_name: the logger :attr:`log` uses (see :class:`BaseHook`).
    """

    conn_name_attr = "redis_conn_id"
    default_conn_name = "redis_default"
    conn_type = "redis"
    hook_name = "Redis"

    def __init__(
        self, redis_conn_id: str = default_conn_name, *, logger_name: str | None = None
    ) -> None:
        super().__init__(logger_name=logger_name)
        #: Id of the connection this hook reads.
        self.redis_conn_id = redis_conn_id
        self._client: redis.Redis | None = None

    def get_conn(self) -> redis.Redis:
        """Return this hook's client, creating it (and checking the login) on first use.

        The first call sends a ``PING`` so that a wrong password or user fails here, with
        the connection id in the message, rather than at whatever command runs first.
        Later calls return the same client, whose connection pool is reused.

        :raises InvalidConnectionError: the connection is malformed, or the server
            rejected its login.
        :raises redis.exceptions.ConnectionError: the server cannot be reached.
        """
        if self._client is None:
            options = client_options(self.get_connection(self.redis_conn_id))
            client = redis.Redis(**options)
            try:
                client.ping()
            except AuthenticationError as exc:
                client.close()
                user = options.get("username") or "default"
                raise InvalidConnectionError(
                    f"the Redis server at {options['host']}:{options['port']} rejected the login "
                    f"of user {user!r} ({exc}); fix the login and password of the connection.",
                    conn_id=self.redis_conn_id,
                ) from None
            except BaseException:
                client.close()
                raise
            self._client = client
        return self._client

    def close(self) -> None:
        """Close the client's connections; the next :meth:`get_conn` opens new ones."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def test_connection(self) -> tuple[bool, str]:
        """Check that the server answers ``PING`` with this connection's login.

        :returns: ``(True, message)`` on success, else ``(False, reason)``; the reason
            never contains the password.
        """
        try:
            self.get_conn()
        except (TaskloomError, redis.RedisError) as exc:
            return False, str(exc)
        finally:
            self.close()
        return True, "Connection successfully tested"
