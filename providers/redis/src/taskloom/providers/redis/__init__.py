"""Redis for taskloom, through redis-py.

Usage
-----

A ``redis`` connection (default id ``redis_default``) names the server: host, port,
schema (the database number), login (an ACL user, Redis 6+) and password, plus TLS
settings in its extra::

    export TASKLOOM_CONN_REDIS_DEFAULT='redis://:secret@cache.example.com:6379/0'

:class:`~taskloom.providers.redis.hooks.redis.RedisHook` gives tasks a ready
:class:`redis.Redis` client; the first ``get_conn()`` logs in and fails with an error naming
the connection when the login is wrong::

    from taskloom.providers.redis.hooks.redis import RedisHook

    client = RedisHook(redis_conn_id="redis_default").get_conn()
    client.set("reports:2024-01-01", "done")

Operators and sensors, all with a ``redis_conn_id`` argument:

- :class:`~taskloom.providers.redis.operators.redis_publish.RedisPublishOperator`
  publishes a templated ``message`` on a ``channel`` and returns the number of receivers;
- :class:`~taskloom.providers.redis.sensors.redis_key.RedisKeySensor` waits until a
  templated ``key`` exists;
- :class:`~taskloom.providers.redis.sensors.redis_pub_sub.RedisPubSubSensor` waits for a
  message on ``channels`` and pushes it to XCom (key ``message``, and as its return value).

``example_dags/`` holds two runnable DAGs.

Configuration
-------------

Extra fields: ``db`` (database number when the schema is empty), ``ssl`` (true/false),
``ssl_cert_reqs`` (``none``, ``optional``, ``required``: the default), ``ssl_ca_certs``,
``ssl_certfile``, ``ssl_keyfile`` (PEM files), ``ssl_password`` (secret: masked like the
password), ``ssl_check_hostname`` (default false), ``socket_timeout`` and
``socket_connect_timeout`` (seconds).  Unknown extra fields are refused, and every value is
checked before the first network round trip; see :func:`~taskloom.providers.redis.hooks.redis.client_options`.
The metadata (fields, defaults, secrets) is in ``provider.json``.

Environment variables
---------------------

``TASKLOOM_CONN_<CONN_ID>`` defines a connection as a URI or a JSON object (core's
lookup).  redis-py reads no environment variables of its own.

This module imports nothing: redis-py is loaded only when the hook, an operator or a
sensor is imported.
"""
