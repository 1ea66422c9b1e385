"""The UI in a real browser: Debian's Chromium driven by Playwright (no browser download),
against a real server, with a real scheduler rerunning what the user clears.

Screenshots of the main pages are written to ``$TASKLOOM_ARTEFACTS/screenshots`` (or the
test's temporary folder) for people to look at.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from conftest import PASSWORD
from conftest import Deployment
from conftest import make_deployment
from conftest import run_id_of
from conftest import stop
from playwright.sync_api import Browser
from playwright.sync_api import Page
from playwright.sync_api import expect
from playwright.sync_api import sync_playwright

from taskloom_testing.servers import require_binary

#: How long the scheduler may take to rerun a cleared task (it starts, parses, runs).
RERUN_TIMEOUT_MS = 90_000


def chromium_path() -> str:
    """Debian's Chromium binary (the ``chromium`` package; ``tools/servers.py`` installs it)."""
    real = Path("/usr/lib/chromium/chromium")  # the binary behind Debian's wrapper script
    if real.is_file():
        return str(real)
    return require_binary("chromium", debian_package="chromium")


@pytest.fixture(scope="module")
def ui_deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """A deployment of its own: these tests run the scheduler, which changes states."""
    made = make_deployment(tmp_path_factory.mktemp("web-browser"), "sqlite", None)
    try:
        yield made
    finally:
        stop(made.process)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path(),
            # Root in a container has no user namespace for Chromium's sandbox.
            args=["--no-sandbox"] if os.geteuid() == 0 else [],
        )
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = os.environ.get("TASKLOOM_ARTEFACTS")
    folder = Path(root) / "screenshots" if root else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page(browser: Browser, ui_deployment: Deployment) -> Iterator[Page]:
    context = browser.new_context(
        base_url=ui_deployment.url, viewport={"width": 1280, "height": 800}
    )
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    yield opened
    context.close()
    assert errors == [], f"JavaScript errors on the pages: {errors}"


