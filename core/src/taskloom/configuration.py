"""Where taskloom keeps its state, and how settings are read.

A setting ``[section] key`` is looked up, first match wins, in:

1. the environment variable ``TASKLOOM__<SECTION>__<KEY>`` (upper-cased, as Airflow's
   ``AIRFLOW__CORE__EXECUTOR``);
2. ``$TASKLOOM_HOME/taskloom.toml``, table ``[section]``;
3. the caller's fallback.

The few names fixed by the design (``TASKLOOM_HOME``, ``TASKLOOM_DAGS_FOLDER``,
``TASKLOOM_CONN_*``, ``TASKLOOM_VAR_*``, ``TASKLOOM_CONNECTIONS_FILE``) are read by the
modules that own them.
"""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING
from typing import Any

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


def get(section: str, key: str, fallback: Any = None) -> Any:
    """Return the setting ``[section] key`` (see the module docstring for the order)."""
    env_value = os.environ.get(f"TASKLOOM__{section.upper()}__{key.upper()}")
    if env_value is not None:
        return env_value
    table = _file_settings(home() / CONFIG_FILE_NAME).get(section, {})
    return table.get(key, fallback)


def get_int(section: str, key: str, fallback: int) -> int:
    """Like :func:`get`, for a whole number; a bad value names the setting to fix."""
    value = get(section, key, fallback)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ConfigurationError(
            f"setting [{section}] {key} must be a whole number, got {value!r}; "
            f"fix TASKLOOM__{section.upper()}__{key.upper()} or {CONFIG_FILE_NAME}."
        ) from None


def get_bool(section: str, key: str, fallback: bool) -> bool:
    """Like :func:`get`, for true/false (accepts true/false, 1/0, yes/no, on/off)."""
    value = get(section, key, fallback)
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
