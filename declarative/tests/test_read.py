"""Reading streams from a real local HTTP server: paging, auth, retries, cut connections, state."""

from __future__ import annotations

import json
import socket
import time
from typing import Any

import pytest

from taskloom.declarative import source
from taskloom.declarative.errors import ConfigError
from taskloom.declarative.errors import ReadError
from taskloom_testing.fake_api import FakeAPI
from taskloom_testing.fake_api import Reply
from taskloom_testing.fake_api import Request

TOTAL = 3000
PAGE = 100
TOKEN = "s3cret-token-value"
ITEMS = [
    {"id": i, "name": f"item {i}", "updated_at": f"2024-01-{1 + i % 28:02d}T00:00:00Z"}
    for i in range(1, TOTAL + 1)
]

MANIFEST = """\
version: 6.5.0
type: DeclarativeSource
check: {{type: CheckStream, stream_names: [items]}}
definitions:
  requester:
    type: HttpRequester
    url_base: "{{{{ config['base_url'] }}}}"
    path: /items
    authenticator: {auth}
    error_handler:
      type: DefaultErrorHandler
      max_retries: 4
      backoff_strategies:
        - {{type: WaitTimeFromHeader, header: Retry-After}}
        - {{type: ConstantBackoffStrategy, backoff_time_in_seconds: 0.01}}
streams:
  - type: DeclarativeStream
    name: items
    primary_key: id
    retriever:
      type: SimpleRetriever
      requester: {{$ref: "#/definitions/requester"}}
      record_selector:
        type: RecordSelector
        extractor: {{type: DpathExtractor, field_path: [data]}}
      paginator: {paginator}
    schema_loader:
      type: InlineSchemaLoader
      schema: {{type: object, properties: {{id: {{type: integer}}, name: {{type: string}}}}}}
spec:
  type: Spec
  connection_specification:
    type: object
    required: [base_url, token]
    properties:
      base_url: {{type: string}}
      token: {{type: string, airbyte_secret: true}}
"""

BEARER = "{type: BearerAuthenticator, api_token: \"{{ config['token'] }}\"}"
PAGINATORS = {
    "page": (
        "{type: DefaultPaginator, pagination_strategy: {type: PageIncrement, page_size: 100, start_from_page: 1},"
        " page_token_option: {type: RequestOption, inject_into: request_parameter, field_name: page},"
        " page_size_option: {type: RequestOption, inject_into: request_parameter, field_name: per_page}}"
    ),
    "offset": (
        "{type: DefaultPaginator, pagination_strategy: {type: OffsetIncrement, page_size: 100},"
        " page_token_option: {type: RequestOption, inject_into: request_parameter, field_name: offset},"
        " page_size_option: {type: RequestOption, inject_into: request_parameter, field_name: limit}}"
    ),
    "cursor_header": (
        "{type: DefaultPaginator, pagination_strategy: {type: CursorPagination,"
        ' cursor_value: "{{ response.next_cursor }}", stop_condition: "{{ not response.has_more }}"},'
        " page_token_option: {type: RequestOption, inject_into: header, field_name: X-Cursor}}"
    ),
    "link": (
        "{type: DefaultPaginator, pagination_strategy: {type: CursorPagination,"
        " cursor_value: \"{{ headers['link']['next']['url'] }}\", stop_condition: \"{{ 'next' not in headers['link'] }}\"},"
        " page_token_option: {type: RequestPath},"
        " page_size_option: {type: RequestOption, inject_into: request_parameter, field_name: per_page}}"
    ),
}


