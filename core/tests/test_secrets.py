"""Tests for taskloom.secrets: the lookup chain and its four kinds of places."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from taskloom import store
from taskloom.exceptions import ConfigurationError
from taskloom.exceptions import ConnectionNotFoundError
from taskloom.exceptions import InvalidConnectionError
from taskloom.models.connection import Connection
from taskloom.secrets import BaseSecretsBackend
from taskloom.secrets import ensure_secrets_backends
from taskloom.secrets import get_connection
from taskloom.secrets import get_variable
from taskloom.secrets.local_filesystem import LocalFilesystemBackend
from taskloom.secrets.metastore import MetastoreBackend
from taskloom.utils.secrets_masker import get_secrets_masker
from taskloom.utils.secrets_masker import redact


class DictBackend(BaseSecretsBackend):
    """A configured backend for the tests: connections from its constructor's kwargs."""

    def __init__(
        self, connections: dict[str, str], variables: dict[str, str] | None = None
    ) -> None:
        self.connections = connections
        self.variables = variables or {}

    def get_conn_value(self, conn_id: str) -> str | None:
        return self.connections.get(conn_id)

    def get_variable(self, key: str) -> str | None:
        return self.variables.get(key)


class BrokenBackend(BaseSecretsBackend):
    """A configured backend whose service is down."""

    def get_connection(self, conn_id: str) -> Connection | None:
        raise OSError("vault unreachable; token=vault-token-value")


@pytest.fixture(autouse=True)
def _clean_masker() -> Iterator[None]:
    """Forget secrets registered by the test."""
    yield
    get_secrets_masker().clear()


def _configure_backend(
    monkeypatch: pytest.MonkeyPatch, cls: type, kwargs: dict[str, object] | None = None
) -> None:
    monkeypatch.setenv("TASKLOOM__SECRETS__BACKEND", f"{cls.__module__}.{cls.__qualname__}")
    if kwargs is not None:
        monkeypatch.setenv("TASKLOOM__SECRETS__BACKEND_KWARGS", json.dumps(kwargs))


def test_env_variable_uri_and_json(monkeypatch: pytest.MonkeyPatch) -> None:
    """TASKLOOM_CONN_<ID> holds a URI or a JSON object; the id is matched upper-cased."""
    monkeypatch.setenv("TASKLOOM_CONN_MY_API", "https://user:pw-12345@api.example.com")
    monkeypatch.setenv(
        "TASKLOOM_CONN_MY_DB", json.dumps({"conn_type": "sqlite", "host": "/tmp/x.db"})
    )
    api = get_connection("my_api")
    assert (api.conn_id, api.conn_type, api.host, api.password) == (
        "my_api",
        "https",
        "api.example.com",
        "pw-12345",
    )
    assert get_connection("my_db") == Connection(
        conn_id="my_db", conn_type="sqlite", host="/tmp/x.db"
    )


def test_lookup_registers_secrets_for_masking(monkeypatch: pytest.MonkeyPatch) -> None:
    """A retrieved connection's password is masked from then on."""
    monkeypatch.setenv("TASKLOOM_CONN_M", "http://u:masked-password@h")
    get_connection("m")
    assert redact("log: masked-password") == "log: ***"


def test_connections_file_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A YAML connections file holds URIs and field objects, and is re-read when it changes."""
    path = tmp_path / "connections.yaml"
    path.write_text(
        "pg: postgres://etl:s%40cret@db:5432/wh\n"
        "api:\n  conn_type: https\n  host: api.example.com\n  extra: {timeout: 30, headers: {X-Team: data}}\n"
    )
    monkeypatch.setenv("TASKLOOM_CONNECTIONS_FILE", str(path))
    assert get_connection("pg").password == "s@cret"
    assert get_connection("api").extra_dejson == {"timeout": 30, "headers": {"X-Team": "data"}}
    path.write_text("pg: postgres://other@db2/wh\n")
    assert get_connection("pg").host == "db2"


def test_connections_file_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A .json connections file is read as JSON."""
    path = tmp_path / "connections.json"
    path.write_text(json.dumps({"lite": {"conn_type": "sqlite", "host": "/data/x.db"}}))
    monkeypatch.setenv("TASKLOOM_CONNECTIONS_FILE", str(path))
    assert get_connection("lite").host == "/data/x.db"


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "bad.yaml",
            "pg: postgres://u:s3cr3t-Pa55@h\n  bad: [unclosed s3cr3t-Pa55\n",
            r"is not valid YAML: .* at line \d+, column \d+",
        ),
        ("bad.json", '{"pg": "postgres://u:s3cr3t-Pa55@h",}', r"is not valid JSON: .* line 1"),
        (
            "list.yaml",
            "- postgres://u:s3cr3t-Pa55@h\n",
            "must map connection ids to URIs or objects",
        ),
        ("value.yaml", "pg: 12\n", "must be a URI or an object of fields"),
        ("port.yaml", "pg: postgres://u:s3cr3t-Pa55@h:port/db\n", "port is not a number"),
    ],
)
def test_bad_connections_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, text: str, expected: str
) -> None:
    """A malformed connections file gives a clear error with file and position, never its text."""
    path = tmp_path / name
    path.write_text(text)
    monkeypatch.setenv("TASKLOOM_CONNECTIONS_FILE", str(path))
    with pytest.raises(InvalidConnectionError, match=expected) as info:
        get_connection("pg")
    assert "s3cr3t" not in str(info.value)


