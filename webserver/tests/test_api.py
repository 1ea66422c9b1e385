"""The REST API against a real server process and runs made by running DAGs."""

from __future__ import annotations

from urllib.parse import quote

import httpx
from conftest import SECRET_PASSWORD
from conftest import SECRET_VARIABLE
from conftest import Deployment
from conftest import run_id_of


def _q(value: str) -> str:
    return quote(value, safe="")


def _ti_path(dag_id: str, run_id: str, task_id: str) -> str:
    return f"/api/v1/dags/{dag_id}/dagRuns/{_q(run_id)}/taskInstances/{task_id}"


def test_health_reports_the_store(deployment: Deployment) -> None:
    """/api/v1/health answers without a login: the store is reachable, no scheduler runs."""
    body = httpx.get(f"{deployment.url}/api/v1/health").json()
    assert body["store"]["status"] == "healthy"
    assert body["scheduler"] == {
        "status": "unhealthy",
        "latest_heartbeat": None,
        "heartbeat_age_seconds": None,
    }


def test_pools(deployment: Deployment, admin: httpx.Client) -> None:
    """Pools are listed with their occupied and open slots; an admin creates, changes and deletes them."""
    pools = admin.get("/api/v1/pools").json()
    default = pools["items"][0]
    assert default["pool"] == "default_pool"
    assert default["open"] == default["slots"] - default["occupied"]
    made = admin.put("/api/v1/pools/warehouse", json={"pool": "warehouse", "slots": 2})
    assert made.json() == {
        "pool": "warehouse",
        "slots": 2,
        "description": None,
        "occupied": 0,
        "open": 2,
    }
    negative = admin.put("/api/v1/pools/warehouse", json={"pool": "warehouse", "slots": -1})
    assert negative.status_code == 400
    assert "whole number >= 0" in negative.json()["detail"]
    with deployment.api("viewer") as viewer:
        assert "warehouse" in [p["pool"] for p in viewer.get("/api/v1/pools").json()["items"]]
    assert admin.delete("/api/v1/pools/warehouse").status_code == 204
    assert admin.delete("/api/v1/pools/warehouse").status_code == 404
    refused = admin.delete("/api/v1/pools/default_pool")
    assert refused.status_code == 400
    assert "cannot be deleted" in refused.json()["detail"]


def test_openapi_document_describes_every_list_with_pagination(deployment: Deployment) -> None:
    """The OpenAPI document lists the endpoints; each list takes limit and offset."""
    doc = httpx.get(f"{deployment.url}/api/v1/openapi.json").json()
    paths = doc["paths"]
    lists = [
        "/api/v1/dags",
        "/api/v1/dags/{dag_id}/dagRuns",
        "/api/v1/dags/{dag_id}/dagRuns/{run_id}/taskInstances",
        "/api/v1/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcoms",
        "/api/v1/connections",
        "/api/v1/variables",
        "/api/v1/providers",
        "/api/v1/pools",
        "/api/v1/importErrors",
    ]
    for path in lists:
        names = {p["name"] for p in paths[path]["get"]["parameters"]}
        assert {"limit", "offset"} <= names, path
    assert "post" in paths["/api/v1/dags/{dag_id}/dagRuns"]
    assert (
        "/api/v1/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}" in paths
    )
    assert not any(p.startswith("/login") for p in paths), "pages are not part of the API"


def test_dag_list_is_paginated_and_filtered(admin: httpx.Client) -> None:
    """limit/offset pages through the DAGs; total counts all; search and tag filter."""
    everything = admin.get("/api/v1/dags").json()
    ids = [d["dag_id"] for d in everything["items"]]
    assert ids == ["web_chatty", "web_failing", "web_flaky", "web_params", "web_scheduled"]
    assert everything["total"] == 5
    page = admin.get("/api/v1/dags", params={"limit": 2, "offset": 1}).json()
    assert [d["dag_id"] for d in page["items"]] == ids[1:3]
    assert page["total"] == 5
    assert [
        d["dag_id"] for d in admin.get("/api/v1/dags", params={"tag": "nightly"}).json()["items"]
    ] == ["web_scheduled"]
    assert admin.get("/api/v1/dags", params={"search": "PARAM"}).json()["total"] == 1
    assert admin.get("/api/v1/dags", params={"limit": 0}).status_code == 400


