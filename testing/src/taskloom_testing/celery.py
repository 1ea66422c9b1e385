"""Celery deployments on one machine for the celery provider's tests and the benchmark.

- :class:`Broker`: a ``redis-server`` on 127.0.0.1 with an append-only file synced on every
  write, so it can be killed and restarted on the same port without losing a message
  (``restart()``), as a production broker is configured.
- :class:`Worker`: ``taskloom celery worker`` in its own process group, with its own
  ``TASKLOOM_HOME`` (as on another machine) and the shared metadata DB (SQLite file or
  PostgreSQL, by URL); ``kill()`` sends a
  signal to the whole worker, ``kill_task_process()`` to one of its task processes.
- :func:`deployment_env`: the environment every process of a deployment shares.

Nothing here imports Celery: the processes do.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import pytest

from taskloom_testing.servers import free_port
from taskloom_testing.servers import require_binary
from taskloom_testing.servers import wait_for_port

HOST = "127.0.0.1"


class Broker:
    """A restartable, persistent ``redis-server`` (see the module docstring)."""

    def __init__(self, directory: Path, *, appendfsync: str = "always") -> None:
        self.directory = directory
        #: ``always``: nothing acknowledged is lost, even to ``kill -9``; ``everysec``:
        #: what production setups use, up to a second of writes lost to a crash.
        self.appendfsync = appendfsync
        self.port = free_port()
        self._binary = require_binary("redis-server", debian_package="redis-server")
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The broker URL (database 0)."""
        return f"redis://{HOST}:{self.port}/0"

    def start(self) -> None:
        """Start the server (again) and wait until it accepts connections."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self._process = subprocess.Popen(
            [
                self._binary,
                "--bind",
                HOST,
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                self.appendfsync,
                "--dir",
                str(self.directory),
                "--logfile",
                "redis.log",
                "--daemonize",
                "no",
            ],
            cwd=self.directory,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, host=HOST, timeout=20)

    def stop(self, sig: int = signal.SIGKILL) -> None:
        """Stop the server with ``sig`` (default: ``kill -9``) and wait until it is gone."""
        if self._process is not None:
            self._process.send_signal(sig)
            self._process.wait(timeout=20)
            self._process = None

    def restart(self, down_for: float = 0.0) -> None:
        """``kill -9`` the server, wait ``down_for`` seconds, and start it on the same port."""
        self.stop()
        time.sleep(down_for)
        self.start()


class RabbitBroker:
    """A RabbitMQ node (Debian's ``rabbitmq-server``) of its own on 127.0.0.1: its own node
    name, ports, Erlang port mapper and data folder, so it never meets a system one."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port, self.dist_port, self.epmd_port = free_port(), free_port(), free_port()
        # The script itself, not Debian's /usr/sbin wrapper, which would run the node as the
        # rabbitmq user (it could not write the test's private folder).
        direct = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
        self._binary = (
            str(direct)
            if direct.is_file()
            else require_binary("rabbitmq-server", debian_package="rabbitmq-server")
        )
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The broker URL (the ``guest`` user, which RabbitMQ accepts from loopback only)."""
        return f"amqp://guest:guest@{HOST}:{self.port}//"

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "HOME": str(self.directory),
            "RABBITMQ_NODENAME": f"taskloom{self.port}@localhost",
            "RABBITMQ_NODE_IP_ADDRESS": HOST,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "ERL_EPMD_PORT": str(self.epmd_port),
            "ERL_EPMD_ADDRESS": HOST,
            "RABBITMQ_MNESIA_BASE": str(self.directory / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.directory / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.directory / "enabled_plugins"),
            "RABBITMQ_FEATURE_FLAGS_FILE": str(self.directory / "feature_flags"),
            "RABBITMQ_CONFIG_FILES": str(self.directory / "conf.d"),
        }

    def start(self) -> None:
        """Start the node and wait until it accepts AMQP connections (about 10 s)."""
        for folder in ("conf.d", "mnesia", "log"):
            (self.directory / folder).mkdir(parents=True, exist_ok=True)
        (self.directory / "enabled_plugins").write_text("[].\n")
        with (self.directory / "server.log").open("wb") as log:
            self._process = subprocess.Popen(
                [self._binary],
                env=self._env(),
                cwd=self.directory,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait_for_port(self.port, host=HOST, timeout=90)
        except pytest.fail.Exception:
            self.stop()
            log = (self.directory / "server.log").read_text(errors="replace")[-3000:]
            pytest.fail(
                f"rabbitmq-server did not start on {HOST}:{self.port}; its log ends:\n{log}"
            )

    def stop(self) -> None:
        """Stop the node and its Erlang port mapper (both in the node's process group)."""
        if self._process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()
            # The port mapper daemonizes out of the group: ask it to go.
            subprocess.run(
                ["epmd", "-port", str(self.epmd_port), "-kill"],
                env=self._env(),
                capture_output=True,
                check=False,
                timeout=10,
            )
            self._process = None


def deployment_env(
    *, broker: Broker, database_url: str, home: Path, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of one process of a deployment: its own home, the shared metadata
    DB (``[database] url``) and the broker."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TASKLOOM") or k.startswith("TASKLOOM_TEST_")
    }
    env.update(
        TASKLOOM_HOME=str(home),
        TASKLOOM__DATABASE__URL=database_url,
        TASKLOOM__CORE__EXECUTOR="celery",
        TASKLOOM__CELERY__BROKER_URL=broker.url,
        PYTHONUNBUFFERED="1",
    )
    env.update(extra or {})
    return env


def taskloom_command() -> list[str]:
    """``taskloom`` of this Python's environment."""
    return [sys.executable, "-m", "taskloom"]


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()]


class Worker:
    """A ``taskloom celery worker`` process (see the module docstring)."""

    def __init__(
        self,
        name: str,
        env: Mapping[str, str],
        *,
        queues: str = "default",
        concurrency: int = 2,
    ) -> None:
        self.name = name
        self.log_path = Path(env["TASKLOOM_HOME"]) / f"worker-{name}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    *taskloom_command(),
                    "celery",
                    "worker",
                    "--queues",
                    queues,
                    "--concurrency",
                    str(concurrency),
                    "--name",
                    f"{name}@{HOST}",
                ],
                env=dict(env),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Block until the worker consumes from the broker, or fail with its log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.log_path.read_text(errors="replace"):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        pytest.fail(f"worker {self.name} did not start; its log:\n{self.log()}")

    def log(self) -> str:
        """What the worker printed."""
        return self.log_path.read_text(errors="replace")

    def task_process_ids(self) -> list[int]:
        """The PIDs of the worker's task (pool) processes: the children of the Celery worker
        process, which ``taskloom celery worker`` supervises."""
        return [pid for celery in _children(self.process.pid) for pid in _children(celery)]

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to the whole worker (its process group) and reap it."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)
        self.process.wait(timeout=60)

    def stop(self) -> None:
        """Stop the worker: a warm shutdown (SIGTERM to the main process only, which lets
        running tasks finish), then ``kill -9`` if it lingers."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()
        else:
            # Its task processes may outlive a killed main process.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
