"""``HttpSensor``: wait until an HTTP endpoint answers (and, optionally, says "ready").

::

    HttpSensor(
        task_id="wait_for_export",
        http_conn_id="reports_api",
        endpoint="exports/{{ ds }}",
        response_check=lambda response: response.json()["state"] == "done",
        poke_interval=30,
        mode="reschedule",
    )

A 404 answer means "not yet" (configurable with ``response_error_codes_allowlist``);
any other error status fails the poke, so a wrong URL or credentials fail fast instead
of waiting out the timeout.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from taskloom.exceptions import HttpError
from taskloom.hooks.http import HttpHook
from taskloom.models.baseoperator import Context
from taskloom.sensors.base import BaseSensorOperator
from taskloom.sensors.base import PokeReturnValue

__all__ = ["HttpSensor"]


class HttpSensor(BaseSensorOperator):
    """Poke an endpoint until it answers with a success status (and ``response_check`` agrees).

    :param endpoint: path joined to the connection's base URL (templated).
    :param http_conn_id: the connection (default ``http_default``).
    :param method: the HTTP method (default ``GET``).
    :param request_params: query parameters (GET) or body (templated).
    :param headers: extra headers (templated).
    :param response_check: ``f(response)`` returning a bool or a
        :class:`~taskloom.sensors.base.PokeReturnValue`; default: any success status.
    :param response_error_codes_allowlist: statuses meaning "not yet" (default 404).
    :param extra_options: see :meth:`HttpHook.run`.
    :param retry: transport retries within one poke, see :class:`HttpHook`.
    """

    template_fields: Sequence[str] = ("endpoint", "request_params", "headers")

    def __init__(
        self,
        *,
        endpoint: str,
        http_conn_id: str = HttpHook.default_conn_name,
        method: str = "GET",
        request_params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        response_check: Callable[[Any], bool | PokeReturnValue] | None = None,
        response_error_codes_allowlist: Iterable[int] = (404,),
        extra_options: Mapping[str, Any] | None = None,
        retry: Any = None,
        tcp_keep_alive: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.endpoint = endpoint
        self.http_conn_id = http_conn_id
        self.method = method
        self.request_params = dict(request_params or {})
        self.headers = dict(headers or {})
        self.response_check = response_check
        self.response_error_codes_allowlist = frozenset(
            int(code) for code in response_error_codes_allowlist
        )
        self.extra_options = dict(extra_options or {})
        self.retry = retry
        self.tcp_keep_alive = tcp_keep_alive

    def poke(self, context: Context) -> bool | PokeReturnValue:
        """Send one request; ``False`` for an allow-listed error status, else the check's answer."""
        hook = HttpHook(
            method=self.method,
            http_conn_id=self.http_conn_id,
            retry=self.retry,
            tcp_keep_alive=self.tcp_keep_alive,
        )
        self.task_log(context).info("poking %s %s", self.method, self.endpoint)
        try:
            response = hook.run(
                self.endpoint,
                data=self.request_params,
                headers=self.headers,
                extra_options=self.extra_options,
            )
        except HttpError as exc:
            if exc.status_code in self.response_error_codes_allowlist:
                self.task_log(context).info("HTTP %s: not ready yet", exc.status_code)
                return False
            raise
        if self.response_check is None:
            return True
        result = self.response_check(response)
        return result if isinstance(result, PokeReturnValue) else bool(result)
