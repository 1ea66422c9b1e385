"""The kept verdicts of the DAG file check: keyed so they are never wrong, shared between processes."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest

from taskloom import dag_file_verdicts
from taskloom.dag_file_processor import DagFileProcessorPool
from taskloom.dag_file_verdicts import PassedFiles
from taskloom.dag_file_verdicts import stamp

GOOD = """\
from datetime import datetime
from taskloom.models.dag import DAG
from taskloom.operators.empty import EmptyOperator

with DAG("good", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    EmptyOperator(task_id="a")
"""


@pytest.fixture(autouse=True)
def short_racy_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """The window in which a just-changed file is not kept, shortened from 2 s to keep tests fast."""
    monkeypatch.setattr(dag_file_verdicts, "RACY_SECONDS", 0.2)


def _old_file(path: Path, text: str = GOOD) -> Path:
    """Write ``path`` and wait out the window, as a DAG file not being edited now is."""
    path.write_text(text)
    time.sleep(0.3)
    return path


def test_a_pass_is_kept_between_instances_for_the_same_stamp(tmp_path: Path) -> None:
    cache = str(tmp_path / "cache" / "dag-files.json")
    dag = _old_file(tmp_path / "a.py")
    first = PassedFiles(cache, 30.0)
    assert not first.passed(str(dag), stamp(str(dag)))
    first.record(str(dag), stamp(str(dag)), ok=True)
    first.save()
    assert stat.S_IMODE(os.stat(cache).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(cache)).st_mode) == 0o700

    assert PassedFiles(cache, 30.0).passed(str(dag), stamp(str(dag)))
    # Another timeout, another verdict: a file that passed in 25 s may not pass in 5.
    assert not PassedFiles(cache, 5.0).passed(str(dag), stamp(str(dag)))


def test_failures_and_recent_files_are_not_kept(tmp_path: Path) -> None:
    cache = str(tmp_path / "dag-files.json")
    old = _old_file(tmp_path / "old.py")
    recent = tmp_path / "recent.py"
    recent.write_text(GOOD)
    verdicts = PassedFiles(cache, 30.0)
    verdicts.record(str(old), stamp(str(old)), ok=True)
    verdicts.record(str(recent), stamp(str(recent)), ok=True)
    verdicts.save()
    assert list(json.loads(Path(cache).read_text())["files"]) == [str(old)]

    verdicts = PassedFiles(cache, 30.0)
    verdicts.record(str(old), stamp(str(old)), ok=False)
    verdicts.save()
    assert json.loads(Path(cache).read_text())["files"] == {}
    assert not PassedFiles(cache, 30.0).passed(str(old), stamp(str(old)))


def test_save_merges_other_processes_verdicts_and_drops_changed_files(tmp_path: Path) -> None:
    cache = str(tmp_path / "dag-files.json")
    a, b, c = (_old_file(tmp_path / f"{name}.py") for name in "abc")
    one, other = PassedFiles(cache, 30.0), PassedFiles(cache, 30.0)
    one.record(str(a), stamp(str(a)), ok=True)
    one.record(str(c), stamp(str(c)), ok=True)
    one.save()
    _old_file(c, GOOD + "# edited\n")  # changed after its verdict
    other.record(str(b), stamp(str(b)), ok=True)
    other.save()
    assert sorted(json.loads(Path(cache).read_text())["files"]) == [str(a), str(b)]


def test_relative_and_absolute_paths_share_a_verdict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = str(tmp_path / "dag-files.json")
    dag = _old_file(tmp_path / "a.py")
    monkeypatch.chdir(tmp_path)
    verdicts = PassedFiles(cache, 30.0)
    verdicts.record("a.py", stamp("a.py"), ok=True)
    assert verdicts.passed(str(dag), stamp(str(dag)))


def test_pool_uses_the_verdicts_it_is_given(tmp_path: Path) -> None:
    """A pool with kept verdicts skips the child only for the unchanged files that passed."""
    cache = str(tmp_path / "dag-files.json")
    good = _old_file(tmp_path / "good.py")
    marker = tmp_path / "checked"
    probe = _old_file(
        tmp_path / "probe.py",
        "# dag\nimport multiprocessing, pathlib\n"
        "if multiprocessing.current_process().name == 'taskloom-dag-processor':\n"
        f"    pathlib.Path({str(marker)!r}).touch()\n",
    )
    with DagFileProcessorPool(1, timeout=10, passed=PassedFiles(cache, 10)) as pool:
        assert pool.check([good, probe]) == {}
    assert marker.exists()
    marker.unlink()
    with DagFileProcessorPool(1, timeout=10, passed=PassedFiles(cache, 10)) as pool:
        assert pool.check([good, probe]) == {}
    assert not marker.exists()
    _old_file(probe, probe.read_text() + "import os\nos._exit(0)\n")
    with DagFileProcessorPool(1, timeout=10, passed=PassedFiles(cache, 10)) as pool:
        errors = pool.check([good, probe])
    assert list(errors) == [str(probe)]
    assert "exit status 0" in errors[str(probe)]
