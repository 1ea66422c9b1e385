"""A distribution's ``README.md`` as test data: its code blocks and ``export`` lines, run as pasted.

::

    from taskloom_testing.readme import Readme
    from taskloom_testing.readme import add_connection

    README = Readme.of_tests(__file__)  # <distribution>/README.md


    @README.parametrize_connection_exports()
    def test_connection_examples_parse(name: str, value: str) -> None:
        assert add_connection(name, value) == 0


    @README.parametrize_python_blocks()
    def test_python_examples_run(block: str, tmp_path: Path) -> None:
        namespace = README.run(block)
        outcome = README.run_dag(block, namespace, tmp_path)
        if outcome is not None:
            assert outcome.returncode == 0, outcome.logs()

Nothing of taskloom is imported at module level: importing this module never fails, even
without taskloom.
"""

from __future__ import annotations

import contextlib
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from taskloom_testing.dagrun import DagRunOutcome
from taskloom_testing.dagrun import run_dags_test

__all__ = ["Readme", "add_connection"]

#: A fenced code block: its language and its body (fences at the start of a line).
_FENCE = re.compile(r"^```(\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
#: An ``export NAME=VALUE`` line of a shell block.
_EXPORT = re.compile(r"^export (\w+)=(.*)$", re.MULTILINE)
#: The languages whose blocks are shell commands.
_SHELL = ("bash", "sh", "shell", "console")
#: The prefix of the variables that define connections.
CONN_PREFIX = "TASKLOOM_CONN_"


@dataclass(frozen=True)
class Readme:
    """The text of one README.

    :ivar path: the file.
    :ivar text: what it holds.
    """

    path: Path
    text: str

    @classmethod
    def of_tests(cls, test_file: str | Path) -> Readme:
        """The ``README.md`` of the distribution whose ``tests/`` folder holds ``test_file``.

        :param test_file: a test module's ``__file__``.
        :raises ValueError: if ``test_file`` is in no ``tests`` folder.
        """
        for folder in Path(test_file).resolve().parents:
            if folder.name == "tests":
                path = folder.parent / "README.md"
                return cls(path, path.read_text())
        raise ValueError(f"{test_file} is not inside a tests/ folder")

    def blocks(self, language: str) -> list[str]:
        """The bodies of the fenced blocks in ``language`` (````` ```python `````), in order."""
        return [body for lang, body in _FENCE.findall(self.text) if lang == language]

    @property
    def python_blocks(self) -> list[str]:
        """The Python blocks, in order."""
        return self.blocks("python")

    def exports(self, prefix: str = "") -> list[tuple[str, str]]:
        """``(NAME, VALUE)`` of each ``export NAME=VALUE`` line of the shell blocks, in order.

        ``VALUE`` is the one word the shell reads (``'{"conn_type": ...}'`` loses its quotes).

        :param prefix: keep only the names that start with it.
        :raises AssertionError: if a value is not one shell word.
        """
        found = []
        for block in (b for language in _SHELL for b in self.blocks(language)):
            for name, raw in _EXPORT.findall(block):
                words = shlex.split(raw, comments=True)
                assert len(words) == 1, f"{self.path}: export {name}={raw} is not one shell word"
                if name.startswith(prefix):
                    found.append((name, words[0]))
        return found

    @property
    def connection_exports(self) -> list[tuple[str, str]]:
        """``(TASKLOOM_CONN_<ID>, VALUE)`` of each connection the README exports, in order."""
        return self.exports(CONN_PREFIX)

    def parametrize_python_blocks(self, argname: str = "block") -> pytest.MarkDecorator:
        """Run a test once per Python block, as ``argname``; ids ``block0``, ``block1``, ...

        :raises ValueError: if the README has none (the test would check nothing).
        """
        blocks = self.python_blocks
        if not blocks:
            raise ValueError(f"{self.path} has no ```python block: the test would check nothing")
        return pytest.mark.parametrize(
            argname, blocks, ids=[f"block{i}" for i in range(len(blocks))]
        )

    def parametrize_connection_exports(self) -> pytest.MarkDecorator:
        """Run a test once per connection export, as ``name`` and ``value``; ids ``NAME-0``, ...

        :raises ValueError: if the README exports no connection (the test would check nothing).
        """
        exports = self.connection_exports
        if not exports:
            raise ValueError(
                f"{self.path} exports no {CONN_PREFIX}* variable: the test would check nothing"
            )
        return pytest.mark.parametrize(
            ("name", "value"), exports, ids=[f"{name}-{i}" for i, (name, _) in enumerate(exports)]
        )

    def run(self, block: str, *, cwd: Path | None = None) -> dict[str, Any]:
        """Run ``block`` as pasted, as a module ``readme_example`` of its own; its globals.

        Tracebacks name this README.  Output goes where the test's goes (``capsys``).

        :param cwd: the working directory while it runs (the files it writes land there);
            default: the test's.
        """
        namespace: dict[str, Any] = {"__name__": "readme_example"}
        with contextlib.chdir(cwd) if cwd is not None else contextlib.nullcontext():
            exec(compile(block, str(self.path), "exec"), namespace)
        return namespace

    def run_dag(
        self, block: str, namespace: Mapping[str, Any], folder: Path
    ) -> DagRunOutcome | None:
        """Run the DAG that ``block`` defined as ``dag`` with ``taskloom dags test``, if it did.

        The block is written as pasted to ``folder/readme_dag.py``, and a new process runs
        ``dag`` from ``folder`` (see :func:`taskloom_testing.dagrun.run_dags_test`: it has
        this process's environment, so its ``TASKLOOM_HOME``).

        :param namespace: what :meth:`run` returned for ``block``.
        :returns: what that process did; ``None`` if ``block`` defined no ``dag``.
        """
        dag = namespace.get("dag")
        if dag is None:
            return None
        (folder / "readme_dag.py").write_text(block)
        return run_dags_test(folder, dag.dag_id)


def add_connection(name: str, value: str) -> int:
    """Run ``taskloom connections add readme_<name> --conn-json|--conn-uri VALUE`` in this process.

    The CLI validates the connection against its provider's ``provider.json``.

    :param name: the exported variable's name (``TASKLOOM_CONN_...``).
    :param value: its value: JSON when it starts with ``{``, a URI otherwise.
    :returns: the CLI's exit status (0: the connection was valid and added).
    """
    from taskloom.cli import main

    flag = "--conn-json" if value.startswith("{") else "--conn-uri"
    return main(["connections", "add", f"readme_{name.lower()}", flag, value])
