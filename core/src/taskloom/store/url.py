"""Where the metadata DB is: the setting ``[database] url``, parsed and shown without its password.

``sqlite:///relative/file.db`` and ``sqlite:////absolute/file.db`` (SQLAlchemy's spelling,
which Airflow users know from ``sql_alchemy_conn``) name a SQLite file;
``postgresql://user:password@host:5432/dbname`` (also ``postgres://`` and the
``postgresql+psycopg2://`` / ``postgresql+psycopg://`` driver suffixes) a PostgreSQL
database, with libpq's query parameters (``?sslmode=require``).  Without a URL the DB is
the SQLite file ``[database] path``, default ``$TASKLOOM_HOME/taskloom.db``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

from taskloom import configuration
from taskloom.exceptions import ConfigurationError

Dialect = Literal["sqlite", "postgresql"]

_POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2")


@dataclass(frozen=True)
class DatabaseURL:
    """A parsed metadata DB location.

    :param path: the SQLite file (SQLite only).
    :param conninfo: the libpq connection URI, password included (PostgreSQL only): pass it
        to the driver, never print it; ``str()`` of this object is the printable form.
    """

    dialect: Dialect
    path: Path | None = None
    conninfo: str | None = None
    password: str | None = None

    def __str__(self) -> str:
        if self.dialect == "sqlite":
            return str(self.path)
        assert self.conninfo is not None
        parts = urlsplit(self.conninfo)
        netloc = parts.netloc
        if parts.password is not None:
            userinfo, _, hostport = netloc.rpartition("@")
            netloc = f"{userinfo.partition(':')[0]}:***@{hostport}"
        return urlunsplit(parts._replace(netloc=netloc, query=""))


def parse(text: str) -> DatabaseURL:
    """Parse a ``[database] url`` value.

    :raises ConfigurationError: naming the accepted forms, never echoing a password.
    """
    scheme, sep, rest = text.partition("://")
    scheme = scheme.lower()
    if sep and scheme == "sqlite":
        if not rest.startswith("/") or rest == "/":
            raise ConfigurationError(
                "[database] url: a SQLite URL names its file after three slashes: "
                "sqlite:///relative/taskloom.db or sqlite:////absolute/taskloom.db"
            )
        return DatabaseURL("sqlite", path=Path(rest[1:].split("?", 1)[0]).expanduser())
    if sep and scheme in _POSTGRES_SCHEMES:
        try:
            parts = urlsplit("postgresql://" + rest)
            parts.port  # noqa: B018 -- raises ValueError on a port that is not a number
        except ValueError as exc:
            raise ConfigurationError(
                f"[database] url is not a valid PostgreSQL URL ({exc}); write "
                "postgresql://user:password@host:5432/dbname"
            ) from None
        if not parts.hostname and "host=" not in parts.query:
            raise ConfigurationError(
                "[database] url names no PostgreSQL host; write postgresql://user:password@host:5432/dbname"
            )
        return DatabaseURL(
            "postgresql",
            conninfo=urlunsplit(parts),
            password=parts.password,
        )
    shown = scheme if sep else "(no scheme)"
    raise ConfigurationError(
        f"[database] url has the unsupported scheme {shown}; the metadata DB is SQLite "
        "(sqlite:////path/to/taskloom.db) or PostgreSQL (postgresql://user:password@host:5432/dbname)"
    )


def configured() -> DatabaseURL:
    """The metadata DB the settings name: ``[database] url``, else the SQLite file
    ``[database] path`` (default ``$TASKLOOM_HOME/taskloom.db``)."""
    url = configuration.get("database", "url")
    if url:
        return parse(str(url))
    path = configuration.get("database", "path")
    return DatabaseURL(
        "sqlite",
        path=Path(str(path)).expanduser() if path else configuration.home() / "taskloom.db",
    )