def test_missing_connections_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A connections file that does not exist names the variable to fix."""
    monkeypatch.setenv("TASKLOOM_CONNECTIONS_FILE", str(tmp_path / "nope.yaml"))
    with pytest.raises(
        InvalidConnectionError, match="does not exist; fix the path in TASKLOOM_CONNECTIONS_FILE"
    ):
        get_connection("pg")


def test_metastore_set_get_delete() -> None:
    """Connections stored in the metadata DB are found by the chain, and can be replaced and deleted."""
    store = MetastoreBackend()
    conn = Connection(conn_id="db1", conn_type="sqlite", host="/x.db", extra={"timeout": 3})
    assert store.set_connection(conn)
    assert not store.set_connection(Connection(conn_id="db1", conn_type="sqlite", host="/y.db"))
    assert get_connection("db1") == conn
    assert store.set_connection(
        Connection(conn_id="db1", conn_type="sqlite", host="/y.db"), overwrite=True
    )
    assert get_connection("db1").host == "/y.db"
    assert [c.conn_id for c in store.iter_connections()] == ["db1"]
    assert store.delete_connection("db1")
    assert not store.delete_connection("db1")
    with pytest.raises(InvalidConnectionError, match="has no conn_type"):
        store.set_connection(Connection(conn_id="x"))


def test_lookup_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Configured backend, then environment, then file, then DB: the first definition wins."""
    MetastoreBackend().set_connection(Connection(conn_id="c", conn_type="http", host="from-db"))
    MetastoreBackend().set_connection(
        Connection(conn_id="only_db", conn_type="http", host="from-db")
    )
    assert get_connection("c").host == "from-db"
    path = tmp_path / "c.yaml"
    path.write_text("c: http://from-file\n")
    monkeypatch.setenv("TASKLOOM_CONNECTIONS_FILE", str(path))
    assert get_connection("c").host == "from-file"
    monkeypatch.setenv("TASKLOOM_CONN_C", "http://from-env")
    assert get_connection("c").host == "from-env"
    _configure_backend(monkeypatch, DictBackend, {"connections": {"c": "http://from-backend"}})
    assert get_connection("c").host == "from-backend"
    assert get_connection("only_db").host == "from-db"


def test_configured_backend_and_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """[secrets] backend_kwargs reaches the backend; get_variable asks it, then TASKLOOM_VAR_*."""
    _configure_backend(
        monkeypatch, DictBackend, {"connections": {}, "variables": {"k": "from-backend"}}
    )
    monkeypatch.setenv("TASKLOOM_VAR_OTHER", "from-env")
    assert isinstance(ensure_secrets_backends()[0], DictBackend)
    assert get_variable("k") == "from-backend"
    assert get_variable("other") == "from-env"
    assert get_variable("missing") is None


def test_not_found_names_every_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The error lists the backend, the variable, the file and the DB, and how to define the connection."""
    _configure_backend(monkeypatch, DictBackend, {"connections": {}})
    path = tmp_path / "c.yaml"
    path.write_text("{}\n")
    monkeypatch.setenv("TASKLOOM_CONNECTIONS_FILE", str(path))
    with pytest.raises(ConnectionNotFoundError) as info:
        get_connection("missing")
    message = str(info.value)
    assert "secrets backend test_secrets.DictBackend" in message
    assert "environment variable TASKLOOM_CONN_MISSING" in message
    assert f"connections file {path}" in message
    assert "metadata DB" in message
    assert str(store.configured_url()) in message
    assert "taskloom connections add missing" in message
    assert len(info.value.searched) == 4
    assert isinstance(info.value, LookupError)


def test_broken_backend_is_skipped(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A backend that fails is logged (secrets masked) and the next places still answer."""
    _configure_backend(monkeypatch, BrokenBackend)
    get_secrets_masker().add("vault-token-value")
    monkeypatch.setenv("TASKLOOM_CONN_C", "http://from-env")
    with caplog.at_level(logging.WARNING, logger="taskloom.secrets"):
        assert get_connection("c").host == "from-env"
    assert "vault unreachable" in caplog.text
    assert "vault-token-value" not in caplog.text
    with pytest.raises(ConnectionNotFoundError, match="failed: OSError"):
        get_connection("nowhere")