def serve_items(api: FakeAPI) -> None:
    """Serve ITEMS at /items, paged by whichever style the request uses; require the bearer token."""

    def handler(req: Request) -> Reply:
        if req.headers.get("Authorization") != f"Bearer {TOKEN}":
            return Reply.json({"message": "Bad credentials"}, 401)
        size = int(req.arg("per_page") or req.arg("limit") or PAGE)
        if req.arg("page"):
            start = (int(req.arg("page") or 1) - 1) * size
        elif req.arg("offset"):
            start = int(req.arg("offset") or 0)
        elif req.headers.get("X-Cursor"):
            start = int(req.headers["X-Cursor"])
        else:
            start = int(req.arg("after") or 0)
        chunk = ITEMS[start : start + size]
        end = start + len(chunk)
        headers = {}
        if end < TOTAL:
            headers["Link"] = (
                f'<{api.url}/items?after={end}&per_page={size}>; rel="next", <{api.url}/items?after=0>; rel="first"'
            )
        return Reply.json(
            {"data": chunk, "has_more": end < TOTAL, "next_cursor": str(end)}, headers=headers
        )

    api.route("/items", handler)


def make(paginator: str = "page", auth: str = BEARER) -> source.DeclarativeSource:
    return source.loads(MANIFEST.format(auth=auth, paginator=PAGINATORS[paginator]), "items.yaml")


def read_all(loaded: source.DeclarativeSource, api: FakeAPI, **config: Any) -> list[dict[str, Any]]:
    return list(loaded.records("items", {"base_url": api.url, "token": TOKEN, **config}))


@pytest.mark.parametrize("paginator", sorted(PAGINATORS))
def test_every_record_exactly_once_in_order(fake_api: FakeAPI, paginator: str) -> None:
    """3,000 records over 30 pages arrive once each, in order, with the auth header on every request."""
    serve_items(fake_api)
    records = read_all(make(paginator), fake_api)
    assert [r["id"] for r in records] == list(range(1, TOTAL + 1))
    assert len(fake_api.requests) == TOTAL // PAGE + (1 if paginator in ("page", "offset") else 0)
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r in fake_api.requests)


def test_link_pagination_does_not_repeat_query_parameters(fake_api: FakeAPI) -> None:
    """A next URL keeps its own query; parameters it already has are not sent twice."""
    serve_items(fake_api)
    read_all(make("link"), fake_api)
    assert all(len(v) == 1 for r in fake_api.requests for v in r.query.values())


def test_429_500_and_cut_connections_are_retried_without_loss_or_duplicates(
    fake_api: FakeAPI,
) -> None:
    """Faults at chosen requests: every record still arrives exactly once, in order."""
    serve_items(fake_api)
    fake_api.fault("/items", at=3, status=429, headers={"Retry-After": "0"})
    fake_api.fault("/items", at=7, status=500)
    fake_api.fault("/items", at=8, status=503)
    fake_api.fault("/items", at=12, cut=True)
    fake_api.fault("/items", at=20, cut=True)
    records = read_all(make("page"), fake_api)
    assert [r["id"] for r in records] == list(range(1, TOTAL + 1))
    assert len(fake_api.requests) == TOTAL // PAGE + 1 + 5


def test_retry_after_is_honoured(fake_api: FakeAPI) -> None:
    """The wait comes from Retry-After when the API sends one."""
    serve_items(fake_api)
    fake_api.fault("/items", at=1, status=429, headers={"Retry-After": "1"})
    waits: list[float] = []
    loaded = make("page")
    stream = loaded.stream(
        "items",
        loaded.prepare_config({"base_url": fake_api.url, "token": TOKEN}),
        sleep=waits.append,
    )
    assert sum(len(p.records) for p in stream.read()) == TOTAL
    assert waits == [1.0]


def test_retries_run_out_with_a_clear_error_and_no_secret(fake_api: FakeAPI) -> None:
    """A server that keeps failing ends the read with an error naming the retries; the token is masked."""
    serve_items(fake_api)
    for n in range(1, 10):
        fake_api.fault("/items", at=n, status=500)
    with pytest.raises(ReadError, match="still failing after 4 retries") as info:
        read_all(make("page"), fake_api)
    assert TOKEN not in str(info.value)


