"""``HttpOperator``: call an HTTP endpoint as a task and push the response as XCom.

::

    HttpOperator(
        task_id="create_report",
        http_conn_id="reports_api",
        endpoint="reports/{{ ds }}",
        method="POST",
        json={"format": "csv"},
        response_check=lambda response: response.json()["status"] == "queued",
        response_filter=lambda response: response.json()["id"],
    )

(The 1.x name ``SimpleHttpOperator`` is provided by ``taskloom-compat``.)
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

import requests
from requests.auth import AuthBase

from taskloom.exceptions import TaskloomError
from taskloom.hooks.http import HttpHook
from taskloom.models.baseoperator import BaseOperator
from taskloom.models.baseoperator import Context
from taskloom.utils.secrets_masker import redact

__all__ = ["HttpOperator"]

#: What a pagination function returns: the arguments of the next request, or ``None`` to stop.
NextPage = Mapping[str, Any] | None

_PAGE_KEYS = frozenset({"endpoint", "data", "headers", "extra_options", "json", "params"})


class HttpOperator(BaseOperator):
    """Send one request (or one per page) through :class:`~taskloom.hooks.http.HttpHook`.

    :param endpoint: path joined to the connection's base URL (templated).
    :param method: the HTTP method (default ``POST``, as in Airflow).
    :param data: query parameters for GET/HEAD, else the body (templated).
    :param json: a JSON body (templated).
    :param headers: extra headers (templated).
    :param response_check: ``f(response) -> bool``; false fails the task.
    :param response_filter: ``f(response)`` returning the XCom value (default: the body text).
    :param pagination_function: ``f(response)`` returning the next request's arguments
        (``endpoint``, ``data``, ``json``, ``headers``, ``params``, ``extra_options``,
        merged over the first request's) or ``None`` when there are no more pages; the
        check and the filter then receive the list of responses.
    :param extra_options: see :meth:`HttpHook.run` (``stream``, ``timeout``, ``verify``...).
    :param log_response: log the response body (masked).
    :param http_conn_id: the connection (default ``http_default``).
    :param auth_type: an ``AuthBase`` class overriding the connection's auth.
    :param retry: transport retries, see :class:`HttpHook`.
    """

    template_fields: Sequence[str] = ("endpoint", "data", "json", "headers")
    template_fields_renderers = {"headers": "json", "data": "py", "json": "json"}
    ui_color = "#f4a460"

    def __init__(
        self,
        *,
        endpoint: str | None = None,
        method: str = "POST",
        data: Any = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        response_check: Callable[[Any], bool] | None = None,
        response_filter: Callable[[Any], Any] | None = None,
        pagination_function: Callable[[requests.Response], NextPage] | None = None,
        extra_options: Mapping[str, Any] | None = None,
        log_response: bool = False,
        http_conn_id: str = HttpHook.default_conn_name,
        auth_type: type[AuthBase] | None = None,
        retry: Any = None,
        tcp_keep_alive: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.endpoint = endpoint
        self.method = method
        self.data = data
        self.json = json
        self.headers = dict(headers or {})
        self.response_check = response_check
        self.response_filter = response_filter
        self.pagination_function = pagination_function
        self.extra_options = dict(extra_options or {})
        self.log_response = log_response
        self.http_conn_id = http_conn_id
        self.auth_type = auth_type
        self.retry = retry
        self.tcp_keep_alive = tcp_keep_alive

    def get_hook(self) -> HttpHook:
        """The hook this task sends its requests with."""
        return HttpHook(
            method=self.method,
            http_conn_id=self.http_conn_id,
            auth_type=self.auth_type,
            retry=self.retry,
            tcp_keep_alive=self.tcp_keep_alive,
        )

    def execute(self, context: Context) -> Any:
        """Send the request(s), check and filter the response(s)."""
        hook = self.get_hook()
        request: dict[str, Any] = {
            "endpoint": self.endpoint,
            "data": self.data,
            "headers": self.headers,
            "extra_options": self.extra_options,
        }
        if self.json is not None:
            request["json"] = self.json
        response = hook.run(**request)
        if self.pagination_function is None:
            return self.process_response(context, response)
        responses = [response]
        while (next_page := self.pagination_function(response)) is not None:
            unknown = set(next_page) - _PAGE_KEYS
            if unknown:
                raise ValueError(
                    f"task {self.task_id!r}: pagination_function returned unknown keys "
                    f"{', '.join(sorted(unknown))}; allowed: {', '.join(sorted(_PAGE_KEYS))}"
                )
            request = {**request, **next_page}
            response = hook.run(**request)
            responses.append(response)
        return self.process_response(context, responses)

    def process_response(
        self, context: Context, response: requests.Response | list[requests.Response]
    ) -> Any:
        """Log, check and filter the response (or the list of pages)."""
        responses = response if isinstance(response, list) else [response]
        if self.log_response:
            log = self.task_log(context)
            for item in responses:
                log.info("response %s: %s", item.status_code, redact(item.text))
        if self.response_check is not None and not self.response_check(response):
            raise TaskloomError(
                f"task {self.task_id!r}: response_check returned false for the response of "
                f"{self.method} {self.endpoint or '/'} (HTTP {responses[-1].status_code})"
            )
        if self.response_filter is not None:
            return self.response_filter(response)
        if isinstance(response, list):
            return [item.text for item in response]
        return response.text
