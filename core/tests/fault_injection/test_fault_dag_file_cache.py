"""S1 with the kept verdicts: a DAG file that passed is checked again in a child as soon as it changes."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest

from taskloom.dag_file_verdicts import RACY_SECONDS
from taskloom_testing.cli import run_taskloom

#: A good DAG that leaves a mark when a child process (not the CLI itself) imports it.
MARKING = """\
import multiprocessing
import pathlib
from datetime import datetime
from taskloom.models.dag import DAG
from taskloom.operators.empty import EmptyOperator

if multiprocessing.current_process().name == "taskloom-dag-processor":
    pathlib.Path(__file__).with_suffix(".checked").touch()

with DAG("good", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    EmptyOperator(task_id="a")
"""


@pytest.fixture
def dag_file(taskloom_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = taskloom_home / "dags"
    folder.mkdir(parents=True)
    path = folder / "good.py"
    path.write_text(MARKING)
    _settle(path)
    monkeypatch.setenv("TASKLOOM__CORE__DAGBAG_IMPORT_TIMEOUT", "5")
    return path


def _settle(path: Path) -> None:
    """Wait until ``path`` is no longer "just changed" (only then are its passes kept)."""
    st = path.stat()
    changed = max(st.st_mtime_ns, st.st_ctime_ns) / 1e9
    time.sleep(max(0.0, changed + RACY_SECONDS + 0.1 - time.time()))


def _listed() -> tuple[list[str], str]:
    result = run_taskloom("dags", "list", "-o", "json", timeout=60)
    assert result.returncode in (0, 1), result.stderr
    return [row["dag_id"] for row in json.loads(result.stdout or "[]")], result.stderr


def _cache_files(home: Path) -> list[Path]:
    return sorted((home / "cache").glob("dag-files-*.json"))


def _checked_in_child(dag_file: Path) -> bool:
    marker = dag_file.with_suffix(".checked")
    seen = marker.exists()
    marker.unlink(missing_ok=True)
    return seen


def test_unchanged_file_is_not_checked_again_by_the_next_command(
    dag_file: Path, taskloom_home: Path
) -> None:
    assert _listed()[0] == ["good"]
    assert _checked_in_child(dag_file)
    (cache,) = _cache_files(taskloom_home)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.parent.stat().st_mode) == 0o700
    assert str(dag_file) in json.loads(cache.read_text())["files"]

    assert _listed()[0] == ["good"]
    assert not _checked_in_child(dag_file)


@pytest.mark.parametrize(
    ("keep_size", "restore_mtime"),
    [(False, False), (True, False), (True, True)],
    ids=["size-changes", "same-size", "same-size-and-mtime"],
)
def test_good_file_edited_to_exit_is_caught(
    dag_file: Path,
    taskloom_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    keep_size: bool,
    restore_mtime: bool,
) -> None:
    """A file kept as passed, then edited in place to os._exit(0): caught by its new size, its
    new mtime, or (mtime set back, as `cp -p` or `tar` do) its inode's change time."""
    if restore_mtime:
        # Python's own bytecode cache trusts size and whole-second mtime: with a .pyc it
        # would run the old code, in the child and here alike.
        monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    assert _listed()[0] == ["good"]
    assert _checked_in_child(dag_file)
    original = dag_file.read_bytes()
    exiting = b"# dag\nimport os\nos._exit(0)\n"
    if keep_size:
        exiting = exiting.ljust(len(original), b"#")
        assert len(exiting) == len(original)
    before = os.stat(dag_file)
    with open(dag_file, "r+b") as fh:  # in place: same inode
        fh.write(exiting)
        fh.truncate()
    if restore_mtime:
        os.utime(dag_file, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(dag_file)
    assert after.st_ino == before.st_ino
    assert (after.st_size == before.st_size) is keep_size
    assert (after.st_mtime_ns == before.st_mtime_ns) is restore_mtime

    dags, err = _listed()
    assert dags == []
    assert "good.py" in err
    assert "exit status 0" in err
    (cache,) = _cache_files(taskloom_home)
    assert str(dag_file) not in json.loads(cache.read_text())["files"]


def test_recently_edited_file_is_not_kept(dag_file: Path, taskloom_home: Path) -> None:
    """A file changed within the timestamp resolution window is checked every time."""
    dag_file.write_text(MARKING + "\n")  # changed now
    for _ in range(2):
        assert _listed()[0] == ["good"]
        assert _checked_in_child(dag_file)


@pytest.mark.parametrize(
    "content",
    [b"\x00\xffnot json", b"[]", b'{"header": {"format": 999}, "files": {}}', b'{"files": 3}'],
    ids=["garbage", "list", "foreign-header", "no-header"],
)
def test_corrupt_or_foreign_cache_is_ignored_and_replaced(
    dag_file: Path, taskloom_home: Path, content: bytes
) -> None:
    assert _listed()[0] == ["good"]
    (cache,) = _cache_files(taskloom_home)
    cache.write_bytes(content)
    _checked_in_child(dag_file)

    assert _listed()[0] == ["good"]
    assert _checked_in_child(dag_file)
    assert str(dag_file) in json.loads(cache.read_text())["files"]


def test_forged_verdict_for_another_stamp_is_not_trusted(
    dag_file: Path, taskloom_home: Path
) -> None:
    """An entry whose stamp is not the file's (a hand-edited cache) does not skip the check."""
    assert _listed()[0] == ["good"]
    (cache,) = _cache_files(taskloom_home)
    content = json.loads(cache.read_text())
    content["files"][str(dag_file)][1] += 1
    cache.write_text(json.dumps(content))
    dag_file.write_bytes(b"# dag\nimport os\nos._exit(0)\n")

    dags, err = _listed()
    assert dags == []
    assert "exit status 0" in err


def test_unwritable_cache_folder_costs_speed_not_the_command(
    dag_file: Path, taskloom_home: Path
) -> None:
    """The cache folder cannot be made (a file is in its place): commands work, every file is checked."""
    (taskloom_home / "cache").write_text("in the way")
    for _ in range(2):
        assert _listed()[0] == ["good"]
        assert _checked_in_child(dag_file)
    (dag_file.parent / "exiting.py").write_text("# dag\nimport os\nos._exit(0)\n")
    dags, err = _listed()
    assert dags == ["good"]
    assert "exiting.py" in err


def test_a_changed_import_timeout_checks_again(
    dag_file: Path, taskloom_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A verdict reached under one timeout says nothing under a shorter one."""
    assert _listed()[0] == ["good"]
    assert _checked_in_child(dag_file)
    monkeypatch.setenv("TASKLOOM__CORE__DAGBAG_IMPORT_TIMEOUT", "4")
    assert _listed()[0] == ["good"]
    assert _checked_in_child(dag_file)
