"""A fake GitHub REST API on 127.0.0.1 serving the documented response shapes, with fixture data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING
from typing import Any

import pytest

from taskloom.utils.secrets_masker import get_secrets_masker

pytest_plugins = ["taskloom_testing.home", "taskloom_testing.fake_api"]

if TYPE_CHECKING:  # the plugin module is imported by pytest (and so assert-rewritten) first
    from taskloom_testing.fake_api import FakeAPI
    from taskloom_testing.fake_api import Reply
    from taskloom_testing.fake_api import Request

TOKEN = "ghp_fixtureToken0123456789"
REPO = "octo/hello"


def issue(n: int) -> dict[str, Any]:
    """Issue ``n`` as GitHub returns it; every 10th one is a pull request (the issues API lists those too)."""
    minute, second = divmod(n, 60)
    record: dict[str, Any] = {
        "id": 1000 + n,
        "number": n,
        "title": f"Issue {n}",
        "state": "open" if n % 3 else "closed",
        "user": {"login": f"user{n % 7}", "id": n % 7},
        "labels": [{"name": "bug"}] if n % 5 == 0 else [],
        "comments": n % 4,
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": f"2024-02-01T{minute // 60:02d}:{minute % 60:02d}:{second:02d}Z",
        "closed_at": None,
        "body": f"body of {n}",
    }
    if n % 10 == 0:
        record["pull_request"] = {"url": f"https://api.github.com/repos/{REPO}/pulls/{n}"}
    return record


@dataclass
class FakeGitHub:
    """The fake API's data: change ``issues`` between reads to simulate activity."""

    api: FakeAPI
    issues: list[dict[str, Any]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.api.url

    def config(self, **more: Any) -> dict[str, Any]:
        return {
            "token": TOKEN,
            "repositories": [REPO],
            "api_url": self.url,
            "retry_factor": 0.01,
            **more,
        }

    def connection_json(self) -> str:
        return json.dumps(
            {
                "conn_type": "github",
                "password": TOKEN,
                "extra": {"repositories": [REPO], "api_url": self.url, "retry_factor": 0.01},
            }
        )


def _page(api: FakeAPI, req: Request, items: list[dict[str, Any]], path: str) -> Reply:
    from taskloom_testing.fake_api import Reply

    per_page = int(req.arg("per_page") or 30)
    page = int(req.arg("page") or 1)
    chunk = items[(page - 1) * per_page : page * per_page]
    links = []
    query = "&".join(f"{k}={v[0]}" for k, v in req.query.items() if k != "page")
    if page * per_page < len(items):
        links.append(f'<{api.url}{path}?{query}&page={page + 1}>; rel="next"')
        last = (len(items) + per_page - 1) // per_page
        links.append(f'<{api.url}{path}?{query}&page={last}>; rel="last"')
    headers = {"X-RateLimit-Remaining": "4999", "X-RateLimit-Reset": "0"}
    if links:
        headers["Link"] = ", ".join(links)
    return Reply.json(chunk, headers=headers)


def _authorized(req: Request) -> Reply | None:
    from taskloom_testing.fake_api import Reply

    if req.headers.get("Authorization") != f"Bearer {TOKEN}":
        return Reply.json(
            {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}, 401
        )
    return None


@pytest.fixture
def github(fake_api: FakeAPI) -> FakeGitHub:
    """GitHub's /repos/{owner}/{repo}, /issues (``since``, sorted by updated ascending), /pulls, /commits."""
    from taskloom_testing.fake_api import Reply

    gh = FakeGitHub(fake_api, [issue(n) for n in range(1, 2501)])

    def repo(req: Request) -> Reply:
        return _authorized(req) or Reply.json(
            {
                "id": 1,
                "full_name": REPO,
                "name": "hello",
                "private": False,
                "default_branch": "main",
                "stargazers_count": 3,
                "open_issues_count": 2,
                "description": None,
                "created_at": "2020-01-01T00:00:00Z",
                "updated_at": "2024-01-01T00:00:00Z",
            }
        )

    def issues(req: Request) -> Reply:
        since = req.arg("since") or ""
        assert req.arg("state") == "all"
        assert req.arg("sort") == "updated"
        assert req.arg("direction") == "asc"
        selected = sorted(
            (i for i in gh.issues if i["updated_at"] >= since),
            key=lambda i: (i["updated_at"], i["id"]),
        )
        return _authorized(req) or _page(fake_api, req, selected, req.path)

    def pulls(req: Request) -> Reply:
        prs = [
            {
                "id": 5000 + n,
                "number": n,
                "title": f"PR {n}",
                "state": "open",
                "draft": False,
                "created_at": "2024-01-01T00:00:00Z",
                "updated_at": "2024-01-02T00:00:00Z",
                "merged_at": None,
            }
            for n in range(1, 151)
        ]
        return _authorized(req) or _page(fake_api, req, prs, req.path)

    def commits(req: Request) -> Reply:
        since = req.arg("since") or ""
        items = [
            {
                "sha": f"{n:040x}",
                "html_url": f"https://github.com/{REPO}/commit/{n:040x}",
                "commit": {
                    "message": f"change {n}",
                    "committer": {"date": f"2024-03-{1 + n // 10:02d}T00:00:00Z"},
                },
            }
            for n in range(200, 0, -1)
        ]
        items = [c for c in items if c["commit"]["committer"]["date"] >= since]
        return _authorized(req) or _page(fake_api, req, items, req.path)

    fake_api.route(f"/repos/{REPO}", repo)
    fake_api.route(f"/repos/{REPO}/issues", issues)
    fake_api.route(f"/repos/{REPO}/pulls", pulls)
    fake_api.route(f"/repos/{REPO}/commits", commits)
    return gh


@pytest.fixture(autouse=True)
def _forget_secrets() -> Iterator[None]:
    get_secrets_masker().clear()
    yield
    get_secrets_masker().clear()
