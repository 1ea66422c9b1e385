"""Logins, roles, CSRF, escaping and secrets, against the real server."""

from __future__ import annotations

import os
from urllib.parse import quote

import httpx
import pytest
from conftest import PASSWORD
from conftest import SECRET_PASSWORD
from conftest import SECRET_VARIABLE
from conftest import Deployment
from conftest import csrf_of
from conftest import login


def _q(value: str) -> str:
    return quote(value, safe="")


def _pages(deployment: Deployment) -> list[str]:
    run = _q(deployment.runs["web_failing"])
    return [
        "/",
        "/dags/web_failing",
        "/dags/web_failing/graph",
        f"/dags/web_failing/graph?run_id={run}",
        "/dags/web_params/trigger",
        f"/dags/web_failing/runs/{run}/tasks/load",
        f"/dags/web_failing/runs/{run}/tasks/extract",
        "/connections",
        "/variables",
        "/providers",
        "/pools",
    ]


def _api_gets(deployment: Deployment) -> list[str]:
    run = _q(deployment.runs["web_failing"])
    ti = f"/api/v1/dags/web_failing/dagRuns/{run}/taskInstances/load"
    return [
        "/api/v1/dags",
        "/api/v1/dags/web_failing",
        "/api/v1/dags/web_failing/dagRuns",
        f"/api/v1/dags/web_failing/dagRuns/{run}",
        f"/api/v1/dags/web_failing/dagRuns/{run}/taskInstances",
        ti,
        ti + "/logs/1",
        ti + "/xcoms",
        "/api/v1/connections",
        "/api/v1/connections/web_secret_db",
        "/api/v1/variables",
        f"/api/v1/variables/{SECRET_VARIABLE[0]}",
        "/api/v1/providers",
        "/api/v1/pools",
        "/api/v1/importErrors",
    ]


def test_no_page_works_without_a_login(deployment: Deployment) -> None:
    """Every page redirects to the login form; nothing of the deployment is shown."""
    pages = _pages(deployment)
    assert len(pages) == 11
    for page in pages:
        response = httpx.get(deployment.url + page)
        assert response.status_code == 303, page
        assert response.headers["location"].startswith("/login?next="), page


def test_no_api_call_works_without_a_token(deployment: Deployment) -> None:
    """Every API read answers 401 without a token, and with a wrong one."""
    calls = _api_gets(deployment)
    assert len(calls) == 15
    for path in calls:
        assert httpx.get(deployment.url + path).status_code == 401, path
        wrong = httpx.get(deployment.url + path, headers={"Authorization": "Bearer not-a-token"})
        assert wrong.status_code == 401, path
    assert (
        httpx.post(deployment.url + "/api/v1/dags/web_params/dagRuns", json={}).status_code == 401
    )


#: (role, method, path, body): writes the role may not make.
FORBIDDEN = [
    ("viewer", "POST", "/api/v1/dags/web_params/dagRuns", {"conf": {}}),
    ("viewer", "PATCH", "/api/v1/dags/web_params", {"is_paused": True}),
    ("viewer", "PATCH", "/api/v1/dags/web_params/dagRuns/RUN", {"state": "failed"}),
    ("viewer", "POST", "/api/v1/dags/web_failing/dagRuns/RUN/taskInstances/load/clear", {}),
    (
        "viewer",
        "PATCH",
        "/api/v1/dags/web_failing/dagRuns/RUN/taskInstances/load",
        {"state": "success"},
    ),
    ("viewer", "GET", "/api/v1/connections", None),
    ("viewer", "GET", "/api/v1/variables", None),
    ("operator", "POST", "/api/v1/connections", {"conn_id": "x", "conn_type": "http"}),
    (
        "operator",
        "PUT",
        "/api/v1/connections/web_secret_db",
        {"conn_id": "web_secret_db", "conn_type": "http"},
    ),
    ("operator", "DELETE", "/api/v1/connections/web_secret_db", None),
    ("operator", "PUT", "/api/v1/variables/region", {"key": "region", "value": "x"}),
    ("operator", "DELETE", "/api/v1/variables/region", None),
    ("operator", "PUT", "/api/v1/pools/p", {"pool": "p", "slots": 1}),
    ("operator", "DELETE", "/api/v1/pools/default_pool", None),
]


