"""BashSensor: wait until a Bash command exits with 0."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping
from typing import Any

from taskloom.models.baseoperator import Context
from taskloom.operators.bash import context_to_environ
from taskloom.sensors.base import BaseSensorOperator


class BashSensor(BaseSensorOperator):
    """Run ``bash_command`` (templated) on every poke; done when it exits with 0.

    :param env: the command's environment (default: the worker's).
    :param output_encoding: how its output is decoded for the task log.
    """

    template_fields = ("bash_command", "env")

    def __init__(
        self,
        *,
        bash_command: str,
        env: Mapping[str, str] | None = None,
        output_encoding: str = "utf-8",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.bash_command = bash_command
        self.env = dict(env) if env is not None else None
        self.output_encoding = output_encoding

    def poke(self, context: Context) -> bool:
        env = dict(os.environ) if self.env is None else dict(self.env)
        env.update(context_to_environ(context))
        with tempfile.TemporaryDirectory(prefix="taskloom") as cwd:
            result = subprocess.run(
                ["bash", "-c", self.bash_command],
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                check=False,
                start_new_session=True,
            )
        log = self.task_log(context)
        for line in (
            (result.stdout + result.stderr).decode(self.output_encoding, "replace").splitlines()
        ):
            log.info("%s", line)
        log.info("Command exited with return code %d", result.returncode)
        return result.returncode == 0
