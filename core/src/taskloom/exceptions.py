"""Errors taskloom raises on purpose.

Every error is named for what went wrong, carries the object at fault, and its message
says what to do next.  Messages never contain a secret: build them from ids and names,
never from URIs or passwords.
"""

from __future__ import annotations


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
