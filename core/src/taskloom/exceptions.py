"""Errors taskloom raises on purpose.

Every error is named for what went wrong, carries the object at fault, and its message
says what to do next.  Messages never contain a secret: build them from ids and names,
never from URIs or passwords.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

if TYPE_CHECKING:
    from datetime import datetime


class TaskloomError(Exception):
    """Base class for errors taskloom raises on purpose."""


class ConfigurationError(TaskloomError):
    """A setting (environment variable or ``taskloom.toml``) has a value taskloom cannot use."""


# --- providers -------------------------------------------------------------------------


class ProviderError(TaskloomError):
    """A problem with one provider distribution."""

    def __init__(self, provider_id: str, message: str) -> None:
        super().__init__(message)
        #: Id of the provider concerned.
        self.provider_id = provider_id


class ProviderNotFoundError(ProviderError, LookupError):
    """No installed provider has this id."""


class DuplicateProviderError(ProviderError):
    """Two distributions claim the same provider id or connection type."""


class ProviderLoadError(ProviderError):
    """A provider's declared module or class failed to import (raised ``from`` the cause)."""


class ProviderValidationError(ProviderError):
    """A provider's static metadata is malformed or its core range excludes this core."""


# --- task control flow: raised by task code to steer the runtime -------------------------


class TaskloomSkipException(TaskloomError):
    """Raise inside a task to mark it skipped (downstream follows the trigger rules)."""


class TaskloomFailException(TaskloomError):
    """Raise inside a task to fail it at once, without using the remaining retries."""


class TaskloomSensorTimeout(TaskloomFailException):
    """A sensor did not succeed within its ``timeout``."""


class TaskloomTaskTimeout(TaskloomError):
    """A task ran longer than its ``execution_timeout`` (retried like any failure)."""


# --- authoring: errors in what a DAG file declares (runtime-A) ---------------------------


class DagDefinitionError(TaskloomError, ValueError):
    """A DAG or task is declared wrongly; the message names the value and, when known, file:line."""


class InvalidIdError(DagDefinitionError):
    """A dag_id or task_id has characters outside ``[A-Za-z0-9_.-]`` or is too long."""


class DuplicateTaskIdError(DagDefinitionError):
    """Two tasks in one DAG share a task_id."""


class DagCycleError(DagDefinitionError):
    """The task dependencies of a DAG form a cycle; the message lists it (``a -> b -> a``)."""


class InvalidScheduleError(DagDefinitionError):
    """A schedule is neither None, a preset, a valid cron expression nor a timedelta."""


class InvalidTriggerRuleError(DagDefinitionError):
    """A trigger rule is not one of :class:`taskloom.utils.trigger_rule.TriggerRule`."""


class ParamValidationError(DagDefinitionError):
    """A DAG or task param has a value its :class:`~taskloom.models.param.Param` rejects."""


class TemplateRenderError(TaskloomError):
    """A templated field failed to render (undefined variable, syntax error, missing file)."""


class TaskloomRescheduleException(TaskloomError):
    """Raised by a sensor in ``mode="reschedule"``: free the worker slot, poke again later.

    The runtime turns it into the ``up_for_reschedule`` state and queues the task again at
    :attr:`reschedule_date`.
    """

    def __init__(self, reschedule_date: datetime) -> None:
        super().__init__(f"sensor not done yet; poke again at {reschedule_date.isoformat()}")
        #: When to poke again (timezone-aware UTC).
        self.reschedule_date = reschedule_date


# --- runtime (metadata DB, task instances, executors, scheduler) --------------------------


class DatabaseSchemaError(TaskloomError):
    """The metadata DB's schema version is not the one this taskloom expects."""


class NotFoundError(TaskloomError, LookupError):
    """Something asked for by id (a DAG, a run, a connection) does not exist."""


class TaskProcessDiedError(TaskloomError):
    """The process running a task died before it recorded an outcome (``kill -9``, the OOM
    killer, a segfault).  It is the ``exception`` in the context of the failure or retry
    callback that the scheduler then runs for that try."""


class DatabaseUnavailableError(TaskloomError):
    """The metadata DB cannot be opened or read: its folder is missing or not writable, the
    file is not a SQLite database, or its pages are damaged.  The message names the file
    and the fix."""


class DagNotFoundError(NotFoundError):
    """No DAG with this id was found in the DAG folder."""


class DagRunNotFoundError(NotFoundError):
    """No run of this DAG has this run id or logical date."""


class TaskNotFoundError(NotFoundError):
    """The DAG (or one run of it) has no task with this id."""


class TaskLogHandlerError(TaskloomError):
    """A remote task log handler could not store or read a log (a missing bucket, refused
    credentials); the message names the place and the reason, never a secret."""


class ExecutorLoadError(TaskloomError):
    """The setting ``[core] executor`` names an executor taskloom cannot load."""


class EmailBackendError(TaskloomError):
    """The email backend named by ``[email] email_backend`` cannot be imported."""


# --- connections, secrets and hooks (issue 4) ---------------------------------------------


def _restore_error(
    cls: type[BaseException], args: tuple[object, ...], state: dict[str, object]
) -> BaseException:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class _PicklableError(Exception):
    """Pickles with its attributes: an error raised in a worker process reaches the parent whole.

    (The default pickling calls ``cls(*args)``, which fails for constructors with
    keyword-only or extra arguments.)
    """

    def __reduce__(self) -> tuple[object, ...]:
        return (_restore_error, (type(self), self.args, dict(self.__dict__)))


class ConnectionNotFoundError(_PicklableError, NotFoundError):
    """No secrets backend, variable, connections file or DB row defines this connection."""

    def __init__(self, conn_id: str, searched: list[str]) -> None:
        places = "; ".join(searched) or "no place (no secrets backend is configured)"
        super().__init__(
            f"connection {conn_id!r} is not defined. Looked in: {places}. Define it with "
            f"`taskloom connections add {conn_id} --conn-uri <conn_type>://...` or set "
            f"TASKLOOM_CONN_{conn_id.upper()}."
        )
        #: Id of the connection that was asked for.
        self.conn_id = conn_id
        #: Every place that was searched, in lookup order.
        self.searched = searched


class InvalidConnectionError(_PicklableError, TaskloomError, ValueError):
    """A connection (URI, JSON, field value or connections file) is malformed.

    The message names the part at fault and how to fix it; it never repeats a value that
    may be secret.
    """

    def __init__(self, message: str, *, conn_id: str | None = None) -> None:
        prefix = f"connection {conn_id!r}: " if conn_id else ""
        super().__init__(prefix + message)
        #: Id of the connection concerned, when known.
        self.conn_id = conn_id


class UnknownConnectionTypeError(InvalidConnectionError):
    """No installed provider declares this conn_type."""


class OptionalDependencyError(TaskloomError, ImportError):
    """A feature needs a library that is not installed; the message names the package."""


class HttpError(_PicklableError, TaskloomError):
    """An HTTP request answered with an error status (4xx/5xx).

    The message holds the method, the URL without credentials, the status and the first
    characters of the body, with registered secrets masked.
    """

    def __init__(self, message: str, *, status_code: int, body: str = "") -> None:
        super().__init__(message)
        #: The HTTP status code of the response.
        self.status_code = status_code
        #: The start of the response body (masked).
        self.body = body


class SQLCheckError(TaskloomError):
    """A SQL data check (``SQLCheckOperator``, ``SQLValueCheckOperator``) failed."""


def __getattr__(name: str) -> Any:
    # The 1.x exception names (``TaskloomException``...), from the table of moves.
    from taskloom.legacy.finder import package_getattr

    return package_getattr(__name__, name)
