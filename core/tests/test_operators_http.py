"""Tests for taskloom.operators.http and taskloom.sensors.http, run through the real runtime."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from authoring_runs import RunResult
from authoring_runs import run_dag
from pytest_httpserver import HTTPServer

from taskloom import DAG
from taskloom.operators.http import HttpOperator
from taskloom.sensors.base import PokeReturnValue
from taskloom.sensors.http import HttpSensor
from taskloom.utils.log.task_log import log_path
from taskloom.utils.secrets_masker import get_secrets_masker
from taskloom_testing.servers import free_port

SECRET = "api-secret-password"


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """Serve pytest-httpserver on 127.0.0.1."""
    return "127.0.0.1", free_port()


@pytest.fixture(autouse=True)
def _clean_masker() -> Iterator[None]:
    """Forget secrets registered by the test."""
    yield
    get_secrets_masker().clear()


@pytest.fixture
def api(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> HTTPServer:
    """Connection http_default pointing at the test server, with a password and no transport backoff."""
    monkeypatch.setenv(
        "TASKLOOM_CONN_HTTP_DEFAULT",
        json.dumps(
            {
                "conn_type": "http",
                "host": httpserver.host,
                "port": httpserver.port,
                "login": "svc",
                "password": SECRET,
                "extra": {"retry": {"total": 0}},
            }
        ),
    )
    return httpserver


def _log(result: RunResult, task_id: str) -> str:
    return log_path(result.dag.dag_id, result.run_id, task_id, 1).read_text()


def test_operator_templated_request_check_and_filter(api: HTTPServer) -> None:
    """Endpoint, JSON and headers are templated; the filtered response is pushed as XCom."""
    api.expect_request(
        "/reports/2024-01-01",
        method="POST",
        json={"day": "2024-01-01"},
        headers={"X-Run": "manual"},
    ).respond_with_json({"id": 7, "status": "queued"})
    with DAG("http_op") as dag:
        HttpOperator(
            task_id="create",
            endpoint="reports/{{ ds }}",
            json={"day": "{{ ds }}"},
            headers={"X-Run": "{{ run_id.split('__')[0] }}"},
            response_check=lambda response: response.json()["status"] == "queued",
            response_filter=lambda response: response.json()["id"],
        )
        HttpOperator(task_id="text", method="GET", endpoint="plain")
    api.expect_request("/plain", method="GET").respond_with_data("hello")
    result = run_dag(dag)
    assert result.states == {"create": "success", "text": "success"}
    assert result.xcom("create") == 7
    assert result.xcom("text") == "hello"


def test_operator_response_check_false_fails(api: HTTPServer) -> None:
    """A response_check returning false fails the task with a message naming the check."""
    api.expect_request("/status").respond_with_json({"ok": False})
    with DAG("http_check") as dag:
        HttpOperator(
            task_id="check",
            method="GET",
            endpoint="status",
            response_check=lambda r: r.json()["ok"],
        )
    result = run_dag(dag)
    assert result.states == {"check": "failed"}
    assert "response_check returned false" in _log(result, "check")


def test_operator_pagination(api: HTTPServer) -> None:
    """pagination_function requests the next pages until it returns None; the filter sees every page."""
    api.expect_request("/items", query_string="page=1").respond_with_json(
        {"items": [1, 2], "next": 2}
    )
    api.expect_request("/items", query_string="page=2").respond_with_json(
        {"items": [3], "next": None}
    )

    def next_page(response: requests.Response) -> dict[str, Any] | None:
        following = response.json()["next"]
        return {"data": {"page": following}} if following else None

    with DAG("http_pages") as dag:
        HttpOperator(
            task_id="all",
            method="GET",
            endpoint="items",
            data={"page": 1},
            pagination_function=next_page,
            response_filter=lambda pages: [item for page in pages for item in page.json()["items"]],
        )
    result = run_dag(dag)
    assert result.states == {"all": "success"}
    assert result.xcom("all") == [1, 2, 3]


def test_operator_error_traceback_is_masked(api: HTTPServer) -> None:
    """A failing request's traceback in the task log has the echoed password masked."""
    api.expect_request("/login").respond_with_data(f"denied for password {SECRET}", status=401)
    with DAG("http_mask") as dag:
        HttpOperator(task_id="login", endpoint="login", log_response=True)
    result = run_dag(dag)
    assert result.states == {"login": "failed"}
    text = _log(result, "login")
    assert SECRET not in text
    assert "Traceback" in text
    assert "HttpError: POST http://127.0.0.1" in text
    assert "returned HTTP 401 UNAUTHORIZED: denied for password ***" in text


def test_sensor_waits_through_404_then_succeeds(api: HTTPServer) -> None:
    """HttpSensor treats 404 as 'not yet' and succeeds once the endpoint answers and the check agrees."""
    api.expect_ordered_request("/export").respond_with_data("missing", status=404)
    api.expect_ordered_request("/export").respond_with_json({"state": "running"})
    api.expect_ordered_request("/export").respond_with_json({"state": "done", "rows": 12})

    def done(response: requests.Response) -> PokeReturnValue:
        body = response.json()
        return PokeReturnValue(body["state"] == "done", body.get("rows"))

    with DAG("http_sensor") as dag:
        HttpSensor(
            task_id="wait", endpoint="export", response_check=done, poke_interval=0.05, timeout=30
        )
    result = run_dag(dag)
    assert result.states == {"wait": "success"}
    assert result.xcom("wait") == 12
    assert len(api.log) == 3


def test_sensor_other_errors_fail_fast(api: HTTPServer) -> None:
    """A status outside the allowlist fails the poke instead of waiting for the timeout."""
    api.expect_request("/forbidden").respond_with_data("no", status=403)
    with DAG("http_sensor_fail") as dag:
        HttpSensor(task_id="wait", endpoint="forbidden", poke_interval=0.05, timeout=30)
    result = run_dag(dag)
    assert result.states == {"wait": "failed"}
    assert "HTTP 403" in _log(result, "wait")
    assert len(api.log) == 1


def test_sensor_times_out(api: HTTPServer) -> None:
    """An endpoint that stays 404 makes the sensor time out."""
    api.expect_request("/never").respond_with_data("missing", status=404)
    with DAG("http_sensor_timeout") as dag:
        HttpSensor(task_id="wait", endpoint="never", poke_interval=0.05, timeout=0.3)
    result = run_dag(dag)
    assert result.states == {"wait": "failed"}
    assert "timed out" in _log(result, "wait")
