"""The README's examples work when pasted: connection strings, the hook snippet, the DAG file."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis

from taskloom.models.connection import Connection
from taskloom_testing.readme import Readme
from taskloom_testing.redis import RedisServer
from taskloom_testing.redis import publish_until_received
from tests.conftest import DagsTest

README = Readme.of_tests(__file__)


def _connections() -> list[Connection]:
    values = [v for name, v in README.exports() if name == "TASKLOOM_CONN_REDIS_DEFAULT"]
    return [Connection.from_text(value, conn_id="redis_default") for value in values]


def test_connection_examples_parse() -> None:
    """The URI and JSON examples define the fields the README says they do."""
    plain, tls_uri, tls_json = _connections()
    assert (plain.host, plain.port, plain.schema, plain.password) == (
        "cache.example.com",
        6379,
        "0",
        "p@ss/word",
    )
    assert (tls_uri.login, tls_uri.password, tls_uri.port, tls_uri.schema) == (
        "etl",
        "p@ss/word",
        6380,
        "2",
    )
    # provider.json declares ssl boolean: the URI's text "true" arrives as True.
    assert tls_uri.extra_dejson == {"ssl": True, "ssl_ca_certs": "/etc/ssl/certs/redis-ca.pem"}
    assert (tls_json.login, tls_json.password) == ("etl", "p@ss/word")
    assert tls_json.extra_dejson["ssl"] is True
    assert tls_json.extra_dejson["db"] == 2
    assert tls_json.extra_dejson["socket_timeout"] == 30


def test_hook_example(
    redis_conn: RedisServer, admin: redis.Redis, capsys: pytest.CaptureFixture[str]
) -> None:
    """The RedisHook snippet runs against the server and prints what the comments say."""
    admin.delete("readme:greeting", "readme:queue")
    (snippet,) = [block for block in README.python_blocks if "RedisHook(redis_conn_id=" in block]
    README.run(snippet)
    assert capsys.readouterr().out.splitlines() == [
        "b'hello'",
        "b'a'",
        "(True, 'Connection successfully tested')",
    ]


def test_dag_example(
    redis_conn: RedisServer, admin: redis.Redis, dags_test: DagsTest, tmp_path: Path
) -> None:
    """The DAG file runs: export, key sensor, announcement, and the pub/sub branch."""
    (source,) = [block for block in README.python_blocks if "with DAG(" in block]
    dag_file = tmp_path / "readme_redis.py"
    dag_file.write_text(source)
    outcome = dags_test(
        dag_file, "readme_redis", while_running=publish_until_received(admin, "commands", "reindex")
    )
    assert outcome.returncode == 0, outcome.output
    assert outcome.xcom("announce") in (0, 1)
    assert outcome.xcom("wait_for_command")["data"] == "reindex"
    assert redis_conn.password not in outcome.logs()
