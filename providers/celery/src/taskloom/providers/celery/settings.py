"""The ``[celery]`` settings (``TASKLOOM__CELERY__<KEY>`` or ``taskloom.toml``), read once per process."""

from __future__ import annotations

import os
from dataclasses import dataclass

from taskloom import configuration
from taskloom.exceptions import ConfigurationError

#: Where the broker is when ``[celery] broker_url`` is not set: a local Redis.
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/0"


def redacted(url: str) -> str:
    """``url`` with its password replaced by ``***``, for messages and ``celery status``."""
    from kombu.utils.url import maybe_sanitize_url

    return str(maybe_sanitize_url(url, mask="***"))


def _seconds(key: str, fallback: float) -> float:
    value = configuration.get("celery", key, fallback)
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if seconds <= 0:
        raise ConfigurationError(
            f"setting [celery] {key} must be a positive number of seconds, got {value!r}; "
            f"fix TASKLOOM__CELERY__{key.upper()} or taskloom.toml"
        )
    return seconds


@dataclass(frozen=True, slots=True)
class CelerySettings:
    """What the executor and the workers need to find each other."""

    #: ``redis://``, ``rediss://`` or ``amqp://`` URL of the broker.
    broker_url: str
    #: Where workers store each workload's outcome; default: the broker when it is Redis.
    result_backend: str
    #: Task processes of one ``taskloom celery worker`` (``--concurrency`` overrides it).
    worker_concurrency: int
    #: The queue of tasks whose operator and provider name none.
    default_queue: str
    #: Seconds before a message a worker took but did not acknowledge (the worker died
    #: before starting it) is delivered again (Redis broker).
    visibility_timeout: float
    #: Seconds a task may wait in its queue for a worker; then its try fails, naming the queue.
    queued_timeout: float

    @classmethod
    def from_config(cls) -> CelerySettings:
        """Read the settings; a bad value raises :class:`ConfigurationError` naming it."""
        broker = str(configuration.get("celery", "broker_url", DEFAULT_BROKER_URL))
        if not broker.startswith(("redis://", "rediss://", "amqp://", "amqps://", "pyamqp://")):
            raise ConfigurationError(
                f"setting [celery] broker_url must be a redis://, rediss:// or amqp:// URL, got "
                f"{redacted(broker)!r}; fix TASKLOOM__CELERY__BROKER_URL or taskloom.toml"
            )
        backend_default = broker if broker.startswith("redis") else DEFAULT_BROKER_URL
        concurrency = configuration.get_int("celery", "worker_concurrency", os.cpu_count() or 1)
        if concurrency < 1:
            raise ConfigurationError(
                f"setting [celery] worker_concurrency must be at least 1, got {concurrency}; "
                "fix TASKLOOM__CELERY__WORKER_CONCURRENCY or taskloom.toml"
            )
        return cls(
            broker_url=broker,
            result_backend=str(configuration.get("celery", "result_backend", backend_default)),
            worker_concurrency=concurrency,
            default_queue=str(configuration.get("celery", "default_queue", "default")),
            visibility_timeout=_seconds("visibility_timeout", 3600.0),
            queued_timeout=_seconds("queued_timeout", 600.0),
        )
