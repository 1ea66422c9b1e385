"""Paginators: ``DefaultPaginator`` with page-increment, offset-increment or cursor strategies; ``NoPagination``.

A paginator says what the first request carries and, from each response, whether there
is a next page and what token leads to it.  The token goes where ``page_token_option``
says: a query parameter, a header, the body, or the whole URL (``RequestPath``, as with
``Link: <...>; rel="next"`` headers).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from taskloom.declarative.error_handling import response_body
from taskloom.declarative.interpolation import Interpolator
from taskloom.declarative.request_options import RequestParts
from taskloom.declarative.request_options import option

#: Marks "no page token yet": the first request.
FIRST: Any = object()


def response_headers(response: requests.Response) -> Mapping[str, Any]:
    """The response's headers for templates, with ``link`` parsed (``headers.link.next.url``)."""
    headers: requests.structures.CaseInsensitiveDict[Any] = requests.structures.CaseInsensitiveDict(
        response.headers
    )
    headers["link"] = response.links
    return headers


class Paginator:
    """``NoPagination``: one request, one page."""

    def first_token(self, context: Mapping[str, Any]) -> Any:
        return FIRST

    def inject(self, parts: RequestParts, token: Any, context: Mapping[str, Any]) -> None:
        """Add the page size and the token to a request."""

    def next_token(
        self,
        response: requests.Response,
        records: list[Any],
        token: Any,
        context: Mapping[str, Any],
    ) -> Any:
        """The token of the next page, or ``None`` when this was the last one."""
        return None


class DefaultPaginator(Paginator):
    """``DefaultPaginator{pagination_strategy, page_size_option, page_token_option}``."""

    def __init__(
        self, spec: Mapping[str, Any], interpolator: Interpolator, context: Mapping[str, Any]
    ) -> None:
        self.interpolator = interpolator
        strategy = spec["pagination_strategy"]
        self.kind: str = strategy["type"]
        self.strategy = strategy
        size = interpolator.eval(strategy.get("page_size"), context)
        self.page_size: int | None = int(size) if size not in (None, "") else None
        self.size_option = option(spec.get("page_size_option"), interpolator)
        token_spec = spec.get("page_token_option")
        self.request_path = token_spec is not None and token_spec["type"] == "RequestPath"
        self.token_option = None if self.request_path else option(token_spec, interpolator)
        self.start_page = int(strategy.get("start_from_page", 0))
        self.inject_first = bool(strategy.get("inject_on_first_request", False))

    def first_token(self, context: Mapping[str, Any]) -> Any:
        if self.inject_first:
            return self.start_page if self.kind == "PageIncrement" else 0
        return FIRST

    def inject(self, parts: RequestParts, token: Any, context: Mapping[str, Any]) -> None:
        if self.size_option is not None and self.page_size is not None:
            self.size_option.inject(parts, self.page_size, context)
        if token is FIRST or token is None:
            return
        if self.request_path:
            parts.url = str(token)
        elif self.token_option is not None:
            self.token_option.inject(parts, token, context)

    def next_token(
        self,
        response: requests.Response,
        records: list[Any],
        token: Any,
        context: Mapping[str, Any],
    ) -> Any:
        count = len(records)
        if self.kind == "PageIncrement":
            if (self.page_size is not None and count < self.page_size) or count == 0:
                return None
            return (self.start_page if token is FIRST else token) + 1
        if self.kind == "OffsetIncrement":
            if (self.page_size is not None and count < self.page_size) or count == 0:
                return None
            return (0 if token is FIRST else token) + count
        # CursorPagination
        ctx = {
            **context,
            "response": response_body(response),
            "headers": response_headers(response),
            "last_record": records[-1] if records else None,
            "last_page_size": count,
            "last_page_token_value": None if token is FIRST else token,
        }
        stop = self.strategy.get("stop_condition")
        if stop and self.interpolator.eval_bool(stop, ctx):
            return None
        value = self.interpolator.eval(self.strategy["cursor_value"], ctx)
        if value in (None, "", {}, []):
            return None
        return value


def build(
    spec: Mapping[str, Any] | None, interpolator: Interpolator, context: Mapping[str, Any]
) -> Paginator:
    """The paginator a retriever's ``paginator`` field describes (none: ``NoPagination``)."""
    if not spec or spec["type"] == "NoPagination":
        return Paginator()
    return DefaultPaginator(spec, interpolator, context)
