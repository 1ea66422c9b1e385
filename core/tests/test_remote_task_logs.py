"""Remote task logs: the handler a provider declares (``log_handlers``), chosen by
``[logging] remote_base_log_folder``, fed in chunks and whole, and read back from elsewhere.

The store is the fixture_good provider's ``fixture-dir://`` handler: a real folder, as a
share between machines would be (the S3 handler is tested in the amazon provider).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from provider_envs import install_into_site
from provider_envs import provider_site
from runtime_helpers import query
from runtime_helpers import run_cli

from taskloom.exceptions import ConfigurationError
from taskloom.exceptions import DuplicateProviderError
from taskloom.exceptions import NotFoundError
from taskloom.exceptions import ProviderNotFoundError
from taskloom.registry.info import ProviderInfo
from taskloom.registry.info import build_provider_info
from taskloom.registry.info import validate_provider_info
from taskloom.registry.registry import ProviderRegistry
from taskloom.utils.log import TaskLogWriter
from taskloom.utils.log import log_attempts
from taskloom.utils.log import log_path
from taskloom.utils.log import read_log
from taskloom.utils.log import relative_log_path
from taskloom.utils.log.handler import join_chunks
from taskloom.utils.log.remote import remote_handler

HANDLER = "taskloom.providers.fixture_good.log_store.DirLogHandler"


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The fixture_good provider installed (real dist-info metadata)."""
    for root in provider_site(tmp_path, monkeypatch):
        install_into_site(root, "good")
        yield root


