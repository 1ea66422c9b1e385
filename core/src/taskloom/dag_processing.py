"""DagBag: import the DAG files of a folder and collect their DAGs, errors and warnings.

A file that raises never stops the others: its traceback is kept in
:attr:`DagBag.import_errors`.  Warnings raised while a file is imported (deprecations, for
instance) are kept with the user's file and line, so the CLI can show them.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
import traceback
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from taskloom import configuration
from taskloom.exceptions import DagDefinitionError
from taskloom.exceptions import TaskloomError
from taskloom.models import dag as dag_module
from taskloom.models.dag import DAG

#: A file is imported only if its text contains this (case-insensitive), as in Airflow's
#: safe mode: helper modules in the DAG folder are not executed.
_MARKER = b"dag"


@dataclass(frozen=True, slots=True)
class DagFileWarning:
    """A warning raised while a DAG file was imported, where the user's code triggered it."""

    filename: str
    lineno: int
    category: type[Warning]
    message: str

    def __str__(self) -> str:
        return f"{self.filename}:{self.lineno}: {self.category.__name__}: {self.message}"


def module_name_for(path: Path) -> str:
    """The unique, stable module name a DAG file is imported under (two ``dags.py`` in
    different folders must not replace each other in :data:`sys.modules`)."""
    digest = hashlib.sha1(str(path).encode(), usedforsecurity=False).hexdigest()[:12]
    stem = "".join(c if c.isalnum() else "_" for c in path.stem)
    return f"taskloom_dagfile_{digest}_{stem}"


class DagBag:
    """The DAGs found in a folder (recursively) or a single file.

    :param dag_folder: a folder or a ``.py`` file; default ``$TASKLOOM_DAGS_FOLDER``.
    :param include_examples: also load the example DAGs shipped in ``taskloom.example_dags``.
    """

    def __init__(
        self, dag_folder: Path | str | None = None, *, include_examples: bool = False
    ) -> None:
        #: The folder (or file) that was loaded.
        self.dag_folder = (
            Path(dag_folder) if dag_folder is not None else configuration.dags_folder()
        )
        #: DAGs by dag_id.
        self.dags: dict[str, DAG] = {}
        #: File path -> traceback (or error message) for files that could not be loaded.
        self.import_errors: dict[str, str] = {}
        #: Warnings raised while importing the files, in load order.
        self.warnings: list[DagFileWarning] = []
        _add_to_sys_path(self.dag_folder if self.dag_folder.is_dir() else self.dag_folder.parent)
        _add_to_sys_path(configuration.dags_folder())
        self.collect_dags(self.dag_folder)
        if include_examples:
            examples = Path(__file__).parent / "example_dags"
            self.collect_dags(examples)

    @classmethod
    def from_file(cls, path: Path | str) -> DagBag:
        """A DagBag holding only the DAGs of one file."""
        return cls(Path(path))

    def __len__(self) -> int:
        return len(self.dags)

    @property
    def dag_ids(self) -> list[str]:
        """The ids of the loaded DAGs, sorted."""
        return sorted(self.dags)

    def get_dag(self, dag_id: str) -> DAG | None:
        """The DAG with this id, or ``None``."""
        return self.dags.get(dag_id)

    def collect_dags(self, folder: Path) -> None:
        """Load every DAG file under ``folder`` (or ``folder`` itself if it is a file)."""
        for path in _dag_files(folder):
            self.process_file(path)

    def process_file(self, path: Path) -> list[DAG]:
        """Import one file and add its DAGs; errors go to :attr:`import_errors`."""
        filename = str(path)
        self.import_errors.pop(filename, None)
        module, found = self._import(path)
        if module is None:
            return []
        added = []
        for dag in found:
            if dag.fileloc != filename:  # made by a helper elsewhere: its line is not this file's
                dag.lineno = None
            dag.fileloc = filename
            problem = self._check(dag)
            if problem:
                self.import_errors[filename] = problem
                continue
            self.dags[dag.dag_id] = dag
            added.append(dag)
        return added

    def _check(self, dag: DAG) -> str | None:
        """Why ``dag`` cannot be added (invalid, or its id is taken), or ``None``."""
        other = self.dags.get(dag.dag_id)
        if other is not None and other is not dag:
            return (
                f"DAG id {dag.dag_id!r} in {dag.fileloc} is already used by {other.fileloc}; "
                "give one of them another dag_id"
            )
        try:
            dag.validate()
        except TaskloomError as exc:
            return f"{type(exc).__name__}: {exc}"
        return None

    def _import(self, path: Path) -> tuple[ModuleType | None, list[DAG]]:
        """Execute the file as a fresh module; return it and its DAGs (in declaration order)."""
        filename = str(path)
        name = module_name_for(path)
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            self.import_errors[filename] = f"{filename} cannot be imported as a Python module"
            return None, []
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        registered: list[DAG] = []
        previous = dag_module._autoregistered
        dag_module._autoregistered = registered
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                _keep_command_line_errors()
                spec.loader.exec_module(module)
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            sys.modules.pop(name, None)
            self.import_errors[filename] = _format_error(exc, filename)
            return None, []
        finally:
            dag_module._autoregistered = previous
            self.warnings.extend(
                DagFileWarning(w.filename, w.lineno, w.category, str(w.message)) for w in caught
            )
        found: dict[int, DAG] = {}
        for value in (*vars(module).values(), *registered):
            if isinstance(value, DAG):
                found.setdefault(id(value), value)
        return module, list(found.values())