def test_bad_backend_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unimportable class, a non-backend class or bad kwargs JSON are configuration errors."""
    monkeypatch.setenv("TASKLOOM__SECRETS__BACKEND", "no.such.Backend")
    with pytest.raises(ConfigurationError, match="cannot be imported"):
        get_connection("c")
    monkeypatch.setenv("TASKLOOM__SECRETS__BACKEND", "os.PathLike")
    with pytest.raises(
        ConfigurationError, match=r"not a subclass of taskloom\.secrets\.BaseSecretsBackend"
    ):
        get_connection("c")
    _configure_backend(monkeypatch, DictBackend)
    monkeypatch.setenv("TASKLOOM__SECRETS__BACKEND_KWARGS", '{"token": "s3cr3t-Pa55"')
    with pytest.raises(ConfigurationError, match="backend_kwargs is not valid JSON") as info:
        get_connection("c")
    assert "s3cr3t" not in str(info.value)
    monkeypatch.setenv("TASKLOOM__SECRETS__BACKEND_KWARGS", '{"wrong": 1}')
    with pytest.raises(ConfigurationError, match="rejected"):
        get_connection("c")


def test_environment_iteration_and_file_backend_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without TASKLOOM_CONNECTIONS_FILE the file backend holds nothing and says so."""
    backend = LocalFilesystemBackend()
    assert backend.connections() == {}
    assert backend.describe_lookup("x") == "connections file (TASKLOOM_CONNECTIONS_FILE is not set)"
    assert "TASKLOOM_CONNECTIONS_FILE" not in os.environ


def test_errors_pickle_with_their_attributes() -> None:
    """Connection errors survive pickling (worker processes report them to the parent)."""
    import pickle

    missing = pickle.loads(pickle.dumps(ConnectionNotFoundError("c", ["env", "db"])))
    assert (missing.conn_id, missing.searched) == ("c", ["env", "db"])
    assert str(missing).startswith("connection 'c' is not defined. Looked in: env; db.")
    invalid = pickle.loads(pickle.dumps(InvalidConnectionError("bad port", conn_id="c")))
    assert (str(invalid), invalid.conn_id) == ("connection 'c': bad port", "c")


def test_backend_kwargs_secrets_are_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Values under keys of backend_kwargs that name secrets (token, password...) are masked, at any depth."""
    _configure_backend(
        monkeypatch,
        DictBackend,
        {
            "connections": {"api_token": "nested-token-abcdef"},
            "variables": {"token": "vault-token-abcdef"},
        },
    )
    assert get_variable("token") == "vault-token-abcdef"
    assert redact("using vault-token-abcdef and nested-token-abcdef") == "using *** and ***"


def test_several_backends_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """[secrets] backends lists more backends, asked in order after [secrets] backend."""
    _configure_backend(monkeypatch, DictBackend, {"connections": {"a": "http://first"}})
    monkeypatch.setenv(
        "TASKLOOM__SECRETS__BACKENDS",
        json.dumps(
            [
                {
                    "backend": f"{__name__}.DictBackend",
                    "backend_kwargs": {"connections": {"a": "http://second", "b": "http://second"}},
                },
                {
                    "backend": f"{__name__}.DictBackend",
                    "backend_kwargs": {"connections": {"c": "http://third"}},
                },
            ]
        ),
    )
    assert [type(b).__name__ for b in ensure_secrets_backends()][:3] == ["DictBackend"] * 3
    assert get_connection("a").host == "first"
    assert get_connection("b").host == "second"
    assert get_connection("c").host == "third"
    with pytest.raises(ConnectionNotFoundError) as info:
        get_connection("missing")
    assert len(info.value.searched) == 6


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("not json", "must be a JSON list"),
        ('{"backend": "x"}', "must be a JSON list"),
        ('[{"kwargs": {}}]', 'entry 1 of setting \\[secrets\\] backends needs a "backend"'),
        ('[{"backend": "a.B", "extra": 1}]', "unknown keys \\['extra'\\]"),
    ],
)
def test_bad_backends_list(monkeypatch: pytest.MonkeyPatch, value: str, message: str) -> None:
    """A malformed [secrets] backends setting says what shape it needs."""
    monkeypatch.setenv("TASKLOOM__SECRETS__BACKENDS", value)
    with pytest.raises(ConfigurationError, match=message):
        get_connection("c")