@pytest.mark.parametrize(("role", "method", "path", "body"), FORBIDDEN)
def test_each_role_is_refused_what_it_may_not_do(
    deployment: Deployment, role: str, method: str, path: str, body: object
) -> None:
    """403 with the role needed, and nothing changed."""
    run_path = path.replace("RUN", _q(deployment.runs["web_failing"]))
    with deployment.api(role) as client:
        response = client.request(method, run_path, json=body)
    assert response.status_code == 403, response.text
    assert f"has role {role}" in response.json()["detail"]
    with deployment.api("admin") as admin:
        assert [c["conn_id"] for c in admin.get("/api/v1/connections").json()["items"]] == [
            "web_secret_db"
        ]
        assert admin.get("/api/v1/variables/region").json()["value"] == "eu-west-1"
        assert admin.get("/api/v1/dags/web_params").json()["is_paused"] is False


def test_viewer_pages_have_no_write_forms(deployment: Deployment) -> None:
    """A viewer sees the grid, without the buttons that would be refused; operator pages are 403."""
    with login(deployment, "viewer") as client:
        grid = client.get("/dags/web_failing")
        assert grid.status_code == 200
        assert "Mark failed" not in grid.text
        assert "/trigger" not in grid.text
        assert client.get("/connections").status_code == 403
        assert client.get("/dags/web_params/trigger").status_code == 403


def test_form_post_without_csrf_token_is_refused(deployment: Deployment) -> None:
    """A logged-in browser's form post without (or with a wrong) CSRF token changes nothing."""
    with login(deployment, "operator") as client:
        assert client.post("/dags/web_flaky/pause", data={"paused": "1"}).status_code == 403
        wrong = client.post("/dags/web_flaky/pause", data={"paused": "1", "csrf_token": "forged"})
        assert wrong.status_code == 403
        assert "CSRF" in wrong.text
        assert client.get("/api/v1/dags/web_flaky").json()["is_paused"] is False
        token = csrf_of(client.get("/dags/web_flaky").text)
        ok = client.post("/dags/web_flaky/pause", data={"paused": "1", "csrf_token": token})
        assert ok.status_code == 303
        assert client.get("/api/v1/dags/web_flaky").json()["is_paused"] is True
        client.post("/dags/web_flaky/pause", data={"paused": "0", "csrf_token": token})


def test_api_write_with_the_cookie_needs_the_csrf_header(deployment: Deployment) -> None:
    """Scripts in the pages may use the session cookie, but a write needs X-CSRF-Token."""
    with login(deployment, "operator") as client:
        refused = client.patch("/api/v1/dags/web_flaky", json={"is_paused": True})
        assert refused.status_code == 403
        token = csrf_of(client.get("/dags/web_flaky").text)
        ok = client.patch(
            "/api/v1/dags/web_flaky", json={"is_paused": False}, headers={"X-CSRF-Token": token}
        )
        assert ok.status_code == 200


def test_login_form_needs_its_csrf_cookie(deployment: Deployment) -> None:
    """A login posted from another site (no login CSRF cookie) is refused."""
    response = httpx.post(
        deployment.url + "/login",
        data={"username": "admin", "password": PASSWORD, "csrf_token": "x", "next": "/"},
    )
    assert response.status_code == 403
    assert "taskloom_session" not in response.headers.get("set-cookie", "")


def test_wrong_password_and_open_redirect(deployment: Deployment) -> None:
    """A wrong password logs nobody in; ``next`` never leads off this server."""
    with httpx.Client(base_url=deployment.url) as client:
        form = client.get("/login")
        wrong = client.post(
            "/login",
            data={
                "username": "admin",
                "password": "wrong-password-123",
                "csrf_token": csrf_of(form.text),
            },
        )
        assert wrong.headers["location"].startswith("/login?error=1")
        assert "taskloom_session" not in client.cookies
        assert client.get("/").status_code == 303
        response = client.post(
            "/login",
            data={
                "username": "admin",
                "password": PASSWORD,
                "csrf_token": csrf_of(form.text),
                "next": "//evil.example.com/x",
            },
        )
        assert response.headers["location"] == "/"