def _keep_command_line_errors() -> None:
    """Re-apply the ``-W error...`` options of the command line (``python -W
    error::DeprecationWarning``) over "record every warning", so such a warning fails the
    DAG file at the user's line, as it would outside taskloom."""
    import builtins
    import re

    for option in sys.warnoptions:
        action, message, category_name, module, lineno = (option.split(":") + [""] * 4)[:5]
        if not action or not "error".startswith(action.strip()):
            continue
        category: object = Warning
        if category_name.strip():
            name = category_name.strip()
            category = getattr(builtins, name, None)
            if category is None and "." in name:
                from taskloom.utils.module_loading import import_string

                category = import_string(name)
        if not (isinstance(category, type) and issubclass(category, Warning)):
            continue
        warnings.filterwarnings(
            "error",
            message=re.escape(message.strip()),
            category=category,
            module=re.escape(module.strip()) + r"\Z" if module.strip() else "",
            lineno=int(lineno) if lineno.strip().isdigit() else 0,
        )


def _add_to_sys_path(folder: Path) -> None:
    """Let DAG files import helper modules kept beside them (``from common import x``), as
    Airflow does with its DAG folder.  Appended, so a helper never shadows an installed module."""
    entry = str(folder)
    if folder.is_dir() and entry not in sys.path:
        sys.path.append(entry)


def _dag_files(folder: Path) -> Iterator[Path]:
    """``.py`` files under ``folder`` that mention DAGs, sorted, skipping hidden folders."""
    if folder.is_file():
        yield folder
        return
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*.py")):
        relative = path.relative_to(folder).parts
        if any(part.startswith((".", "__pycache__")) for part in relative):
            continue
        try:
            mentions_dag = _MARKER in path.read_bytes().lower()
        except OSError:
            mentions_dag = True  # let the import fail and report why
        if mentions_dag:
            yield path


def _format_error(exc: BaseException, filename: str) -> str:
    """The traceback of an import error, without the DagBag's and importlib's own frames.

    A :class:`DagDefinitionError` (an invalid id, a cycle ...) is the DAG author's mistake,
    and its message says how to fix it: it gets one line with the DAG file's line instead
    of a traceback through taskloom's internals (issue 22).
    """
    if isinstance(exc, DagDefinitionError):
        linenos = [
            f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename
        ]
        where = f"{filename}:{linenos[-1]}" if linenos else filename
        message = f"{type(exc).__name__}: {exc}"
        return message if where in message else f"{where}: {message}"
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if frame.filename != __file__ and not frame.filename.startswith("<frozen importlib")
    ]
    lines = ["Traceback (most recent call last):\n", *traceback.format_list(frames)]
    text = "".join([*lines, *traceback.format_exception_only(type(exc), exc)])
    missing = getattr(exc, "name", None) if isinstance(exc, ModuleNotFoundError) else None
    if missing and missing.startswith("taskloom.") and "is a taskloom 1.x import path" not in text:
        from taskloom.registry.install_hints import module_install_hint

        # The import statement names the whole module (taskloom.contrib.hooks.jira_hook)
        # when only its first missing parent (taskloom.contrib) is in the error.
        statement = re.match(r"\s*(?:from|import)\s+(taskloom[\w.]*)", frames[-1].line or "")
        if statement and statement[1].startswith(missing):
            missing = statement[1]
        text += f"{missing} cannot be imported: {module_install_hint(missing)}\n"
    return text