@pytest.fixture
def store(site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Logs go to a fixture-dir:// store too, in 1-second chunks; returns the store's folder."""
    folder = tmp_path / "store"
    monkeypatch.setenv("TASKLOOM__LOGGING__REMOTE_BASE_LOG_FOLDER", f"fixture-dir://{folder}")
    monkeypatch.setenv("TASKLOOM__LOGGING__REMOTE_LOG_STREAM_INTERVAL", "1")
    return folder


def _another_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point this process at an empty log folder: only the remote store has the logs."""
    monkeypatch.setenv("TASKLOOM__LOGGING__BASE_LOG_FOLDER", str(tmp_path / "other-machine"))


# --- the contract and the registry -------------------------------------------------


def test_provider_json_declares_log_handlers_by_scheme() -> None:
    """log_handlers maps URL schemes to class paths; the schema refuses anything else."""
    document = {"id": "p", "name": "P", "description": "d", "log_handlers": {"s3": "a.b.C"}}
    validate_provider_info(document, source="provider.json", provider_id="p")
    info = build_provider_info(document)
    assert dict(info.log_handlers) == {"s3": "a.b.C"}
    assert ("log_handlers", "a.b.C") in info.declared_imports()
    assert info.to_dict()["log_handlers"] == {"s3": "a.b.C"}
    for bad in ({"S3": "a.b.C"}, {"s3": "NotDotted"}, ["a.b.C"]):
        with pytest.raises(Exception, match="log_handlers"):
            validate_provider_info(
                {**document, "log_handlers": bad}, source="provider.json", provider_id="p"
            )


def _info(provider_id: str, **log_handlers: str) -> ProviderInfo:
    return ProviderInfo(provider_id, provider_id, "d", log_handlers=log_handlers)


def test_a_scheme_is_served_by_one_provider() -> None:
    """A second provider declaring a scheme already served is refused, naming both."""
    registry = ProviderRegistry.for_testing(_info("alpha", store=HANDLER))
    with pytest.raises(DuplicateProviderError, match=r"'store' of provider 'beta'.*already served"):
        registry.register(_info("beta", store="taskloom.providers.beta.Handler"))


def test_an_unknown_scheme_names_what_to_install() -> None:
    """An unknown scheme lists the known ones; s3 names the amazon provider's distribution."""
    registry = ProviderRegistry.for_testing(_info("alpha", store=HANDLER))
    with pytest.raises(ProviderNotFoundError, match=r"pip install taskloom-provider-amazon"):
        registry.log_handler_class("s3")
    with pytest.raises(ProviderNotFoundError, match=r"known schemes: store\)"):
        registry.log_handler_class("gcs")


def test_the_handler_class_is_imported_only_when_asked(site: Path) -> None:
    """Discovery imports no handler; resolving the scheme imports that class alone."""
    import sys

    from taskloom.providers_manager import get_registry

    registry = get_registry()
    assert "taskloom.providers.fixture_good.log_store" not in sys.modules
    cls = registry.log_handler_class("fixture-dir")
    assert f"{cls.__module__}.{cls.__qualname__}" == HANDLER


def test_settings_that_cannot_be_used_say_how_to_fix_them(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not a URL, or a scheme no provider serves: one ConfigurationError naming the setting."""
    assert remote_handler() is None
    for value, message in (
        ("/just/a/folder", "is not a URL; write it as <scheme>://<place>"),
        ("nope://bucket", "no installed provider stores task logs at nope:// URLs"),
    ):
        monkeypatch.setenv("TASKLOOM__LOGGING__REMOTE_BASE_LOG_FOLDER", value)
        with pytest.raises(ConfigurationError, match=message):
            remote_handler()
    monkeypatch.setenv("TASKLOOM__LOGGING__REMOTE_BASE_LOG_FOLDER", "fixture-dir:///x")
    monkeypatch.setenv("TASKLOOM__LOGGING__REMOTE_LOG_STREAM_KIB", "0")
    writer = TaskLogWriter("d", "r", "t", 1)
    writer.close()
    text = log_path("d", "r", "t", 1).read_text()
    assert text.count("remote task log: could not store") == 1
    assert "remote_log_stream_kib (KiB) must be" in text


def test_join_chunks_drops_repeats_and_stops_at_a_gap() -> None:
    """Chunks join in offset order; an overlap is not repeated; nothing after a gap is placed."""
    assert join_chunks([(4, b"5678"), (0, b"1234")]) == b"12345678"
    assert join_chunks([(0, b"1234"), (2, b"3456")]) == b"123456"
    assert join_chunks([(0, b"12"), (5, b"6")]) == b"12"
    assert join_chunks([]) == b""


# --- writing and reading -------------------------------------------------------------


def test_a_running_log_is_stored_in_chunks_then_whole(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the writer is open its lines reach the store in chunks; close() stores the whole log."""
    from taskloom.utils.secrets_masker import mask_secret

    mask_secret("chunked-s3cret-value")
    writer = TaskLogWriter("d", "r", "t", 1)
    try:
        writer.logger.info("first line with chunked-s3cret-value")
        relative = relative_log_path("d", "r", "t", 1)
        chunks = store / (relative + ".chunks")
        deadline = time.monotonic() + 30

        def stored() -> bool:  # a chunk's file appears before its bytes are written
            return chunks.is_dir() and any(p.stat().st_size for p in chunks.iterdir())

        while not stored() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert stored(), "no chunk reached the store while running"
        _another_machine(tmp_path, monkeypatch)
        assert log_attempts("d", "r", "t") == [1]
        running = read_log("d", "r", "t", 1)
        assert running.endswith("INFO - first line with ***\n")
        writer.logger.info("last line")
    finally:
        writer.close()
    assert not chunks.exists()
    final = read_log("d", "r", "t", 1)
    assert final.startswith(running)
    assert final.endswith("INFO - last line\n")
    assert "chunked-s3cret-value" not in (store / relative).read_text()


def test_a_dag_run_is_read_back_from_the_store(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """After `dags test`, `tasks logs` on a machine without the files reads the store's copy."""
    dag_file = tmp_path / "say.py"
    dag_file.write_text(
        "from datetime import datetime\nfrom taskloom.models.dag import DAG\n"
        "from taskloom.operators.python import PythonOperator\n"
        "with DAG('say', start_date=datetime(2024, 1, 1)):\n"
        "    PythonOperator(task_id='hello', python_callable=lambda: print('hello from the task'))\n"
    )
    code, _, _ = run_cli(capsys, "dags", "test", "say", "-S", str(dag_file))
    assert code == 0
    run_id = query("SELECT run_id FROM dag_run")[0][0]
    local = log_path("say", run_id, "hello", 1).read_text()
    _another_machine(tmp_path, monkeypatch)
    code, out, _ = run_cli(capsys, "tasks", "logs", "say", "hello", run_id)
    assert code == 0
    assert out == local
    assert "hello from the task" in out
    code, _, err = run_cli(capsys, "tasks", "logs", "say", "hello", run_id, "--try", "2")
    assert code != 0
    assert "no try 2; tries with logs: 1" in err
    with pytest.raises(NotFoundError) as info:
        read_log("say", run_id, "hello", 2)
    message = str(info.value)
    assert str(tmp_path / "other-machine") in message
    assert f"fixture-dir://{store}/dag_id=say/run_id=" in message


def test_a_note_on_a_dead_try_keeps_the_remote_log(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """resume=True on a machine without the file starts from the store's copy, so the final
    upload holds the task's own lines and the scheduler's note."""
    writer = TaskLogWriter("d", "r", "t", 1)
    writer.logger.info("the task's own line")
    writer.close()
    _another_machine(tmp_path, monkeypatch)
    note = TaskLogWriter("d", "r", "t", 1, resume=True)
    note.logger.error("Task died: killed")
    note.close()
    text = (store / relative_log_path("d", "r", "t", 1)).read_text()
    assert "the task's own line" in text
    assert text.index("the task's own line") < text.index("Task died: killed")


def test_a_store_that_fails_changes_no_outcome(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A store that cannot be written: the task succeeds, its local log ends with one line."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("TASKLOOM__LOGGING__REMOTE_BASE_LOG_FOLDER", f"fixture-dir://{blocker}/logs")
    dag_file = tmp_path / "ok.py"
    dag_file.write_text(
        "from datetime import datetime\nfrom taskloom.models.dag import DAG\n"
        "from taskloom.operators.python import PythonOperator\n"
        "with DAG('ok', start_date=datetime(2024, 1, 1)):\n"
        "    PythonOperator(task_id='fine', python_callable=lambda: 1)\n"
    )
    code, out, _ = run_cli(capsys, "dags", "test", "ok", "-S", str(dag_file))
    assert code == 0, out
    run_id = query("SELECT run_id FROM dag_run")[0][0]
    text = log_path("ok", run_id, "fine", 1).read_text()
    lines = [line for line in text.splitlines() if "remote task log:" in line]
    assert len(lines) == 1, text
    assert f"could not store fixture-dir://{blocker}/logs/dag_id=ok/" in lines[0]
    assert "Not a directory" in lines[0]
    assert "the log stays on this machine at " in lines[0]
    assert "Marked fine as success" in text


def test_a_chunk_that_fails_is_reported_once(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A failing chunk upload stops the chunks; the final upload fails too, yet one line is
    written to the task log and one to the ``taskloom.task`` logger, after the try."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("TASKLOOM__LOGGING__REMOTE_BASE_LOG_FOLDER", f"fixture-dir://{blocker}")
    monkeypatch.setenv("TASKLOOM__LOGGING__REMOTE_LOG_STREAM_INTERVAL", "1")
    writer = TaskLogWriter("d", "r", "t", 1)
    try:
        writer.logger.info("a line to upload")
        deadline = time.monotonic() + 30
        while "remote task log:" not in log_path("d", "r", "t", 1).read_text():
            assert time.monotonic() < deadline, "the failed chunk was never reported"
            time.sleep(0.1)
        assert not [r for r in caplog.records if r.name == "taskloom.task"], "reported too early"
        writer.logger.info("the task goes on")
    finally:
        writer.close()
    text = log_path("d", "r", "t", 1).read_text()
    assert text.count("remote task log:") == 1, text
    assert "ERROR - remote task log: could not store fixture-dir://" in text
    assert "INFO - the task goes on" in text
    reported = [r.getMessage() for r in caplog.records if r.name == "taskloom.task"]
    assert len(reported) == 1
    assert reported[0].startswith("remote task log: could not store")
