"""One ``DeclarativeStream``: its schema, and reading it page by page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from typing import NamedTuple

import requests

from taskloom.declarative import auth
from taskloom.declarative import pagination
from taskloom.declarative.cursor import DatetimeCursor
from taskloom.declarative.error_handling import ErrorHandler
from taskloom.declarative.errors import ManifestError
from taskloom.declarative.interpolation import Interpolator
from taskloom.declarative.partitions import Partitions
from taskloom.declarative.records import RecordSelector
from taskloom.declarative.requester import ConnectBudget
from taskloom.declarative.requester import Requester


class Page(NamedTuple):
    """The records of one response, in the API's order."""

    #: 1-based number of the page within the read.
    number: int
    records: list[dict[str, Any]]


def primary_key(spec: Mapping[str, Any]) -> list[list[str]]:
    """The stream's primary key as a list of field paths (``"id"`` -> ``[["id"]]``)."""
    key = spec.get("primary_key")
    if not key:
        return []
    if isinstance(key, str):
        return [[key]]
    return [[k] if isinstance(k, str) else list(k) for k in key]


class Stream:
    """A stream of a loaded manifest, bound to a config and an HTTP session."""

    def __init__(
        self,
        spec: Mapping[str, Any],
        config: Mapping[str, Any],
        session: requests.Session,
        interpolator: Interpolator,
        manifest_dir: Path | None,
        *,
        sleep: Any = None,
        connect_budget: ConnectBudget | None = None,
    ) -> None:
        self.spec = spec
        self.name: str = spec.get("name") or ""
        self.config = config
        self.session = session
        self.interpolator = interpolator
        self.manifest_dir = manifest_dir
        self.sleep = sleep
        #: Set by ``check``: an unreachable host fails fast (see :class:`ConnectBudget`).
        self.connect_budget = connect_budget
        self.primary_key = primary_key(spec)
        self.cursor_spec = spec.get("incremental_sync")
        self.requester: Requester | None = None

    @property
    def cursor_field(self) -> str | None:
        if not self.cursor_spec:
            return None
        return str(self.interpolator.eval(self.cursor_spec["cursor_field"], self._context()))

    def _context(self, **more: Any) -> dict[str, Any]:
        params = self.spec.get("$parameters") or {}
        return {"config": self.config, "parameters": params, **more}

    def json_schema(self) -> dict[str, Any]:
        """The stream's JSON schema (inline, or from the provider's ``schemas/<name>.json``)."""
        loader = self.spec.get("schema_loader")
        if loader is None or loader["type"] == "JsonFileSchemaLoader":
            path = loader.get("file_path") if loader else None
            candidates: list[Path] = []
            if self.manifest_dir is not None:
                if path:
                    rendered = self.interpolator.eval_str(path, self._context()) or ""
                    candidates.append(self.manifest_dir / rendered)
                    candidates.append(self.manifest_dir / "schemas" / Path(rendered).name)
                candidates.append(self.manifest_dir / "schemas" / f"{self.name}.json")
            for candidate in candidates:
                if candidate.is_file():
                    return dict(json.loads(candidate.read_text(encoding="utf-8")))
            if loader is None:
                return {"type": "object", "additionalProperties": True, "properties": {}}
            raise ManifestError(
                self.name,
                [
                    f"stream {self.name!r}: schema file not found (looked for {', '.join(map(str, candidates))})"
                ],
            )
        return dict(loader.get("schema") or {"type": "object", "properties": {}})

    def _requester(self, retriever: Mapping[str, Any], context: Mapping[str, Any]) -> Requester:
        spec = retriever["requester"]
        return self._make_requester(spec, context)

    def _make_requester(self, spec: Mapping[str, Any], context: Mapping[str, Any]) -> Requester:
        interp = self.interpolator
        handler = ErrorHandler(spec.get("error_handler"), interp, context)
        authenticator = self._authenticator(spec.get("authenticator"), context)
        extra = {"sleep": self.sleep} if self.sleep is not None else {}
        return Requester(
            spec,
            interp,
            self.session,
            authenticator,
            handler,
            stream=self.name,
            connect_budget=self.connect_budget,
            **extra,
        )

    def _authenticator(
        self, spec: Mapping[str, Any] | None, context: Mapping[str, Any]
    ) -> auth.Authenticator:
        if not spec or spec["type"] == "NoAuth":
            return auth.Authenticator()
        kind = spec["type"]
        interp = self.interpolator
        if kind == "SelectiveAuthenticator":
            return self._authenticator(auth.select(spec, context["config"]), context)
        if kind == "BearerAuthenticator":
            return auth.BearerAuthenticator(spec, interp)
        if kind == "BasicHttpAuthenticator":
            return auth.BasicHttpAuthenticator(spec, interp)
        if kind == "ApiKeyAuthenticator":
            return auth.ApiKeyAuthenticator(spec, interp)
        if kind == "OAuthAuthenticator":
            return auth.OAuthAuthenticator(spec, interp, self.session, context)
        login_requester = self._make_requester(spec["login_requester"], context)

        def login() -> Any:
            parts = login_requester.base_parts(context)
            return login_requester.send(parts, context)

        return auth.SessionTokenAuthenticator(spec, interp, login, context)

    def read(
        self, state: Mapping[str, Any] | None = None, *, max_pages: int | None = None
    ) -> Reader:
        """A reader of this stream from ``state``; iterate it for pages, then ask its :attr:`Reader.state`."""
        return Reader(self, state, max_pages)


