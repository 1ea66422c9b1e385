"""One DAG, two runtimes: its first task runs in a Python provider's image (redis), its second
in a manifest-only provider's image (github), against services on 127.0.0.1, sharing one
metadata DB — as a deployment runs each task in the image its provider was tested on."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from conftest import run

import images

if TYPE_CHECKING:
    from taskloom_testing.fake_api import FakeAPI
    from taskloom_testing.fake_api import Request
    from taskloom_testing.redis import RedisServer

TOKEN = "ghp_imageTestToken0123456789"
REPOSITORY = "octo/hello"
DATE = "2026-01-02"

# Each task imports its provider inside its callable: the DAG file itself needs only core,
# so both images can load it (the redis image has no declarative runtime, and the github
# image no redis client).
DAG_FILE = '''
import datetime

from taskloom.decorators import task
from taskloom.models.dag import DAG

with DAG("cross_runtime", schedule=None, start_date=datetime.datetime(2026, 1, 1)) as dag:

    @task(task_id="pick_repository")
    def pick_repository() -> str:
        """In taskloom/provider-redis: which repository to load, kept in Redis."""
        from taskloom.providers.redis.hooks.redis import RedisHook

        return RedisHook("redis_default").get_conn().get("cross_runtime:repository").decode()

    @task(task_id="load_issues")
    def load_issues(repository: str) -> dict:
        """In taskloom/provider-github: read that repository's issues through the manifest."""
        from taskloom.declarative import load_provider
        from taskloom.declarative.providers import config_from_connection

        source = load_provider("github")
        config = {**config_from_connection("github_default", source), "repositories": [repository]}
        titles = [r["title"] for page in source.read("issues", config, None) for r in page.records]
        print(f"loaded {len(titles)} issues of {repository}")
        return {"repository": repository, "titles": titles}

    load_issues(pick_repository())
'''


def issue(n: int) -> dict[str, object]:
    return {
        "id": 1000 + n,
        "number": n,
        "title": f"Issue {n}",
        "state": "open",
        "user": {"login": "octocat", "id": 1},
        "labels": [],
        "comments": 0,
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": f"2026-01-01T00:00:{n:02d}Z",
        "closed_at": None,
        "body": f"body of {n}",
    }


@pytest.fixture
def github(fake_api: FakeAPI) -> FakeAPI:
    """GitHub's issues endpoint for REPOSITORY, behind a bearer token."""
    from taskloom_testing.fake_api import Reply

    def issues(req: Request) -> Reply:
        if req.headers.get("Authorization") != f"Bearer {TOKEN}":
            return Reply.json({"message": "Bad credentials"}, 401)
        return Reply.json([issue(n) for n in (1, 2, 3)])

    fake_api.route(f"/repos/{REPOSITORY}/issues", issues)
    return fake_api


@pytest.fixture
def home() -> Iterator[Path]:
    """TASKLOOM_HOME shared by the containers (writable by their user, uid 1000)."""
    path = Path(tempfile.mkdtemp(dir=images.STORE, prefix="dag-home-"))
    (path / "dags").mkdir()
    (path / "dags" / "cross_runtime.py").write_text(DAG_FILE)
    for sub in (path, path / "dags"):
        os.chmod(sub, 0o777)
    yield path
    shutil.rmtree(path)


def test_one_dag_runs_its_tasks_in_two_runtimes(
    built: dict[str, images.Built], redis_server: RedisServer, github: FakeAPI, home: Path
) -> None:
    import redis

    client = redis.Redis(
        host=redis_server.host, port=redis_server.port, password=redis_server.password
    )
    client.set("cross_runtime:repository", REPOSITORY)
    client.close()
    env = {
        "TASKLOOM_HOME": "/data",
        "TASKLOOM_DAGS_FOLDER": "/data/dags",
        "TASKLOOM_CONN_REDIS_DEFAULT": redis_server.uri(),
        "TASKLOOM_CONN_GITHUB_DEFAULT": json.dumps(
            {
                "conn_type": "github",
                "password": TOKEN,
                "extra": {"repositories": ["other/repo"], "api_url": github.url},
            }
        ),
    }
    redis_image = images.provider_ref(images.repo.by_key("redis"))
    github_image = images.provider_ref(images.repo.by_key("github"))
    options = {"volumes": (f"{home}:/data",), "env": env}

    run(
        redis_image,
        "taskloom",
        "dags",
        "trigger",
        "cross_runtime",
        "--logical-date",
        DATE,
        **options,
    )
    # Each task runs for real in its provider's image, as a worker would: its state, try,
    # log and XCom land in the shared metadata DB (the second task reads the first's XCom).
    first = run(
        redis_image,
        "taskloom",
        "tasks",
        "run",
        "cross_runtime",
        "pick_repository",
        DATE,
        **options,
    )
    assert "Task pick_repository: success (try 1)" in first.stdout
    second = run(
        github_image, "taskloom", "tasks", "run", "cross_runtime", "load_issues", DATE, **options
    )
    assert f"loaded 3 issues of {REPOSITORY}" in second.stdout
    assert "Task load_issues: success (try 1)" in second.stdout
    assert TOKEN not in second.stdout + second.stderr
    # The scheduler (in either image: the DAG file needs only core) sees both tasks done.
    run(github_image, "taskloom", "scheduler", "--once", **options)

    with sqlite3.connect(home / "taskloom.db") as db:
        states = dict(
            db.execute("SELECT task_id, state FROM task_instance WHERE dag_id = 'cross_runtime'")
        )
        tries = dict(
            db.execute(
                "SELECT task_id, try_number FROM task_instance WHERE dag_id = 'cross_runtime'"
            )
        )
        (returned,) = db.execute(
            "SELECT value FROM xcom WHERE dag_id = 'cross_runtime' AND task_id = 'load_issues' "
            "AND key = 'return_value'"
        ).fetchone()
        (run_state,) = db.execute(
            "SELECT state FROM dag_run WHERE dag_id = 'cross_runtime'"
        ).fetchone()
    assert states == {"pick_repository": "success", "load_issues": "success"}
    assert tries == {"pick_repository": 1, "load_issues": 1}  # the scheduler ran neither again
    assert json.loads(returned)["titles"] == ["Issue 1", "Issue 2", "Issue 3"]
    assert run_state == "success"
    assert [r.arg("per_page") is not None for r in github.requests] == [True]
    for task_id, image, line in (
        ("pick_repository", redis_image, "Returned value"),
        ("load_issues", github_image, f"loaded 3 issues of {REPOSITORY}"),
    ):
        log = run(image, "taskloom", "tasks", "logs", "cross_runtime", task_id, **options).stdout
        assert line in log, log
