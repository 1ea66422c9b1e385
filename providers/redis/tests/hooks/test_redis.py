"""Tests of taskloom.providers.redis.hooks.redis against a real redis-server."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import redis

from taskloom.exceptions import InvalidConnectionError
from taskloom.models.connection import Connection
from taskloom.providers.redis.hooks.redis import RedisHook
from taskloom.providers.redis.hooks.redis import client_options
from taskloom_testing.cli import run_taskloom
from taskloom_testing.redis import RedisServer


def _set_conn(monkeypatch: pytest.MonkeyPatch, conn_id: str, **fields: object) -> None:
    monkeypatch.setenv(
        f"TASKLOOM_CONN_{conn_id.upper()}", json.dumps({"conn_type": "redis", **fields})
    )


def test_client_options_from_uri() -> None:
    """Host, port, database (URI path), ACL user and password reach the client options."""
    conn = Connection(conn_id="r", uri="redis://alice:p%40ss@cache.example.com:6380/3")
    assert client_options(conn) == {
        "host": "cache.example.com",
        "port": 6380,
        "db": 3,
        "username": "alice",
        "password": "p@ss",
        "socket_timeout": None,
        "socket_connect_timeout": None,
    }


def test_client_options_defaults() -> None:
    """A bare connection means localhost:6379, database 0, the default user, no TLS."""
    assert client_options(Connection(conn_id="r", conn_type="redis")) == {
        "host": "localhost",
        "port": 6379,
        "db": 0,
        "username": None,
        "password": None,
        "socket_timeout": None,
        "socket_connect_timeout": None,
    }


def test_client_options_db_from_extra_and_schema_wins() -> None:
    """The db extra is used when the schema is empty; a schema takes precedence."""
    assert client_options(Connection(conn_id="r", conn_type="redis", extra={"db": 5}))["db"] == 5
    both = Connection(conn_id="r", conn_type="redis", schema="2", extra={"db": 5})
    assert client_options(both)["db"] == 2


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"schema": "cache"}, "database number (schema) must be a whole number"),
        ({"extra": {"db": -1}}, "database number (extra db) must be a whole number"),
        ({"extra": {"ssl": "maybe"}}, "'ssl' must be true or false"),
        (
            {"extra": {"ssl": True, "ssl_cert_reqs": "strict"}},
            "'ssl_cert_reqs' must be one of none, optional, required",
        ),
        (
            {"extra": {"ssl": True, "ssl_ca_certs": "/nonexistent/ca.pem"}},
            "'ssl_ca_certs' names '/nonexistent/ca.pem', which is not a file",
        ),
        (
            {"extra": {"ssl_certfile": "/etc/hostname"}},
            'ssl_certfile are set but TLS is off; add "ssl": true',
        ),
        (
            {"extra": {"ssl": True, "ssl_check_hostname": "sometimes"}},
            "'ssl_check_hostname' must be true or false",
        ),
        (
            {"extra": {"sll": True}},
            "unknown extra field(s) 'sll' for a Redis connection; the known ones are db, ssl,",
        ),
        (
            {"extra": {"socket_timeout": "soon"}},
            "'socket_timeout' must be a number of seconds > 0, got 'soon'",
        ),
        (
            {"extra": {"socket_connect_timeout": 0}},
            "'socket_connect_timeout' must be a number of seconds > 0",
        ),
    ],
)
def test_client_options_bad_input(fields: dict[str, object], fragment: str) -> None:
    """Each malformed field fails before any I/O, naming the connection and the field."""
    conn = Connection(conn_id="cache", conn_type="redis", password="hunter2-secret", **fields)  # type: ignore[arg-type]
    with pytest.raises(InvalidConnectionError, match=r"^connection 'cache': ") as info:
        client_options(conn)
    assert fragment in str(info.value)
    assert "hunter2-secret" not in str(info.value)


def test_socket_timeout_reaches_the_client(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """socket_timeout (text from a URI) bounds a blocking command on the real server."""
    monkeypatch.setenv(
        "TASKLOOM_CONN_REDIS_QUICK",
        redis_server.uri() + "?socket_timeout=0.3&socket_connect_timeout=5",
    )
    hook = RedisHook(redis_conn_id="redis_quick")
    with pytest.raises(redis.exceptions.TimeoutError):
        hook.get_conn().blpop(["timeout:never"], timeout=5)
    hook.close()


def test_client_options_tls_from_uri_query(tmp_path: Path) -> None:
    """TLS extras given as URI query text (strings) become typed client options."""
    ca = tmp_path / "ca.pem"
    ca.write_text("not checked before connecting")
    conn = Connection(
        conn_id="r",
        uri=f"redis://:pw@h:6380/0?ssl=true&ssl_cert_reqs=Optional&ssl_ca_certs={ca}&ssl_check_hostname=yes",
    )
    options = client_options(conn)
    assert options["ssl"] is True
    assert options["ssl_cert_reqs"] == "optional"
    assert options["ssl_ca_certs"] == str(ca)
    assert options["ssl_check_hostname"] is True
    assert options["ssl_certfile"] is None
    assert options["ssl_password"] is None


def test_get_conn_talks_to_server_and_is_cached(
    redis_conn: RedisServer, admin: redis.Redis
) -> None:
    """get_conn() logs in with the connection's password and returns one cached client."""
    hook = RedisHook()
    client = hook.get_conn()
    assert hook.get_conn() is client
    client.set("hook:cached", "yes")
    assert admin.get("hook:cached") == b"yes"
    hook.close()


