"""kombu's Redis transport, with a worker that survives the broker restarting.

When the broker goes away, Celery's worker closes its connection and kombu gives back the
messages the worker had taken but not started (``restore_unacked``). If the connection
was already torn down, kombu 5.5 to 5.7 raise ``AttributeError`` there (the channel builds
a new connection pool from a transport whose client is gone); Celery's worker treats it as
an unrecoverable error and can hang in its shutdown. Seen here in one broker restart of
three under load (``tests/test_faults.py``).

The messages need no giving back then: kombu's Redis transport keeps every message a
worker has taken in its ``unacked`` index until it is acknowledged, and a worker puts
those back in their queue after ``visibility_timeout`` (``restore_visible``). So when the
connection is gone, this transport leaves them there and the worker reconnects as it does
on any other broker error.

Used for ``redis://`` brokers (:func:`taskloom.providers.celery.app.create_app`).
"""

from __future__ import annotations

import logging
from typing import Any

from kombu.transport import redis

log = logging.getLogger(__name__)

#: The ``broker_transport`` setting that selects this transport.
TRANSPORT = f"{__name__}:Transport"


class QoS(redis.QoS):
    """kombu's Redis QoS; see the module docstring."""

    def restore_unacked(self, client: Any = None) -> None:
        """Give back what was taken and not started, unless the connection is gone."""
        if client is None and self.channel.connection.client is None:
            log.warning(
                "the broker connection is gone: %d message(s) taken and not started go "
                "back to their queue after visibility_timeout",
                len(self._delivered),
            )
            self._delivered.clear()
            return
        super().restore_unacked(client)  # type: ignore[no-untyped-call]  # kombu leaves it untyped


class Channel(redis.Channel):
    """kombu's Redis channel with :class:`QoS`."""

    QoS = QoS


class Transport(redis.Transport):
    """kombu's Redis transport with :class:`Channel`."""

    Channel = Channel