def test_session_cookie_flags_and_security_headers(deployment: Deployment) -> None:
    """HttpOnly, SameSite=Strict session cookie; a CSP that allows no inline script."""
    with httpx.Client(base_url=deployment.url) as client:
        form = client.get("/login")
        response = client.post(
            "/login",
            data={
                "username": "viewer",
                "password": PASSWORD,
                "csrf_token": csrf_of(form.text),
                "next": "/",
            },
        )
        cookie = next(
            c for c in response.headers.get_list("set-cookie") if c.startswith("taskloom_session=")
        )
        assert "HttpOnly" in cookie
        assert "SameSite=strict" in cookie
        page = client.get("/")
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert "'unsafe-inline'" not in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY"
        stolen = client.cookies["taskloom_session"]
        logout = client.post("/logout", data={"csrf_token": csrf_of(page.text)})
        assert logout.status_code == 303
    # The session is gone on the server too: the old cookie no longer logs in.
    replay = httpx.get(deployment.url + "/", cookies={"taskloom_session": stolen})
    assert replay.status_code == 303


def test_script_in_doc_md_and_log_is_shown_as_text(deployment: Deployment) -> None:
    """What a DAG author controls is escaped: a <script> in doc_md or a log line, and markup
    in an XCom value and a rendered templated field, are text."""
    run = _q(deployment.runs["web_failing"])
    with login(deployment, "admin") as client:
        grid = client.get("/dags/web_failing").text
        assert "document.title='pwned-doc'" in grid.replace("&#39;", "'")
        assert "<script>document.title" not in grid
        assert "&lt;script&gt;document.title" in grid
        ti = client.get(f"/dags/web_failing/runs/{run}/tasks/load").text
        assert "<script>document.title" not in ti
        assert "&lt;script&gt;document.title=&#39;pwned-log&#39;&lt;/script&gt;" in ti
        extract = client.get(f"/dags/web_failing/runs/{run}/tasks/extract").text
        assert "<img src=x" not in extract
        # In the XCom, the rendered bash_command and the log: always as text.
        assert extract.count("&lt;img src=x onerror=alert(1)&gt;") >= 3


def test_secrets_appear_in_no_response_body(deployment: Deployment) -> None:
    """The connection's password and the secret variable's value are in no page and no API answer."""
    bodies = []
    with login(deployment, "admin") as client:
        bodies += [client.get(page).text for page in _pages(deployment)]
    with deployment.api("admin") as api:
        bodies += [api.get(path).text for path in _api_gets(deployment)]
        bodies.append(api.get("/api/v1/openapi.json").text)
    assert len(bodies) == 27
    for body in bodies:
        assert SECRET_PASSWORD not in body
        assert SECRET_VARIABLE[1] not in body


def test_passwords_are_stored_as_argon2id_hashes(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The users table holds Argon2id hashes, never the password."""
    from contextlib import closing

    from taskloom import store
    from taskloom.store import web as web_store

    for name, value in deployment.env.items():
        if name.startswith("TASKLOOM"):
            monkeypatch.setenv(name, value)
    with closing(store.connect()) as conn:
        users = web_store.list_users(conn)
    assert [u.username for u in users] == ["admin", "operator", "viewer"]
    for user in users:
        assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        assert PASSWORD not in user.password_hash
    if deployment.backend == "sqlite":
        assert os.stat(deployment.home / "taskloom.db").st_mode & 0o077 == 0


def test_admin_forms_write_and_never_echo_a_password(deployment: Deployment) -> None:
    """The connection, variable and pool forms write through the store; the password typed
    into the connection form appears on no page afterwards."""
    with login(deployment, "admin") as client:
        token = csrf_of(client.get("/connections").text)
        added = client.post(
            "/connections",
            data={
                "csrf_token": token,
                "conn_id": "form_conn",
                "conn_type": "http",
                "host": "api.example.com",
                "password": "typed-into-the-form-42",
            },
        )
        assert added.status_code == 303
        page = client.get("/connections").text
        assert "form_conn" in page
        assert "typed-into-the-form-42" not in page
        assert (
            client.post(
                "/variables", data={"csrf_token": token, "key": "form_var", "value": "v1"}
            ).status_code
            == 303
        )
        assert "form_var" in client.get("/variables").text
        assert (
            client.post(
                "/pools", data={"csrf_token": token, "pool": "form_pool", "slots": "3"}
            ).status_code
            == 303
        )
        assert "form_pool" in client.get("/pools").text
        bad = client.post("/pools", data={"csrf_token": token, "pool": "bad pool!", "slots": "3"})
        assert bad.status_code == 400
        assert "pool name" in bad.text
        for path in ("/connections/form_conn/delete", "/variables/form_var/delete"):
            assert client.post(path, data={"csrf_token": token}).status_code == 303
        assert "form_conn" not in client.get("/connections").text
