"""Failed logins slow an attacker down: after :data:`MAX_FAILURES` wrong passwords for one
user name from one address within :data:`WINDOW_SECONDS`, that pair may not try again
until the oldest failure leaves the window (Airflow's default limit is the same, 5 per 40 s).

Kept in the server process's memory: each ``--workers`` process counts on its own, and a
restart forgets; the Argon2id hash already makes each guess cost the server and the
attacker alike.
"""

from __future__ import annotations

import threading
import time
from collections import deque

#: Wrong passwords allowed for one (address, user name) within the window.
MAX_FAILURES = 5
#: The window, in seconds.
WINDOW_SECONDS = 40.0


class LoginThrottle:
    """Counts recent failed logins per ``(address, user name)``."""

    def __init__(self, max_failures: int = MAX_FAILURES, window: float = WINDOW_SECONDS) -> None:
        self.max_failures = max_failures
        self.window = window
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        found = self._failures.setdefault(key, deque())
        while found and now - found[0] >= self.window:
            found.popleft()
        return found

    def wait_seconds(self, address: str, username: str) -> float:
        """How long this pair must wait before trying again (0: it may try now)."""
        now = time.monotonic()
        with self._lock:
            recent = self._recent((address, username), now)
            if len(recent) < self.max_failures:
                return 0.0
            return self.window - (now - recent[0])

    def failed(self, address: str, username: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._recent((address, username), now).append(now)
            # Forget pairs whose failures all left the window, so memory stays bounded.
            for key in [
                k for k, v in self._failures.items() if not v or now - v[-1] >= self.window
            ]:
                del self._failures[key]

    def succeeded(self, address: str, username: str) -> None:
        with self._lock:
            self._failures.pop((address, username), None)