def test_bad_credentials_fail_at_once(fake_api: FakeAPI) -> None:
    """A 401 is not retried; check() reports it."""
    serve_items(fake_api)
    ok, message = make("page").check({"base_url": fake_api.url, "token": "wrong-token-123"})
    assert not ok
    assert "HTTP 401" in message
    assert "Bad credentials" in message
    assert len(fake_api.requests) == 1


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


SLOW_BACKOFF = "ConstantBackoffStrategy, backoff_time_in_seconds: 0.01}"


def slow_backoff() -> source.DeclarativeSource:
    """The test manifest with a production-like error handler: 10 retries, 60 s apart."""
    text = MANIFEST.format(auth=BEARER, paginator=PAGINATORS["page"])
    text = text.replace("max_retries: 4", "max_retries: 10").replace(
        SLOW_BACKOFF, "ConstantBackoffStrategy, backoff_time_in_seconds: 60}"
    )
    return source.loads(text, "items.yaml")


@pytest.mark.parametrize(
    ("host", "cause"),
    [
        ("127.0.0.1:{port}", "connection refused"),
        ("taskloom-check.invalid", "the host name does not resolve (DNS)"),
    ],
)
def test_check_of_an_unreachable_host_fails_within_seconds(host: str, cause: str) -> None:
    """Not after the manifest's backoff (10 retries x 60 s): a few quick tries, then one line."""
    address = host.format(port=closed_port())
    started = time.monotonic()
    ok, message = slow_backoff().check({"base_url": f"http://{address}", "token": TOKEN})
    elapsed = time.monotonic() - started
    assert not ok
    expected_host = address if ":" in address else f"{address}:80"
    assert message == (
        f"stream 'items': cannot connect to {expected_host}: {cause} (3 attempts); "
        "check the connection's host and port and that this machine can reach it"
    )
    assert elapsed < 10, elapsed
    assert TOKEN not in message


def test_a_read_of_an_unreachable_host_follows_the_manifest_error_handler() -> None:
    """Reads keep the manifest's retries and backoff: only check has a budget."""
    waits: list[float] = []
    loaded = slow_backoff()
    config = loaded.prepare_config(
        {"base_url": f"http://127.0.0.1:{closed_port()}", "token": TOKEN}
    )
    stream = loaded.stream("items", config, sleep=waits.append)
    with pytest.raises(ReadError, match="still failing after 10 retries"):
        list(stream.read())
    assert waits == [60.0] * 10


def test_config_is_validated_against_the_spec_without_leaking_secrets(fake_api: FakeAPI) -> None:
    """A missing field is named; a secret never appears in the error."""
    with pytest.raises(ConfigError, match="'base_url' is a required property"):
        make().prepare_config({"token": TOKEN})
    with pytest.raises(ConfigError) as info:
        make().prepare_config({"base_url": 5, "token": TOKEN})
    assert TOKEN not in str(info.value)


def test_api_key_in_query_and_basic_auth(fake_api: FakeAPI) -> None:
    """API key injected as a query parameter; basic auth as a header."""
    seen: list[Request] = []

    def handler(req: Request) -> Reply:
        seen.append(req)
        return Reply.json({"data": [{"id": 1}]})

    fake_api.route("/items", handler)
    key = '{type: ApiKeyAuthenticator, api_token: "{{ config.token }}", inject_into: {type: RequestOption, inject_into: request_parameter, field_name: api_key}}'
    assert [r["id"] for r in read_all(make("page", key), fake_api)] == [1]
    assert seen[-1].arg("api_key") == TOKEN
    basic = '{type: BasicHttpAuthenticator, username: me, password: "{{ config.token }}"}'
    read_all(make("page", basic), fake_api)
    assert seen[-1].headers["Authorization"].startswith("Basic ")


