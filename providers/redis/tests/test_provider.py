"""Tests of what is the Redis provider's own in ``provider.json``: extras, secrets, hook lookup, masking.

The checks every provider owes core are in test_conformance.py (taskloom-testing's suite).
"""

from __future__ import annotations

import json
from importlib import resources

from taskloom.hooks.base import BaseHook
from taskloom.models.connection import Connection
from taskloom.providers.redis.hooks.redis import RedisHook
from taskloom.utils.secrets_masker import redact
from taskloom_testing.redis import RedisServer


def test_provider_json_lists_every_module_and_extra() -> None:
    """The metadata names the hook, operator and sensor modules, and every documented extra."""
    raw = json.loads((resources.files("taskloom.providers.redis") / "provider.json").read_text())
    assert raw["hooks"] == ["taskloom.providers.redis.hooks.redis"]
    assert raw["operators"] == ["taskloom.providers.redis.operators.redis_publish"]
    assert raw["sensors"] == [
        "taskloom.providers.redis.sensors.redis_key",
        "taskloom.providers.redis.sensors.redis_pub_sub",
    ]
    extra_fields = raw["connection_types"]["redis"]["extra_fields"]
    assert set(extra_fields) == {
        "db",
        "ssl",
        "ssl_cert_reqs",
        "ssl_ca_certs",
        "ssl_certfile",
        "ssl_keyfile",
        "ssl_password",
        "ssl_check_hostname",
        "socket_timeout",
        "socket_connect_timeout",
    }
    assert [key for key, field in extra_fields.items() if field.get("secret")] == ["ssl_password"]


def test_get_hook_resolves_the_redis_hook(redis_conn: RedisServer) -> None:
    """``BaseHook.get_hook`` turns a ``redis`` connection into a working RedisHook."""
    hook = BaseHook.get_hook("redis_default")
    assert isinstance(hook, RedisHook)
    assert hook.get_conn().ping() is True
    hook.close()


def test_password_and_key_password_are_masked(redis_conn: RedisServer) -> None:
    """Once the hook read its connection, the password and ssl_password are redacted."""
    RedisHook().get_conn()
    assert redis_conn.password not in redact(f"logging in with {redis_conn.password}")
    conn = Connection(conn_id="r", conn_type="redis", extra={"ssl_password": "k3y-pw-19"})
    assert "ssl_password" in conn.secret_extra_keys()
    conn.mask_secrets()
    assert "k3y-pw-19" not in redact("unlocking the key with k3y-pw-19")
    assert "k3y-pw-19" not in repr(conn)
