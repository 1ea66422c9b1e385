"""Reading GitHub streams from a fake GitHub: Link paging, auth, rate limits, cut connections, since."""

from __future__ import annotations

import time

import pytest
from conftest import REPO
from conftest import TOKEN
from conftest import FakeGitHub

from taskloom.declarative import load_provider
from taskloom.declarative.errors import ReadError
from taskloom_testing.fake_api import Reply
from taskloom_testing.fake_api import Request

ISSUES_PATH = f"/repos/{REPO}/issues"


def expected_issue_ids(github: FakeGitHub) -> list[int]:
    return [
        i["id"]
        for i in sorted(github.issues, key=lambda i: (i["updated_at"], i["id"]))
        if "pull_request" not in i
    ]


def test_issues_every_record_once_in_order_with_token(github: FakeGitHub) -> None:
    """2,500 issues over 25 Link-paged pages: each non-PR issue once, in updated order, token on every request."""
    records = list(load_provider("github").records("issues", github.config()))
    assert [r["id"] for r in records] == expected_issue_ids(github)
    assert len(records) == 2250
    assert {r["repository"] for r in records} == {REPO}
    requests = github.api.requests_to(ISSUES_PATH)
    assert len(requests) == 25
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r in requests)
    assert all(r.arg("per_page") == "100" for r in requests)


def test_rate_limits_and_cut_connections_lose_nothing(github: FakeGitHub) -> None:
    """403 rate limit with X-RateLimit-Reset, 429 with Retry-After, a 502 and a cut body: still exactly once."""
    api = github.api
    limited = {
        "message": "API rate limit exceeded for user ID 1.",
        "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
    }
    reset = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()))}
    api.fault(ISSUES_PATH, at=2, status=403, headers=reset, body=limited)
    api.fault(ISSUES_PATH, at=5, status=429, headers={"Retry-After": "0"})
    api.fault(ISSUES_PATH, at=9, status=502)
    api.fault(ISSUES_PATH, at=14, cut=True)
    waits: list[float] = []
    source = load_provider("github")
    stream = source.stream("issues", source.prepare_config(github.config()), sleep=waits.append)
    records = [r for page in stream.read() for r in page.records]
    assert [r["id"] for r in records] == expected_issue_ids(github)
    assert len(api.requests_to(ISSUES_PATH)) == 25 + 4
    assert waits[0] == 1  # X-RateLimit-Reset is now: the manifest's min_wait
    assert waits[1] == 0  # Retry-After: 0


def test_rate_limit_message_in_body_is_retried_not_failed(github: FakeGitHub) -> None:
    """A 403 whose body says the rate limit is exceeded waits and retries (GitHub's secondary limits)."""
    calls: list[Request] = []

    def repo(req: Request) -> Reply:
        calls.append(req)
        if len(calls) == 1:
            return Reply.json(
                {"message": "You have exceeded a secondary rate limit"}, 403, {"Retry-After": "0"}
            )
        return Reply.json({"id": 1, "full_name": REPO})

    github.api.route(f"/repos/{REPO}", repo)
    assert [r["id"] for r in load_provider("github").records("repositories", github.config())] == [
        1
    ]


def test_bad_token_fails_with_the_fix_and_no_secret(github: FakeGitHub) -> None:
    """401 is not retried, says what to fix, and never prints the token."""
    ok, message = load_provider("github").check(github.config(token="ghp_wrongToken987654321"))
    assert not ok
    assert "put a valid personal access token in the connection's password" in message
    assert "ghp_wrongToken987654321" not in message
    assert len(github.api.requests) == 1


def test_issues_incremental_since(github: FakeGitHub) -> None:
    """The state is the newest updated_at; the next read sends it as since and gets only newer issues."""
    source = load_provider("github")
    reader = source.read("issues", github.config())
    assert sum(len(p.records) for p in reader) == 2250
    assert reader.state == {"updated_at": "2024-02-01T00:41:39Z"}
    github.issues[0]["updated_at"] = "2024-02-02T00:00:00Z"
    again = source.read("issues", github.config(), reader.state)
    ids = [r["id"] for p in again for r in p.records]
    assert ids == [
        1000 + 2499,
        1001,
    ]  # the boundary issue (since is inclusive), then the updated one
    assert github.api.requests_to(ISSUES_PATH)[-1].arg("since") == "2024-02-01T00:41:39Z"
    assert again.state == {"updated_at": "2024-02-02T00:00:00Z"}


def test_pull_requests_commits_and_repositories(github: FakeGitHub) -> None:
    """The other streams read their documented shapes."""
    source = load_provider("github")
    assert len(list(source.records("pull_requests", github.config()))) == 150
    commits = list(source.records("commits", github.config(start_date="2024-03-20T00:00:00Z")))
    assert {c["committed_at"] for c in commits} >= {"2024-03-20T00:00:00Z"}
    assert all(c["committed_at"] >= "2024-03-20T00:00:00Z" for c in commits)
    assert [r["full_name"] for r in source.records("repositories", github.config())] == [REPO]


def test_unknown_repository_fails_clearly(github: FakeGitHub) -> None:
    """A 404 names the fix."""
    with pytest.raises(ReadError, match="check the repository name"):
        list(
            load_provider("github").records(
                "repositories", github.config(repositories=["octo/missing"])
            )
        )