@pytest.mark.parametrize("grant", ["refresh_token", "client_credentials"])
def test_oauth_fetches_a_token_and_refreshes_after_401(fake_api: FakeAPI, grant: str) -> None:
    """OAuth 2 against a real token endpoint: the token is used, and a 401 refreshes it."""
    issued: list[str] = []

    def token(req: Request) -> Reply:
        form = req.form()
        assert form["grant_type"] == grant
        assert form["client_secret"] == "client-secret-xyz"
        issued.append(f"access-{len(issued)}-abcdef")
        return Reply.json({"access_token": issued[-1], "expires_in": 3600})

    def items(req: Request) -> Reply:
        if req.headers.get("Authorization") != f"Bearer {issued[-1]}" or len(issued) == 1:
            return Reply.json({"message": "expired"}, 401)
        return Reply.json({"data": [{"id": 7}]})

    fake_api.route("/token", token)
    fake_api.route("/items", items)
    auth = (
        '{type: OAuthAuthenticator, token_refresh_endpoint: "{{ config.base_url }}/token",'
        f" grant_type: {grant}, client_id: cid, client_secret: client-secret-xyz, refresh_token: rt-123456789}}"
    )
    manifest = MANIFEST.format(auth=auth, paginator="{type: NoPagination}").replace(
        "max_retries: 4",
        "max_retries: 4\n      response_filters:\n        - {type: HttpResponseFilter, http_codes: [401], action: REFRESH_TOKEN_THEN_RETRY}",
    )
    loaded = source.loads(manifest, "oauth.yaml")
    assert [r["id"] for r in read_all(loaded, fake_api)] == [7]
    assert len(issued) == 2


def test_incremental_state_slices_and_request_options(fake_api: FakeAPI) -> None:
    """DatetimeBasedCursor: step slices with start/end options; the state is the newest value; a rerun starts there."""
    records = [{"id": i, "updated": f"2024-01-{i:02d}T12:00:00Z"} for i in range(1, 21)]

    def handler(req: Request) -> Reply:
        lo, hi = req.arg("since") or "", req.arg("until") or ""
        return Reply.json({"data": [r for r in records if lo <= r["updated"] <= hi]})

    fake_api.route("/items", handler)
    cursor = (
        "    incremental_sync:\n"
        "      type: DatetimeBasedCursor\n"
        "      cursor_field: updated\n"
        "      datetime_format: '%Y-%m-%dT%H:%M:%SZ'\n"
        "      start_datetime: '2024-01-01T00:00:00Z'\n"
        "      end_datetime: '2024-01-30T23:59:59Z'\n"
        "      step: P10D\n"
        "      cursor_granularity: PT1S\n"
        "      start_time_option: {type: RequestOption, inject_into: request_parameter, field_name: since}\n"
        "      end_time_option: {type: RequestOption, inject_into: request_parameter, field_name: until}\n"
    )
    manifest = MANIFEST.format(auth=BEARER, paginator="{type: NoPagination}").replace(
        "    schema_loader:", cursor + "    schema_loader:"
    )
    loaded = source.loads(manifest, "inc.yaml")
    config = {"base_url": fake_api.url, "token": "x" * 12}
    fake_api.route("/items", lambda req: handler(req))
    reader = loaded.read("items", config)
    first = [r["id"] for page in reader for r in page.records]
    assert first == list(range(1, 21))
    assert [r.arg("since") for r in fake_api.requests] == [
        "2024-01-01T00:00:00Z",
        "2024-01-11T00:00:00Z",
        "2024-01-21T00:00:00Z",
    ]
    assert reader.state == {"updated": "2024-01-20T12:00:00Z"}
    records.append({"id": 21, "updated": "2024-01-25T08:00:00Z"})
    again = loaded.read("items", config, reader.state)
    assert [r["id"] for p in again for r in p.records] == [20, 21]
    assert again.state == {"updated": "2024-01-25T08:00:00Z"}


