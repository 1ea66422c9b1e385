"""Hide secrets (passwords, tokens, secret connection extras) in logs, errors and CLI output.

A secret is registered once with :func:`mask_secret` -- retrieving a connection does
this for its password and the extra fields its provider marks secret -- and from then
on :func:`redact` replaces it with ``***`` wherever it appears, in the forms it takes
once it travels through a program:

- as written;
- percent-encoded (``quote`` with and without ``safe=""``, ``quote_plus``: a password
  inside a connection URI);
- JSON-escaped (``json.dumps``: a password inside a JSON payload or extra);
- ``repr``-escaped (a password inside a traceback's ``repr()`` of a string);
- as ``bytes`` (``print(pw.encode())`` shows ``b'p\\xc3\\xa9ss'``: its UTF-8 bytes, escaped).

A secret that is a JSON object or array (a secret variable holding
``{"password": ...}``, a secret connection extra) is also registered leaf by leaf: every
string inside it is a secret of its own, so ``{{ var.json.my_secret.password }}`` is
masked too.

:class:`SecretsMaskerFilter` applies :func:`redact` to every log record (message,
arguments, exception text, stack) before a handler formats it; the task runner installs
it on task log handlers.

**The short-secret rule.**  A secret shorter than :data:`MIN_SECRET_LENGTH` characters
(5 by default, setting ``[logging] min_length_masked_secret``) is *not* masked by
substring, and registering one logs a warning that says so.  Masking a one-character
password by substring turns every occurrence of that letter in every log line into
``***`` (Airflow's apache/airflow#16007 and #48105): the logs become unreadable and the
pattern of asterisks gives the secret away.  An empty secret is ignored silently: there
is nothing to hide.  Short secrets are still hidden where taskloom knows a value *is*
secret, whatever its length: :func:`redact` masks the whole value of a mapping key that
names a secret (``password``, ``token``, ``api_key``, ...), and :class:`Connection`'s
``repr()`` and the CLI never show the password field.  The fix for the warning is a
longer secret.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from typing import Any
from typing import Final
from urllib.parse import quote
from urllib.parse import quote_plus

from taskloom import configuration

#: What a masked secret is replaced with.
REDACTED: Final = "***"

#: Default minimum length of a secret that is masked wherever it appears.
MIN_SECRET_LENGTH: Final = 5

#: Mapping keys whose values are always masked, whatever their length (compared
#: case-insensitively, as substrings of the key: ``db_password`` matches ``password``).
SENSITIVE_KEY_PARTS: Final = (
    "access_token",
    "api_key",
    "apikey",
    "authorization",
    "passphrase",
    "passwd",
    "password",
    "private_key",
    "secret",
    "token",
)

log = logging.getLogger(__name__)


def is_sensitive_key(name: str) -> bool:
    """Whether a mapping key names a secret (``password``, ``auth_token``, ``client_secret``, ...)."""
    lowered = name.lower()
    return any(part in lowered for part in SENSITIVE_KEY_PARTS)


def _min_length() -> int:
    return configuration.get_int("logging", "min_length_masked_secret", MIN_SECRET_LENGTH)


def _forms(secret: str) -> set[str]:
    """The spellings a secret takes once quoted, JSON-encoded, repr()-ed or encoded to bytes."""
    return {
        secret,
        quote(secret),
        quote(secret, safe=""),
        quote_plus(secret),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        repr(secret)[1:-1],
        repr(secret.encode("utf-8", "surrogatepass"))[2:-1],
    }


def _json_containers(text: str) -> list[Any]:
    """``[the parsed value]`` if ``text`` is a JSON object or array, else ``[]``."""
    if not text.lstrip().startswith(("{", "[")):
        return []
    try:
        return [json.loads(text)]
    except ValueError:
        return []


def _json_leaves(text: str) -> list[str]:
    """The strings inside ``text`` if it is a JSON object or array, else nothing."""
    return [leaf for value in _json_containers(text) for leaf in string_leaves(value)]


def string_leaves(value: Any) -> Iterator[str]:
    """Every string inside nested mappings and lists (keys excluded), depth first, without recursion."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)


