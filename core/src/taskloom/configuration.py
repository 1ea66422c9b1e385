"""Where taskloom keeps its state, and how settings are read.

A setting ``[section] key`` is looked up, first match wins, in:

1. the environment variable ``TASKLOOM__<SECTION>__<KEY>`` (upper-cased, as Airflow's
   ``AIRFLOW__CORE__EXECUTOR``);
2. ``$TASKLOOM_HOME/taskloom.toml``, table ``[section]``;
3. a value derived from taskloom's own layout (``[core] dags_folder`` answers
   :func:`dags_folder`, ``[core] taskloom_home`` answers :func:`home_dir`);
4. the caller's fallback.

A 1.x name of a setting that moved (``[core] base_log_folder``, now ``[logging]
base_log_folder``) is read under its new name, with a deprecation warning naming it.

The few names fixed by the design (``TASKLOOM_HOME``, ``TASKLOOM_DAGS_FOLDER``,
``TASKLOOM_CONN_*``, ``TASKLOOM_VAR_*``, ``TASKLOOM_CONNECTIONS_FILE``) are read by the
modules that own them.
"""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Any
from typing import Final

from taskloom.exceptions import ConfigurationError

if TYPE_CHECKING:
    from pathlib import Path

CONFIG_FILE_NAME = "taskloom.toml"

# pathlib and tomllib are imported where they are used: provider discovery reads
# home_dir() on every command, and the two would cost it more than 5 ms.


def home_dir() -> str:
    """The taskloom home folder: ``$TASKLOOM_HOME``, default ``~/.taskloom``."""
    return os.path.expanduser(os.environ.get("TASKLOOM_HOME") or os.path.join("~", ".taskloom"))


def home() -> Path:
    """:func:`home_dir` as a :class:`~pathlib.Path`."""
    from pathlib import Path

    return Path(home_dir())


def dags_folder() -> Path:
    """The DAG folder: ``$TASKLOOM_DAGS_FOLDER``, default ``$TASKLOOM_HOME/dags``."""
    from pathlib import Path

    value = os.environ.get("TASKLOOM_DAGS_FOLDER")
    return Path(value).expanduser() if value else home() / "dags"


@functools.cache
def _file_settings(path: Path) -> dict[str, Any]:
    import tomllib

    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(
            f"{path} is not valid TOML ({exc}); fix the file or move it away."
        ) from None


#: Settings of the 1.x layout that moved: ``(section, key)`` -> where they are now.
MOVED_SETTINGS: Final[dict[tuple[str, str], tuple[str, str]]] = {
    ("core", "base_log_folder"): ("logging", "base_log_folder"),
    ("core", "logging_level"): ("logging", "logging_level"),
    ("core", "dag_concurrency"): ("core", "max_active_tasks_per_dag"),
    ("core", "sql_alchemy_conn"): ("database", "url"),
    ("scheduler", "max_threads"): ("scheduler", "parsing_processes"),
}

#: Settings whose default is derived from the home folder rather than written anywhere.
DERIVED_SETTINGS: Final[dict[tuple[str, str], Callable[[], str]]] = {
    ("core", "dags_folder"): lambda: str(dags_folder()),
    ("core", "taskloom_home"): home_dir,
}


def _lookup(section: str, key: str) -> Any:
    env_value = os.environ.get(f"TASKLOOM__{section.upper()}__{key.upper()}")
    if env_value is not None:
        return env_value
    table = _file_settings(home() / CONFIG_FILE_NAME).get(section, {})
    value = table.get(key)
    if value is None and (section, key) in DERIVED_SETTINGS:
        return DERIVED_SETTINGS[section, key]()
    return value


def get(section: str, key: str, fallback: Any = None) -> Any:
    """Return the setting ``[section] key`` (see the module docstring for the order)."""
    section, key = section.lower(), key.lower()
    moved = MOVED_SETTINGS.get((section, key))
    if moved is not None:
        from taskloom.models.dag_context import user_stacklevel

        warnings.warn(
            f"setting [{section}] {key} is deprecated and will be removed in taskloom 3.0; "
            f"it is [{moved[0]}] {moved[1]} now (TASKLOOM__{moved[0].upper()}__{moved[1].upper()})",
            DeprecationWarning,
            stacklevel=user_stacklevel(),
        )
        section, key = moved
    value = _lookup(section, key)
    return fallback if value is None else value


def get_int(section: str, key: str, fallback: int) -> int:
    """Like :func:`get`, for a whole number; a bad value names the setting to fix."""
    return _as_int(section, key, get(section, key, fallback))


def _as_int(section: str, key: str, value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ConfigurationError(
            f"setting [{section}] {key} must be a whole number, got {value!r}; "
            f"fix TASKLOOM__{section.upper()}__{key.upper()} or {CONFIG_FILE_NAME}."
        ) from None


def get_bool(section: str, key: str, fallback: bool) -> bool:
    """Like :func:`get`, for true/false (accepts true/false, 1/0, yes/no, on/off)."""
    return _as_bool(section, key, get(section, key, fallback))


def _as_bool(section: str, key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ConfigurationError(
        f"setting [{section}] {key} must be true or false, got {value!r}; "
        f"fix TASKLOOM__{section.upper()}__{key.upper()} or {CONFIG_FILE_NAME}."
    )


_REQUIRED: Final[Any] = object()


class TaskloomConfigParser:
    """``conf``: the settings read with Airflow's ``ConfigParser`` method names.

    ``conf.get("core", "dags_folder")`` reads the same settings as :func:`get`; unlike it, a
    setting that is not set anywhere and has no ``fallback=`` is an error, as in Airflow.
    """

    def get(self, section: str, key: str, fallback: Any = _REQUIRED, **kwargs: Any) -> Any:
        """The setting's value; :class:`ConfigurationError` if unset and no ``fallback``."""
        value = get(section, key)
        if value is not None:
            return value
        if fallback is not _REQUIRED:
            return fallback
        raise ConfigurationError(
            f"setting [{section}] {key} is not set; set TASKLOOM__{section.upper()}__{key.upper()} "
            f"or add it to {CONFIG_FILE_NAME}, or pass fallback="
        )

    def getboolean(self, section: str, key: str, fallback: Any = _REQUIRED, **kwargs: Any) -> bool:
        """Like :meth:`get`, as true/false (true/false, 1/0, yes/no, on/off)."""
        return _as_bool(section, key, self.get(section, key, fallback=fallback))

    def getint(self, section: str, key: str, fallback: Any = _REQUIRED, **kwargs: Any) -> int:
        """Like :meth:`get`, as a whole number."""
        return _as_int(section, key, self.get(section, key, fallback=fallback))

    def getfloat(self, section: str, key: str, fallback: Any = _REQUIRED, **kwargs: Any) -> float:
        """Like :meth:`get`, as a number."""
        value = self.get(section, key, fallback=fallback)
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ConfigurationError(
                f"setting [{section}] {key} must be a number, got {value!r}; "
                f"fix TASKLOOM__{section.upper()}__{key.upper()} or {CONFIG_FILE_NAME}."
            ) from None

    def has_option(self, section: str, key: str) -> bool:
        """Whether the setting has a value (from the environment, the file or taskloom's layout)."""
        return get(section, key) is not None


#: The settings object 1.x and 2.x DAG files import: ``from taskloom.configuration import conf``.
conf: Final = TaskloomConfigParser()