class Reader:
    """One read of a stream: iterate for :class:`Page`s; :attr:`state` is valid once it is exhausted."""

    def __init__(
        self, stream: Stream, state: Mapping[str, Any] | None, max_pages: int | None
    ) -> None:
        self.stream = stream
        self.previous = dict(state or {})
        self.max_pages = max_pages
        self.pages_read = 0
        self.records_read = 0
        self.state: dict[str, Any] = dict(self.previous)
        self.finished = False

    def __iter__(self) -> Iterator[Page]:
        stream = self.stream
        interp = stream.interpolator
        base = stream._context()
        retriever = stream.spec["retriever"]
        requester = stream._requester(retriever, base)
        stream.requester = requester
        paginator = pagination.build(retriever.get("paginator"), interp, base)
        selector = RecordSelector(
            retriever["record_selector"],
            list(stream.spec.get("transformations") or ()),
            interp,
            base,
        )
        cursor = DatetimeCursor(stream.cursor_spec, interp, base) if stream.cursor_spec else None
        partitions = Partitions(retriever.get("partition_router"), interp, base, self._read_parent)
        for partition in partitions:
            intervals = cursor.slices(self.previous) if cursor else iter([{}])
            for interval in intervals:
                stream_slice = {**partition, **interval}
                token = paginator.first_token(base)
                while True:
                    context = {
                        **base,
                        "stream_partition": partition,
                        "stream_interval": interval,
                        "stream_slice": stream_slice,
                        "stream_state": self.previous,
                        "next_page_token": None
                        if token is pagination.FIRST
                        else {"next_page_token": token},
                    }
                    parts = requester.base_parts(context)
                    partitions.inject(parts, partition, context)
                    if cursor is not None:
                        cursor.inject(parts, interval, context)
                    paginator.inject(parts, token, context)
                    response = requester.send(parts, context)
                    if response is None:
                        break
                    records = selector.select(response, context)
                    token = paginator.next_token(response, records, token, context)
                    if cursor is not None:
                        records = cursor.observe(records)
                    self.pages_read += 1
                    self.records_read += len(records)
                    yield Page(self.pages_read, records)
                    if token is None or (
                        self.max_pages is not None and self.pages_read >= self.max_pages
                    ):
                        break
                if self.max_pages is not None and self.pages_read >= self.max_pages:
                    break
        if cursor is not None:
            self.state = cursor.state(self.previous)
        self.finished = True

    def _read_parent(self, spec: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        parent = Stream(
            spec,
            self.stream.config,
            self.stream.session,
            self.stream.interpolator,
            self.stream.manifest_dir,
            sleep=self.stream.sleep,
        )
        for page in parent.read(None):
            yield from page.records