def test_partitions_filter_and_transformations(fake_api: FakeAPI) -> None:
    """ListPartitionRouter + SubstreamPartitionRouter, RecordFilter, RemoveFields."""
    fake_api.route(
        "/repos", lambda req: Reply.json({"data": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]})
    )
    fake_api.route(
        "/comments",
        lambda req: Reply.json(
            {
                "data": [
                    {"id": f"{req.arg('repo')}-{req.arg('state')}-{n}", "n": n, "junk": 1}
                    for n in range(3)
                ]
            }
        ),
    )
    manifest = f"""\
version: 6.5.0
check: {{stream_names: [comments]}}
definitions:
  base: {{type: HttpRequester, url_base: "{fake_api.url}"}}
  repos:
    type: DeclarativeStream
    name: repos
    retriever:
      requester: {{$ref: "#/definitions/base", path: /repos}}
      record_selector: {{extractor: {{field_path: [data]}}}}
streams:
  - $ref: "#/definitions/repos"
  - type: DeclarativeStream
    name: comments
    retriever:
      requester: {{$ref: "#/definitions/base", path: /comments}}
      record_selector:
        extractor: {{field_path: [data]}}
        record_filter: {{condition: "{{{{ record.n != 1 }}}}"}}
      partition_router:
        - type: SubstreamPartitionRouter
          parent_stream_configs:
            - parent_key: name
              partition_field: repo
              stream: {{$ref: "#/definitions/repos"}}
              request_option: {{inject_into: request_parameter, field_name: repo}}
        - type: ListPartitionRouter
          cursor_field: state
          values: [open, closed]
          request_option: {{inject_into: request_parameter, field_name: state}}
    transformations:
      - {{type: RemoveFields, field_pointers: [[junk]]}}
"""
    loaded = source.loads(manifest, "parts.yaml")
    ids = [r["id"] for r in loaded.records("comments", {})]
    assert ids == [
        "a-open-0",
        "a-open-2",
        "a-closed-0",
        "a-closed-2",
        "b-open-0",
        "b-open-2",
        "b-closed-0",
        "b-closed-2",
    ]
    assert all("junk" not in r for r in loaded.records("comments", {}))


def test_discover_lists_streams_with_schema_key_and_cursor() -> None:
    """discover() gives what a destination needs."""
    (stream,) = make().discover({})
    assert stream["name"] == "items"
    assert stream["primary_key"] == [["id"]]
    assert stream["json_schema"]["properties"]["id"] == {"type": "integer"}
    assert json.dumps(stream)


def test_selective_authenticator_follows_the_config_and_names_the_allowed_values(
    fake_api: FakeAPI,
) -> None:
    """A config value chooses the authenticator; a value that selects none is a ConfigError."""
    seen: list[Request] = []

    def handler(req: Request) -> Reply:
        seen.append(req)
        return Reply.json({"data": [{"id": 3}]})

    fake_api.route("/items", handler)
    auth = (
        "{type: SelectiveAuthenticator, authenticator_selection_path: [credentials, kind],"
        ' authenticators: {"API token": ' + BEARER + ","
        ' "Basic": {type: BasicHttpAuthenticator, username: me, password: "{{ config.token }}"}}}'
    )
    loaded = make("page", auth)
    for kind, header in (("API token", f"Bearer {TOKEN}"), ("Basic", "Basic ")):
        records = read_all(loaded, fake_api, credentials={"kind": kind})
        assert [r["id"] for r in records] == [3]
        assert seen[-1].headers["Authorization"].startswith(header)
    with pytest.raises(ConfigError) as info:
        read_all(loaded, fake_api, credentials={"kind": "OAuth"})
    assert str(info.value) == (
        "config credentials.kind must select an authenticator: it is 'OAuth'; "
        "allowed values: 'API token', 'Basic'"
    )
    with pytest.raises(ConfigError, match="it is nothing; allowed values"):
        read_all(loaded, fake_api)