def test_get_conn_uses_database_number(
    redis_server: RedisServer, admin: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The schema selects the logical database the client writes to."""
    monkeypatch.setenv("TASKLOOM_CONN_REDIS_DB4", redis_server.uri(db=4))
    hook = RedisHook(redis_conn_id="redis_db4")
    hook.get_conn().set("hook:db", "four")
    hook.close()
    assert admin.get("hook:db") is None
    server = redis_server
    with redis.Redis(host=server.host, port=server.port, password=server.password, db=4) as db4:
        assert db4.get("hook:db") == b"four"


def test_get_conn_acl_user(
    redis_server: RedisServer, admin: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The login is used as a Redis ACL user, with its own password and permissions."""
    admin.acl_setuser(
        "taskloom-reader",
        enabled=True,
        passwords=["+reader-pw"],
        keys=["acl:*"],
        commands=["+get", "+ping", "+exists"],
    )
    admin.set("acl:greeting", "hello")
    _set_conn(
        monkeypatch,
        "redis_reader",
        host=redis_server.host,
        port=redis_server.port,
        login="taskloom-reader",
        password="reader-pw",
    )
    hook = RedisHook(redis_conn_id="redis_reader")
    assert hook.get_conn().get("acl:greeting") == b"hello"
    with pytest.raises(redis.exceptions.NoPermissionError):
        hook.get_conn().set("acl:greeting", "overwritten")
    hook.close()


def test_wrong_password_is_clear_and_secret_free(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rejected login names the connection, the server and the fix, never the password."""
    _set_conn(
        monkeypatch,
        "redis_bad",
        host=redis_server.host,
        port=redis_server.port,
        password="wrong-pw-8d1f",
    )
    with pytest.raises(InvalidConnectionError) as info:
        RedisHook(redis_conn_id="redis_bad").get_conn()
    message = str(info.value)
    assert message.startswith("connection 'redis_bad': the Redis server at 127.0.0.1:")
    assert "rejected the login of user 'default'" in message
    assert "fix the login and password of the connection" in message
    assert "wrong-pw-8d1f" not in message
    assert redis_server.password not in message


def test_missing_password_is_clear(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A connection without password to a server that requires one fails the same clear way."""
    _set_conn(monkeypatch, "redis_nopw", host=redis_server.host, port=redis_server.port)
    with pytest.raises(InvalidConnectionError, match="rejected the login of user 'default'"):
        RedisHook(redis_conn_id="redis_nopw").get_conn()


def test_test_connection(
    redis_conn: RedisServer, redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """test_connection() reports success, and failure with a reason that holds no secret."""
    assert RedisHook().test_connection() == (True, "Connection successfully tested")
    _set_conn(
        monkeypatch,
        "redis_bad",
        host=redis_server.host,
        port=redis_server.port,
        password="wrong-pw-77",
    )
    ok, reason = RedisHook(redis_conn_id="redis_bad").test_connection()
    assert not ok
    assert "rejected the login" in reason
    assert "wrong-pw-77" not in reason
    ok, reason = RedisHook(redis_conn_id="redis_undefined").test_connection()
    assert not ok
    assert "TASKLOOM_CONN_REDIS_UNDEFINED" in reason


def test_unreachable_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """A server that does not listen fails with redis-py's connection error naming host and port."""
    from taskloom_testing.servers import free_port

    port = free_port()
    _set_conn(monkeypatch, "redis_down", host="127.0.0.1", port=port, password="pw-unused")
    with pytest.raises(redis.exceptions.ConnectionError, match=f"127.0.0.1:{port}"):
        RedisHook(redis_conn_id="redis_down").get_conn()


def test_tls_with_client_certificate(tls_conn: RedisServer) -> None:
    """Over TLS, the CA, client certificate and key from the extras are used."""
    hook = RedisHook(redis_conn_id="redis_tls")
    hook.get_conn().set("tls:key", "over-tls")
    assert hook.get_conn().get("tls:key") == b"over-tls"
    assert hook.test_connection() == (True, "Connection successfully tested")


def test_tls_checks_hostname(tls_conn: RedisServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """ssl_check_hostname accepts the server certificate, which names 127.0.0.1."""
    conn = json.loads(os.environ["TASKLOOM_CONN_REDIS_TLS"])
    conn["extra"]["ssl_check_hostname"] = True
    monkeypatch.setenv("TASKLOOM_CONN_REDIS_TLS_STRICT", json.dumps(conn))
    assert RedisHook(redis_conn_id="redis_tls_strict").test_connection() == (
        True,
        "Connection successfully tested",
    )


def test_tls_without_client_certificate_fails(
    tls_conn: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server requires a client certificate: leaving it out fails the TLS handshake."""
    conn = json.loads(os.environ["TASKLOOM_CONN_REDIS_TLS"])
    del conn["extra"]["ssl_certfile"], conn["extra"]["ssl_keyfile"]
    monkeypatch.setenv("TASKLOOM_CONN_REDIS_TLS_NOCERT", json.dumps(conn))
    ok, reason = RedisHook(redis_conn_id="redis_tls_nocert").test_connection()
    assert not ok
    assert tls_conn.password not in reason


def test_tls_rejects_unknown_ca(tls_conn: RedisServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """With ssl_cert_reqs=required and no CA file, the self-signed server is not trusted."""
    conn = json.loads(os.environ["TASKLOOM_CONN_REDIS_TLS"])
    del conn["extra"]["ssl_ca_certs"]
    monkeypatch.setenv("TASKLOOM_CONN_REDIS_TLS_NOCA", json.dumps(conn))
    ok, reason = RedisHook(redis_conn_id="redis_tls_noca").test_connection()
    assert not ok
    assert "certificate verify failed" in reason


def test_tls_encrypted_client_key(
    tls_conn: RedisServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ssl_password unlocks an encrypted client key."""
    tls = tls_conn.tls
    assert tls is not None
    encrypted = tmp_path / "client-encrypted.key"
    subprocess.run(
        [
            "openssl",
            "pkey",
            "-in",
            str(tls.keyfile),
            "-aes256",
            "-passout",
            "pass:key-pw-31",
            "-out",
            str(encrypted),
        ],
        check=True,
    )
    conn = json.loads(os.environ["TASKLOOM_CONN_REDIS_TLS"])
    conn["extra"].update(ssl_keyfile=str(encrypted), ssl_password="key-pw-31")
    monkeypatch.setenv("TASKLOOM_CONN_REDIS_TLS_ENC", json.dumps(conn))
    assert RedisHook(redis_conn_id="redis_tls_enc").test_connection() == (
        True,
        "Connection successfully tested",
    )


def test_ssl_password_is_a_secret_extra() -> None:
    """provider.json marks ssl_password secret, so core masks it like the password."""
    conn = Connection(
        conn_id="r", conn_type="redis", extra={"ssl": True, "ssl_password": "key-pw-31"}
    )
    assert "ssl_password" in conn.secret_extra_keys()
    assert "key-pw-31" not in repr(conn)


def test_cli_connections_test(
    redis_conn: RedisServer, redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`taskloom connections test` uses test_connection(): OK, or the clear reason, no secret."""
    ok = run_taskloom("connections", "test", "redis_default")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Connection successfully tested" in ok.stdout
    _set_conn(
        monkeypatch,
        "redis_bad",
        host=redis_server.host,
        port=redis_server.port,
        password="wrong-cli-pw-3",
    )
    bad = run_taskloom("connections", "test", "redis_bad")
    assert bad.returncode == 1
    output = bad.stdout + bad.stderr
    assert "rejected the login of user 'default'" in output
    assert "wrong-cli-pw-3" not in output
    assert redis_server.password not in output
