"""PythonVirtualenvOperator: run a function in a fresh virtual environment.

The environment is made with the standard library's :mod:`venv` for each try, and
``requirements`` are installed into it with pip (``pip_install_options`` or the usual
``PIP_*`` variables point pip at a private index or a folder of wheels).  The function's
source is run there, so it must be a plain ``def`` whose imports are inside its body; its
arguments and return value travel with :mod:`pickle`.
"""

from __future__ import annotations

import inspect
import os
import pickle
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from taskloom.exceptions import TaskloomError
from taskloom.exceptions import TaskloomFailException
from taskloom.models.baseoperator import Context
from taskloom.operators.python import PythonOperator

_RUNNER = """
import pickle, sys
with open(sys.argv[1], "rb") as fh:
    args, kwargs = pickle.load(fh)
result = {name}(*args, **kwargs)
with open(sys.argv[2], "wb") as fh:
    pickle.dump(result, fh)
"""


class VirtualenvError(TaskloomError):
    """Making the environment, installing the requirements or running the function failed."""


class PythonVirtualenvOperator(PythonOperator):
    """Call ``python_callable(*op_args, **op_kwargs)`` in a new virtual environment.

    :param requirements: pip requirement specifiers (a list, or one per line).
    :param python_version: run under ``python<version>`` (e.g. ``"3.12"``) instead of the
        worker's interpreter; it must be on PATH.
    :param system_site_packages: let the environment see the worker's installed packages.
    :param pip_install_options: extra pip options, e.g. ``["--no-index", "--find-links", dir]``.
    :param use_dill: not supported (``pickle`` is used); ``True`` is an error.
    :param string_args: strings the function can read from the global
        ``virtualenv_string_args`` (as in Airflow).
    """

    template_fields: Sequence[str] = ("requirements", "op_args", "op_kwargs", "templates_dict")

    def __init__(
        self,
        *,
        python_callable: Callable[..., Any],
        requirements: Sequence[str] | str | None = None,
        python_version: str | None = None,
        system_site_packages: bool = True,
        pip_install_options: Sequence[str] | None = None,
        use_dill: bool = False,
        string_args: Sequence[str] | None = None,
        op_args: Sequence[Any] | None = None,
        op_kwargs: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            python_callable=python_callable, op_args=op_args, op_kwargs=op_kwargs, **kwargs
        )
        if use_dill:
            raise TypeError(
                f"task {self.task_id!r}: use_dill=True is not supported; arguments and the "
                "return value travel with pickle"
            )
        if not inspect.isfunction(python_callable) or python_callable.__name__ == "<lambda>":
            raise TypeError(
                f"task {self.task_id!r}: python_callable must be a plain def function (its "
                "source is run in the new environment), not a lambda or another callable"
            )
        if isinstance(requirements, str):
            requirements = [line.strip() for line in requirements.splitlines() if line.strip()]
        self.requirements = list(requirements or [])
        self.python_version = python_version
        self.system_site_packages = system_site_packages
        self.pip_install_options = list(pip_install_options or [])
        self.string_args = list(string_args or [])

    def _interpreter(self) -> str:
        if self.python_version is None:
            return sys.executable
        import shutil

        found = shutil.which(f"python{self.python_version}")
        if found is None:
            raise TaskloomFailException(
                f"task {self.task_id!r}: python{self.python_version} is not on PATH; install it "
                "or drop python_version to use the worker's Python"
            )
        return found

    def _run(self, command: list[str], what: str, log: Any) -> None:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        for line in (result.stdout + result.stderr).splitlines():
            log.info("%s", line)
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
            raise VirtualenvError(f"task {self.task_id!r}: {what} failed:\n{tail}")

    def execute(self, context: Context) -> Any:
        log = self.task_log(context)
        source = textwrap.dedent(inspect.getsource(self.python_callable))
        source = "\n".join(
            line for line in source.splitlines() if not line.lstrip().startswith("@")
        )
        with tempfile.TemporaryDirectory(prefix="taskloom-venv") as tmp:
            env_dir = Path(tmp) / "venv"
            venv_args = [self._interpreter(), "-m", "venv", str(env_dir)]
            if self.system_site_packages:
                venv_args.insert(3, "--system-site-packages")
            if not self.requirements:
                venv_args.insert(3, "--without-pip")
            log.info("Creating the environment: %s", " ".join(venv_args))
            self._run(venv_args, "creating the virtual environment", log)
            python = str(env_dir / "bin" / "python")
            if self.requirements:
                self._run(
                    [
                        python,
                        "-m",
                        "pip",
                        "install",
                        "--disable-pip-version-check",
                        "-q",
                        *self.pip_install_options,
                        *self.requirements,
                    ],
                    "installing the requirements",
                    log,
                )
            script = Path(tmp) / "script.py"
            script.write_text(
                f"virtualenv_string_args = {self.string_args!r}\n"
                + source
                + _RUNNER.format(name=self.python_callable.__name__),
                encoding="utf-8",
            )
            inputs, outputs = Path(tmp) / "input.pickle", Path(tmp) / "output.pickle"
            inputs.write_bytes(pickle.dumps((self.op_args, self.op_kwargs)))
            env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
            result = subprocess.run(
                [python, str(script), str(inputs), str(outputs)],
                capture_output=True,
                text=True,
                check=False,
                env=env,
                cwd=tmp,
            )
            for line in (result.stdout + result.stderr).splitlines():
                log.info("%s", line)
            if result.returncode != 0:
                tail = "\n".join(result.stderr.strip().splitlines()[-15:])
                raise VirtualenvError(
                    f"task {self.task_id!r}: the function failed in the virtual environment:\n{tail}"
                )
            return_value = pickle.loads(outputs.read_bytes())
        log.info("Done. Returned value was: %r", return_value)
        return return_value