@pytest.fixture
def scheduler(ui_deployment: Deployment) -> Iterator[subprocess.Popen[bytes]]:
    """``taskloom scheduler`` running against the deployment until the test ends."""
    log = (ui_deployment.home / "scheduler.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "taskloom", "scheduler"],
        env=ui_deployment.env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    yield process
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def log_in(page: Page, username: str) -> None:
    page.goto("/")
    expect(page).to_have_url("/login?next=%2F")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_contain_text("DAGs")


def test_clear_a_failed_task_and_watch_the_scheduler_rerun_it(
    page: Page, ui_deployment: Deployment, scheduler: subprocess.Popen[bytes], screenshots: Path
) -> None:
    """Log in, find the failed run in the grid, read the task's log, clear it, and see the
    scheduler's rerun succeed on the same page."""
    log_in(page, "operator")
    expect(page.locator("table.dags")).to_contain_text("web_flaky")
    page.screenshot(path=screenshots / "dag-list.png", full_page=True)

    page.click("text=web_flaky")
    failed = page.locator("tr[data-task=flaky] a.cell[data-state=failed]")
    expect(failed).to_have_count(1)
    page.screenshot(path=screenshots / "grid.png", full_page=True)
    failed.click()

    expect(page.locator("#ti-state")).to_have_text("failed")
    expect(page.locator("#log")).to_contain_text("first try fails on purpose")
    expect(page.locator("#report-provider")).to_contain_text("https://")
    page.screenshot(path=screenshots / "task-failed.png", full_page=True)

    page.click("#clear-button")
    expect(page.locator("#ti-state")).not_to_have_text("failed")
    # The page polls: the new try's log and state appear without the user reloading.
    expect(page.locator("#ti-state")).to_have_text("success", timeout=RERUN_TIMEOUT_MS)
    expect(page.locator("#log")).to_contain_text("second try works", timeout=RERUN_TIMEOUT_MS)
    expect(page.locator("nav.tabs a.current")).to_have_text("try 2")
    page.screenshot(path=screenshots / "task-rerun-success.png", full_page=True)

    health = httpx.get(f"{ui_deployment.url}/api/v1/health").json()
    assert health["scheduler"]["status"] == "healthy", health
    assert health["scheduler"]["heartbeat_age_seconds"] < 30


def test_trigger_a_run_with_a_param_from_the_form(
    page: Page, ui_deployment: Deployment, scheduler: subprocess.Popen[bytes], screenshots: Path
) -> None:
    """The trigger form is built from the DAG's params; a bad value is refused with the
    param's rule, a good one queues a run the scheduler completes with that conf."""
    log_in(page, "operator")
    page.goto("/dags/web_params/trigger")
    expect(page.locator("input[name='param.n']")).to_have_value("3")
    page.screenshot(path=screenshots / "trigger-form.png", full_page=True)

    page.fill("input[name='param.n']", "0")
    page.click("#trigger-form button[type=submit]")
    expect(page.locator("#trigger-error")).to_contain_text("param 'n'")
    page.fill("input[name='param.n']", "many")
    page.click("#trigger-form button[type=submit]")
    expect(page.locator("#trigger-error")).to_contain_text(
        "'many' is not a JSON value of type integer"
    )

    page.fill("input[name='param.n']", "21")
    page.select_option("select[name='param.mode']", "slow")
    page.click("#trigger-form button[type=submit]")
    expect(page.locator("p.notice")).to_contain_text("Queued run")
    run_id = page.url.split("triggered=")[1]

    with ui_deployment.api("viewer") as api:
        path = f"/api/v1/dags/web_params/dagRuns/{run_id}"
        assert api.get(path).json()["conf"] == {"n": 21, "mode": "slow"}
        deadline = time.monotonic() + RERUN_TIMEOUT_MS / 1000
        while api.get(path).json()["state"] != "success":
            assert time.monotonic() < deadline, "the scheduler did not finish the triggered run"
            time.sleep(0.5)
        xcoms = api.get(f"{path}/taskInstances/double/xcoms").json()["items"]
    assert xcoms[0]["value"] == 42


def test_graph_pages_and_escaping_in_the_browser(
    page: Page, ui_deployment: Deployment, screenshots: Path
) -> None:
    """The graph is drawn; a <script> a DAG author wrote runs nowhere (the title stays ours)."""
    log_in(page, "viewer")
    page.goto("/dags/web_failing/graph")
    expect(page.locator("svg.graph g.node")).to_have_count(3)
    expect(page.locator("svg.graph line.edge")).to_have_count(2)
    page.screenshot(path=screenshots / "graph.png", full_page=True)
    page.goto("/dags/web_failing")
    expect(page.locator("pre.doc-md")).to_contain_text(
        "<script>document.title='pwned-doc'</script>"
    )
    assert page.title() == "web_failing · taskloom"
    run = ui_deployment.runs["web_failing"]
    page.goto(f"/dags/web_failing/runs/{quote(run, safe='')}/tasks/load")
    expect(page.locator("#log")).to_contain_text("pwned-log")
    assert page.title() == "load · web_failing · taskloom"
    page.goto("/providers")
    expect(page.locator("a.feedback").first).to_have_attribute(
        "href", "https://github.com/taskloom/taskloom/issues/new?labels=core"
    )
    page.screenshot(path=screenshots / "providers.png", full_page=True)
    shots = sorted(p.name for p in screenshots.iterdir())
    assert {"graph.png", "providers.png"} <= set(shots)
    assert all((screenshots / name).stat().st_size > 5000 for name in shots)


def test_a_long_log_is_shown_whole(page: Page, ui_deployment: Deployment) -> None:
    """A finished task's log longer than one piece is read to its end by the page."""
    out = ui_deployment.cli("dags", "test", "web_chatty").stdout
    run_id = run_id_of(out)
    log_in(page, "viewer")
    page.goto(f"/dags/web_chatty/runs/{quote(run_id, safe='')}/tasks/chatter")
    expect(page.locator("#log")).to_contain_text("the last line of the log")
    expect(page.locator("#log")).to_contain_text("Marked chatter as success")
    text = page.locator("#log").text_content() or ""
    assert text.count(" - line ") == 6000