def test_dag_list_shows_recent_runs_next_run_and_paused(admin: httpx.Client) -> None:
    """Each DAG carries its recent run states, next run and paused flag."""
    by_id = {d["dag_id"]: d for d in admin.get("/api/v1/dags").json()["items"]}
    assert by_id["web_failing"]["recent_runs"][-1]["state"] == "failed"
    assert by_id["web_scheduled"]["next_run"] is not None
    assert by_id["web_failing"]["next_run"] is None  # schedule=None


def test_dag_detail_has_params_and_tasks(admin: httpx.Client) -> None:
    dag = admin.get("/api/v1/dags/web_params").json()
    assert [p["name"] for p in dag["params"]] == ["n", "mode"]
    assert dag["params"][0]["schema"] == {"type": "integer", "minimum": 1}
    assert [t["task_id"] for t in dag["tasks"]] == ["double"]
    assert admin.get("/api/v1/dags/nope").status_code == 404


def test_runs_of_a_failed_dag(deployment: Deployment, admin: httpx.Client) -> None:
    """The run `dags test` made is listed with its state; the task instances say which task failed."""
    run_id = deployment.runs["web_failing"]
    runs = admin.get("/api/v1/dags/web_failing/dagRuns").json()
    assert run_id in [r["run_id"] for r in runs["items"]]
    run = admin.get(f"/api/v1/dags/web_failing/dagRuns/{_q(run_id)}").json()
    assert run["state"] == "failed"
    tis = admin.get(f"/api/v1/dags/web_failing/dagRuns/{_q(run_id)}/taskInstances").json()
    states = {t["task_id"]: t["state"] for t in tis["items"]}
    assert states == {"extract": "success", "load": "failed", "report": "upstream_failed"}
    assert tis["total"] == 3
    page = admin.get(
        f"/api/v1/dags/web_failing/dagRuns/{_q(run_id)}/taskInstances",
        params={"limit": 1, "offset": 2},
    ).json()
    assert len(page["items"]) == 1
    assert page["total"] == 3


def test_log_per_try_with_offsets(deployment: Deployment, admin: httpx.Client) -> None:
    """A try's log is read from an offset; reading on from next_offset gives only new text."""
    path = _ti_path("web_failing", deployment.runs["web_failing"], "load") + "/logs/1"
    first = admin.get(path).json()
    assert "the warehouse refused the load" in first["content"]
    assert first["at_end"] is True
    assert first["content"].endswith("\n")
    tail = admin.get(path, params={"offset": first["next_offset"]}).json()
    assert tail["content"] == ""
    assert tail["next_offset"] == first["next_offset"]
    middle = admin.get(path, params={"offset": 10}).json()
    assert middle["content"] == first["content"].encode()[10:].decode()
    missing = admin.get(
        _ti_path("web_failing", deployment.runs["web_failing"], "load") + "/logs/7"
    ).json()
    assert missing["exists"] is False
    assert admin.get(path, params={"offset": -1}).status_code == 400


