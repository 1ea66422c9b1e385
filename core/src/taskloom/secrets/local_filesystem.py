"""Connections from a file: ``TASKLOOM_CONNECTIONS_FILE``, YAML or JSON.

The file maps connection ids to either a URI or the JSON form's fields::

    # connections.yaml
    my_pg: postgres://etl:s%40cret@db.example.com:5432/warehouse
    my_api:
      conn_type: https
      host: api.example.com
      password: token-value
      extra: {timeout: 30, headers: {X-Team: data}}

``.json`` files are read as JSON, every other name as YAML (which accepts JSON too).
The file is re-read when it changes, so a long-running scheduler sees edits.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from typing import Final

import yaml

from taskloom.exceptions import InvalidConnectionError
from taskloom.models.connection import Connection
from taskloom.secrets.base import BaseSecretsBackend

#: Environment variable naming the connections file.
CONNECTIONS_FILE_ENV: Final = "TASKLOOM_CONNECTIONS_FILE"


def load_connections_file(path: Path) -> dict[str, Connection]:
    """Parse a connections file into ``{conn_id: Connection}``.

    :raises InvalidConnectionError: if the file is missing, is not valid YAML/JSON, is
        not a mapping, or holds a malformed connection.  The message gives the file,
        line and column, never the file's text (it holds passwords).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidConnectionError(
            f"connections file {path} does not exist; fix the path in {CONNECTIONS_FILE_ENV} or unset it"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidConnectionError(
            f"connections file {path} cannot be read ({type(exc).__name__}); check its permissions and encoding"
        ) from None
    data = _parse(path, text)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InvalidConnectionError(
            f"connections file {path} must map connection ids to URIs or objects "
            f"(`my_conn: postgres://...`), not hold a {type(data).__name__}"
        )
    connections = {}
    for conn_id, value in data.items():
        conn_id = str(conn_id)
        if isinstance(value, str):
            connections[conn_id] = Connection.from_uri(value, conn_id=conn_id)
        elif isinstance(value, dict):
            connections[conn_id] = Connection.from_dict(value, conn_id=conn_id)
        else:
            raise InvalidConnectionError(
                f"in connections file {path}, the value must be a URI or an object of fields, "
                f"not {type(value).__name__}",
                conn_id=conn_id,
            )
    return connections


def _parse(path: Path, text: str) -> Any:
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidConnectionError(
                f"connections file {path} is not valid JSON: {exc.msg} at line {exc.lineno}, "
                f"column {exc.colno}; fix the file (or name it .yaml to write YAML)"
            ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        # str(exc) quotes the offending line, which may hold a password: build our own.
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}, column {mark.column + 1}"
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise InvalidConnectionError(
            f"connections file {path} is not valid YAML: {problem}{where}; fix the file "
            "(quote values that contain ': ' or start with a special character)"
        ) from None


class LocalFilesystemBackend(BaseSecretsBackend):
    """Reads connections from a YAML or JSON file.

    :param connections_file_path: the file; default: ``$TASKLOOM_CONNECTIONS_FILE``,
        and no file at all when that is unset.
    """

    def __init__(self, connections_file_path: str | os.PathLike[str] | None = None) -> None:
        if connections_file_path is None:
            connections_file_path = os.environ.get(CONNECTIONS_FILE_ENV) or None
        #: The connections file, or ``None`` when none is configured.
        self.path = Path(connections_file_path).expanduser() if connections_file_path else None
        self._lock = threading.Lock()
        self._cache: tuple[tuple[int, int], dict[str, Connection]] | None = None

    def connections(self) -> dict[str, Connection]:
        """All connections in the file (``{}`` when no file is configured); re-read when it changes."""
        if self.path is None:
            return {}
        try:
            stat = self.path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            stamp = (-1, -1)
        with self._lock:
            if self._cache is None or self._cache[0] != stamp:
                self._cache = (stamp, load_connections_file(self.path))
            return self._cache[1]

    def get_connection(self, conn_id: str) -> Connection | None:
        """Return the connection from the file, or ``None``."""
        return self.connections().get(conn_id)

    def iter_connections(self) -> Iterator[Connection]:
        """Every connection in the file."""
        yield from self.connections().values()

    def describe_lookup(self, conn_id: str) -> str:
        """Name the file (or say that none is configured)."""
        if self.path is None:
            return f"connections file ({CONNECTIONS_FILE_ENV} is not set)"
        return f"connections file {self.path} ({CONNECTIONS_FILE_ENV})"
