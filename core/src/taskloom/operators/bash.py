"""BashOperator: run a templated Bash command; its last line of output is the task's XCom.

The command runs in its own process group (``start_new_session``), so a timeout, a failed
task or a stopped worker kills the whole group -- ``sleep`` children and pipelines included
-- instead of leaving orphans behind.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import warnings
from collections.abc import Iterator
from collections.abc import Mapping
from typing import Any

from taskloom.exceptions import TaskloomError
from taskloom.exceptions import TaskloomFailException
from taskloom.exceptions import TaskloomSkipException
from taskloom.models.baseoperator import BaseOperator
from taskloom.models.baseoperator import Context
from taskloom.models.dag_context import user_stacklevel

#: Seconds a process group gets between SIGTERM and SIGKILL.
KILL_GRACE_SECONDS = 5.0
_NOT_GIVEN: Any = object()


class BashCommandError(TaskloomError):
    """The command exited with a non-zero code (the task is retried if it has retries left)."""


class TaskStoppedError(TaskloomError):
    """The worker running a Bash command was asked to stop (SIGTERM)."""


def context_to_environ(context: Context) -> dict[str, str]:
    """``TASKLOOM_CTX_*`` variables a command can read (Airflow's ``AIRFLOW_CTX_*``)."""
    ti = context.get("ti")
    values = {
        "TASKLOOM_CTX_DAG_ID": getattr(context.get("dag"), "dag_id", None),
        "TASKLOOM_CTX_TASK_ID": getattr(context.get("task"), "task_id", None),
        "TASKLOOM_CTX_RUN_ID": context.get("run_id"),
        "TASKLOOM_CTX_LOGICAL_DATE": context.get("ts"),
        "TASKLOOM_CTX_TRY_NUMBER": getattr(ti, "try_number", None),
    }
    return {k: str(v) for k, v in values.items() if v is not None}


@contextlib.contextmanager
def _stop_on_sigterm(task_id: str) -> Iterator[None]:
    """Turn SIGTERM into an exception while the command runs, so the group is killed too."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _stopped(signum: int, frame: object) -> None:
        raise TaskStoppedError(f"task {task_id!r} was stopped (SIGTERM); its command was killed")

    previous = signal.signal(signal.SIGTERM, _stopped)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def kill_process_group(process: subprocess.Popen[bytes], grace: float = KILL_GRACE_SECONDS) -> None:
    """SIGTERM the process group of ``process``, then SIGKILL it if it is still there."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


class BashOperator(BaseOperator):
    """Run ``bash_command`` with ``bash -c``.

    :param bash_command: the command (templated); a value ending in ``.sh`` or ``.bash`` is
        the name of a template file beside the DAG file (add a space after it to run it as
        a plain command instead).
    :param env: the environment of the command (templated); when not given, the worker's.
    :param append_env: add ``env`` to the worker's environment instead of replacing it.
    :param output_encoding: how the command's output is decoded.
    :param skip_exit_code: exit code that marks the task skipped instead of failed (99);
        ``None`` turns it off.
    :param cwd: working folder; by default a fresh temporary folder, removed afterwards.
    :param xcom_push: 1.x spelling of ``do_xcom_push`` (deprecated).

    Any other non-zero exit code fails the task.  The last line of output is pushed as the
    task's XCom (``do_xcom_push=False`` turns it off).
    """

    template_fields = ("bash_command", "env", "cwd")
    template_fields_renderers = {"bash_command": "bash", "env": "json"}
    template_ext = (".sh", ".bash")
    ui_color = "#f0ede4"

    def __init__(
        self,
        *,
        bash_command: str,
        env: Mapping[str, str] | None = None,
        append_env: bool = False,
        output_encoding: str = "utf-8",
        skip_exit_code: int | None = 99,
        cwd: str | None = None,
        xcom_push: Any = _NOT_GIVEN,
        **kwargs: Any,
    ) -> None:
        if xcom_push is not _NOT_GIVEN:
            warnings.warn(
                "BashOperator(xcom_push=...) is deprecated and will be removed in taskloom 3.0; "
                "use do_xcom_push=... instead",
                DeprecationWarning,
                stacklevel=user_stacklevel(),
            )
            kwargs.setdefault("do_xcom_push", bool(xcom_push))
        super().__init__(**kwargs)
        if not isinstance(bash_command, str) or not bash_command.strip():
            raise TypeError(
                f"task {self.task_id!r}: bash_command must be a non-empty string, got {bash_command!r}"
            )
        self.bash_command = bash_command
        self.env = dict(env) if env is not None else None
        self.append_env = append_env
        self.output_encoding = output_encoding
        self.skip_exit_code = skip_exit_code
        self.cwd = cwd

    def _environment(self, context: Context) -> dict[str, str]:
        env = dict(os.environ) if self.env is None or self.append_env else {}
        env.update(self.env or {})
        env.update(context_to_environ(context))
        return env

    def execute(self, context: Context) -> Any:
        bash = shutil.which("bash")
        if bash is None:
            raise TaskloomFailException(
                f"task {self.task_id!r}: bash is not on PATH; install bash on the worker"
            )
        if self.cwd is not None and not os.path.isdir(self.cwd):
            raise TaskloomFailException(
                f"task {self.task_id!r}: cwd {self.cwd!r} is not an existing folder"
            )
        log = self.task_log(context)
        with contextlib.ExitStack() as stack:
            cwd = self.cwd or stack.enter_context(tempfile.TemporaryDirectory(prefix="taskloom"))
            log.info("Running command: %s", self.bash_command)
            process = stack.enter_context(
                subprocess.Popen(
                    [bash, "-c", self.bash_command],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    cwd=cwd,
                    env=self._environment(context),
                    start_new_session=True,
                )
            )
            try:
                with _stop_on_sigterm(self.task_id):
                    last_line = self._follow(process, log)
            except BaseException:
                # Timeout, SIGTERM, Ctrl-C: nothing of the command may outlive the task.
                kill_process_group(process)
                raise
            code = process.wait()
        log.info("Command exited with return code %d", code)
        if self.skip_exit_code is not None and code == self.skip_exit_code:
            raise TaskloomSkipException(f"command exited with {code} (skip_exit_code)")
        if code != 0:
            raise BashCommandError(
                f"task {self.task_id!r}: bash command failed with exit code {code}"
            )
        return last_line if self.do_xcom_push else None

    def _follow(self, process: subprocess.Popen[bytes], log: logging.Logger) -> str:
        """Log the command's output line by line; return its last line."""
        last_line = ""
        assert process.stdout is not None
        for raw in iter(process.stdout.readline, b""):
            last_line = raw.decode(self.output_encoding, errors="backslashreplace").rstrip("\n")
            log.info("%s", last_line)
        return last_line