def test_a_long_log_comes_in_pieces_of_whole_lines(
    deployment: Deployment, admin: httpx.Client
) -> None:
    """A log of about 800 KB is read in pieces that each end at a line end, and add up to the file."""
    run_id = run_id_of(deployment.cli("dags", "test", "web_chatty").stdout)
    path = _ti_path("web_chatty", run_id, "chatter") + "/logs/1"
    pieces, offset = [], 0
    while True:
        chunk = admin.get(path, params={"offset": offset}).json()
        assert chunk["offset"] == offset
        pieces.append(chunk["content"])
        offset = chunk["next_offset"]
        if chunk["at_end"]:
            break
        assert chunk["content"].endswith("\n")
    assert len(pieces) == -(-offset // (256 * 1024))  # 256 KiB pieces, cut at line ends
    text = "".join(pieces)
    assert len(text.encode()) == offset
    printed = [line.split(" - ", 1)[1] for line in text.splitlines() if " - line " in line]
    assert printed == [f"line {i:05d} " + "x" * 90 for i in range(6000)]
    assert "the last line of the log" in text
    assert text.endswith("Marked chatter as success\n")


def test_log_masks_the_connection_password(deployment: Deployment, admin: httpx.Client) -> None:
    """The task printed the password it read: the log shows *** in its place."""
    path = _ti_path("web_failing", deployment.runs["web_failing"], "load") + "/logs/1"
    content = admin.get(path).json()["content"]
    assert "connecting with ***" in content
    assert SECRET_PASSWORD not in content


def test_xcoms_of_a_task(deployment: Deployment, admin: httpx.Client) -> None:
    """The value a task returned is listed under return_value."""
    body = admin.get(
        _ti_path("web_params", deployment.runs["web_params"], "double") + "/xcoms"
    ).json()
    assert body["items"][0]["key"] == "return_value"
    assert body["items"][0]["value"] == 6
    assert body["total"] == 1


def test_trigger_validates_conf_against_params(admin: httpx.Client) -> None:
    """A conf a param refuses is a 400 naming the param; a good one queues a run."""
    bad = admin.post("/api/v1/dags/web_params/dagRuns", json={"conf": {"n": 0}})
    assert bad.status_code == 400
    assert "param 'n'" in bad.json()["detail"]
    assert "minimum" in bad.json()["detail"]
    wrong_type = admin.post("/api/v1/dags/web_params/dagRuns", json={"conf": {"mode": "warp"}})
    assert wrong_type.status_code == 400
    good = admin.post(
        "/api/v1/dags/web_params/dagRuns", json={"conf": {"n": 4}, "run_id": "api_trigger_1"}
    )
    assert good.status_code == 201, good.text
    assert good.json()["state"] == "queued"
    assert good.json()["conf"] == {"n": 4}
    again = admin.post("/api/v1/dags/web_params/dagRuns", json={"run_id": "api_trigger_1"})
    assert again.status_code == 400
    assert admin.post("/api/v1/dags/web_params/dagRuns", json={"conf": [1]}).status_code == 400


def test_pause_and_unpause(admin: httpx.Client) -> None:
    assert (
        admin.patch("/api/v1/dags/web_flaky", json={"is_paused": True}).json()["is_paused"] is True
    )
    assert admin.get("/api/v1/dags/web_flaky").json()["is_paused"] is True
    assert admin.get("/api/v1/dags", params={"paused": True}).json()["total"] >= 1
    admin.patch("/api/v1/dags/web_flaky", json={"is_paused": False})
    assert admin.get("/api/v1/dags/web_flaky").json()["is_paused"] is False


def test_clear_and_mark_task_instances(deployment: Deployment, admin: httpx.Client) -> None:
    """Clearing resets the task (and its downstream) and queues the run; marking sets a state."""
    run_id = run_id_of(
        deployment.cli("dags", "test", "web_failing", "2026-02-01", check=False).stdout
    )
    base = _ti_path("web_failing", run_id, "load")
    cleared = admin.post(base + "/clear", json={"downstream": True}).json()
    assert cleared == {"task_ids": ["load", "report"]}
    assert admin.get(base).json()["state"] is None
    assert admin.get(f"/api/v1/dags/web_failing/dagRuns/{_q(run_id)}").json()["state"] == "queued"
    marked = admin.patch(base, json={"state": "success"}).json()
    assert marked["changed"] == 1
    assert admin.get(base).json()["state"] == "success"
    assert admin.patch(base, json={"state": "running"}).status_code == 400


def test_mark_run_failed_and_success(admin: httpx.Client) -> None:
    """Marking a run failed skips its unstarted tasks; marking one success completes them."""
    run = admin.post("/api/v1/dags/web_params/dagRuns", json={"run_id": "to_mark"}).json()
    path = f"/api/v1/dags/web_params/dagRuns/{run['run_id']}"
    assert admin.patch(path, json={"state": "failed"}).json()["state"] == "failed"
    assert admin.get(_ti_path("web_params", "to_mark", "double")).json()["state"] == "skipped"
    # Marking success sets the unfinished tasks only, as in Airflow: skipped stays skipped.
    assert admin.patch(path, json={"state": "success"}).json()["state"] == "success"
    assert admin.get(_ti_path("web_params", "to_mark", "double")).json()["state"] == "skipped"
    admin.post("/api/v1/dags/web_params/dagRuns", json={"run_id": "to_mark_2"})
    done = admin.patch("/api/v1/dags/web_params/dagRuns/to_mark_2", json={"state": "success"})
    assert done.json()["end_date"] is not None
    assert admin.get(_ti_path("web_params", "to_mark_2", "double")).json()["state"] == "success"
    assert (
        admin.patch("/api/v1/dags/web_params/dagRuns/nope", json={"state": "success"}).status_code
        == 404
    )


def test_connections_crud_never_returns_the_password(admin: httpx.Client) -> None:
    """Create, replace, list and delete a stored connection; its password is never returned."""
    created = admin.post(
        "/api/v1/connections",
        json={
            "conn_id": "api_conn",
            "conn_type": "http",
            "host": "h",
            "password": "pw-created-by-api",
            "extra": {"timeout": 3},
        },
    )
    assert created.status_code == 201, created.text
    assert "pw-created-by-api" not in created.text
    assert created.json()["has_password"] is True
    assert (
        admin.post(
            "/api/v1/connections", json={"conn_id": "api_conn", "conn_type": "http"}
        ).status_code
        == 409
    )
    replaced = admin.put(
        "/api/v1/connections/api_conn",
        json={"conn_id": "api_conn", "conn_type": "http", "host": "h2"},
    )
    assert replaced.json()["host"] == "h2"
    assert replaced.json()["has_password"] is True  # kept: the body had no password
    listed = admin.get("/api/v1/connections")
    assert "api_conn" in [c["conn_id"] for c in listed.json()["items"]]
    assert "pw-created-by-api" not in listed.text
    assert SECRET_PASSWORD not in listed.text
    assert admin.delete("/api/v1/connections/api_conn").status_code == 204
    assert admin.get("/api/v1/connections/api_conn").status_code == 404
    bad = admin.post(
        "/api/v1/connections", json={"conn_id": "x", "conn_type": "http", "port": 99999999}
    )
    assert bad.status_code == 400


def test_variables_crud_masks_secret_values(admin: httpx.Client) -> None:
    key, value = SECRET_VARIABLE
    listed = admin.get("/api/v1/variables").json()
    by_key = {v["key"]: v for v in listed["items"]}
    assert by_key[key]["value"] == "***"
    assert by_key["region"]["value"] == "eu-west-1"
    assert value not in str(listed)
    assert (
        admin.put("/api/v1/variables/color", json={"key": "color", "value": "blue"}).json()["value"]
        == "blue"
    )
    assert admin.get("/api/v1/variables/color").json()["value"] == "blue"
    assert admin.delete("/api/v1/variables/color").status_code == 204
    assert admin.get("/api/v1/variables/color").status_code == 404


def test_providers_carry_maintainers_and_tracker(admin: httpx.Client) -> None:
    """Each provider has its maintainers and issue tracker from its metadata."""
    items = admin.get("/api/v1/providers").json()["items"]
    core = next(p for p in items if p["id"] == "core")
    assert core["maintainers"]
    assert core["issue_tracker"].startswith("https://")
