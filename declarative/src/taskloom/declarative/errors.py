"""The errors the runtime raises on purpose, each naming what is wrong and how to fix it."""

from __future__ import annotations

from taskloom.exceptions import TaskloomError


class DeclarativeError(TaskloomError):
    """Base class of every error of ``taskloom.declarative``."""


class ManifestError(DeclarativeError):
    """The manifest cannot be used: malformed YAML, a bad ``$ref``, a schema violation.

    :param problems: one line per problem, each with its JSON path and line.
    """

    def __init__(self, source: str, problems: list[str]) -> None:
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problem(s) in the manifest:\n{lines}")
        #: Where the manifest came from (a file path or a provider id).
        self.source = source
        #: One message per problem, ``"<path> (line N): <what>"``.
        self.problems = problems


class ConfigError(DeclarativeError):
    """The connection's config does not match the manifest's ``spec``."""


class ReadError(DeclarativeError):
    """A request failed for good (a FAIL response, or retries exhausted)."""


class InterpolationError(DeclarativeError):
    """A ``{{ }}`` template failed to render (a syntax error, or a refused attribute)."""