def sensitive_values(value: Any) -> Iterator[Any]:
    """The values stored, at any depth, under keys that name a secret (:func:`is_sensitive_key`),
    also inside strings that hold JSON (a service account key kept as text in an extra)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            stack.extend(_json_containers(item))
        elif isinstance(item, Mapping):
            for key, child in item.items():
                if is_sensitive_key(str(key)):
                    yield child
                else:
                    stack.append(child)
        elif isinstance(item, (list, tuple)):
            stack.extend(item)


class SecretsMasker:
    """The set of registered secrets and the compiled pattern that finds them.

    One process-wide instance lives behind :func:`mask_secret` and :func:`redact`;
    build your own only in tests.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        #: Names (or ``"unnamed"``) of secrets too short to mask, already warned about.
        self.skipped_short: set[str] = set()

    def add(self, secret: Any, name: str | None = None) -> None:
        """Register ``secret`` (a string, or a mapping/iterable of them); see :func:`mask_secret`."""
        if secret is None:
            return
        if isinstance(secret, Mapping):
            for key, value in secret.items():
                self.add(value, str(key))
            return
        if isinstance(secret, (list, tuple, set, frozenset)):
            for value in secret:
                self.add(value, name)
            return
        if not isinstance(secret, str):
            secret = str(secret)
        if not secret:
            return
        for leaf in _json_leaves(secret):
            self.add(leaf, f"{name or 'unnamed'} (a field of its JSON)")
        minimum = _min_length()
        if len(secret) < minimum:
            label = name or "unnamed"
            if label not in self.skipped_short:
                self.skipped_short.add(label)
                log.warning(
                    "secret %r is shorter than %d characters and is NOT masked in logs "
                    "(short secrets would turn ordinary text into '***'); use a longer secret",
                    label,
                    minimum,
                )
            return
        with self._lock:
            new = {form for form in _forms(secret) if len(form) >= minimum} - self._secrets
            if new:
                self._secrets |= new
                self._pattern = None

    def clear(self) -> None:
        """Forget every registered secret (for tests)."""
        with self._lock:
            self._secrets.clear()
            self._pattern = None
            self.skipped_short.clear()

    def _compiled(self) -> re.Pattern[str] | None:
        with self._lock:
            if self._pattern is None and self._secrets:
                # Longest first, so a secret that contains another is masked whole.
                ordered = sorted(self._secrets, key=len, reverse=True)
                self._pattern = re.compile("|".join(re.escape(s) for s in ordered))
            return self._pattern

    def redact_text(self, text: str) -> str:
        """Replace every registered secret in ``text`` with :data:`REDACTED`."""
        pattern = self._compiled()
        if pattern is None:
            return text
        return pattern.sub(REDACTED, text)

    def redact(self, obj: Any, name: str | None = None) -> Any:
        """Return ``obj`` with secrets masked; see :func:`redact`."""
        if (
            name is not None
            and is_sensitive_key(name)
            and isinstance(obj, (str, int, float, bytes))
            and obj not in ("", b"")
        ):
            return REDACTED
        if isinstance(obj, str):
            return self.redact_text(obj)
        if isinstance(obj, Mapping):
            return {key: self.redact(value, str(key)) for key, value in obj.items()}
        if isinstance(obj, tuple):
            return tuple(self.redact(value) for value in obj)
        if isinstance(obj, list):
            return [self.redact(value) for value in obj]
        if isinstance(obj, (set, frozenset)):
            return type(obj)(self.redact(value) for value in obj)
        return obj


_masker = SecretsMasker()


def get_secrets_masker() -> SecretsMasker:
    """The process-wide :class:`SecretsMasker`."""
    return _masker


def mask_secret(
    value: str | Mapping[str, Any] | Iterable[Any] | None, name: str | None = None
) -> None:
    """Register a secret so that :func:`redact` and :class:`SecretsMaskerFilter` hide it.

    :param value: the secret; a mapping registers each of its values (named by key), a
        list each element.  ``None`` and ``""`` are ignored.
    :param name: what the secret is (``"password of connection 'pg'"``); used only in
        the warning about a secret too short to mask.  See the module docstring for the
        short-secret rule.
    """
    _masker.add(value, name)


def redact(obj: Any, name: str | None = None) -> Any:
    """Return a copy of ``obj`` with every registered secret replaced by ``***``.

    Strings are searched for secrets; dicts, lists, tuples and sets are copied with
    their items redacted; a value under a key that names a secret (see
    :func:`is_sensitive_key`) is replaced whole.  Other objects are returned unchanged:
    format them to a string first.

    :param name: the key ``obj`` is stored under, if any.
    """
    return _masker.redact(obj, name)


class SecretsMaskerFilter(logging.Filter):
    """A logging filter that masks secrets in a record's message, arguments and exception.

    Install it on a handler (``handler.addFilter(SecretsMaskerFilter())``) so it runs on
    every record that handler emits, whichever logger produced it.  The message is
    rendered (``msg % args``) and redacted once, so secrets inside objects' ``str()``
    are caught too; the exception and stack are formatted here and stored redacted in
    ``exc_text``/``stack_info``, which :class:`logging.Formatter` then uses as is.
    """

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact ``record`` in place; always keep it."""
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 -- a bad format string is logging's error to report, not ours
            message = None
        if message is not None:
            record.msg = redact(message)
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
