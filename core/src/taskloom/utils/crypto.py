"""Secrets at rest: connection passwords and extras, and variable values, encrypted in the metadata DB.

With ``[core] fernet_key`` set (``TASKLOOM__CORE__FERNET_KEY`` or ``taskloom.toml``),
values are stored as ``fernet:<token>`` (Fernet from the ``cryptography`` library, the
``taskloom[crypto]`` extra: AES-128-CBC with an HMAC-SHA256, as in Airflow).  Several
comma-separated keys may be given: the first encrypts, every one decrypts -- which is how
``taskloom rotate-fernet-key`` moves to a new key (put the new key first, rotate, then drop
the old one).

Without a key, values are stored as they are and a warning says so, once per process.
A value stored before a key was set stays readable; ``rotate-fernet-key`` encrypts it.
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING
from typing import Final

from taskloom import configuration
from taskloom.exceptions import ConfigurationError

if TYPE_CHECKING:
    from cryptography.fernet import MultiFernet

#: Marks an encrypted value in the DB.
PREFIX: Final = "fernet:"

log = logging.getLogger(__name__)


class SecretDecryptionError(ConfigurationError):
    """A stored value cannot be decrypted with the configured ``[core] fernet_key``."""


def _key_setting() -> str:
    return str(configuration.get("core", "fernet_key", "") or "").strip()


@functools.cache
def _fernet(keys: str) -> MultiFernet:
    try:
        from cryptography.fernet import Fernet
        from cryptography.fernet import MultiFernet
    except ImportError:
        raise ConfigurationError(
            "[core] fernet_key is set but the cryptography library is missing; "
            'install it with: pip install "taskloom[crypto]"'
        ) from None
    try:
        return MultiFernet([Fernet(key.strip()) for key in keys.split(",") if key.strip()])
    except ValueError:
        raise ConfigurationError(
            "[core] fernet_key is not a valid Fernet key (32 url-safe base64-encoded bytes); "
            'make one with: python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())"'
        ) from None


@functools.cache
def _warn_once() -> None:
    log.warning(
        "[core] fernet_key is not set: connection passwords and extras and variable values "
        "are stored unencrypted in the metadata DB; set TASKLOOM__CORE__FERNET_KEY "
        '(pip install "taskloom[crypto]")'
    )


def key_is_set() -> bool:
    """Whether ``[core] fernet_key`` is set."""
    return bool(_key_setting())


def encrypt(value: str | None) -> str | None:
    """``value`` as it is stored: encrypted when a key is set, else as is (with a one-time warning)."""
    if value is None or value == "":
        return value
    keys = _key_setting()
    if not keys:
        _warn_once()
        return value
    token: bytes = _fernet(keys).encrypt(value.encode("utf-8"))
    return PREFIX + token.decode("ascii")


def decrypt(value: str | None, *, what: str) -> str | None:
    """The clear text of a stored value (values stored without a key are returned as they are).

    :param what: names the value in errors (``"the password of connection 'pg'"``).
    :raises SecretDecryptionError: if no configured key decrypts it.
    """
    if value is None or not value.startswith(PREFIX):
        return value
    keys = _key_setting()
    if not keys:
        raise SecretDecryptionError(
            f"{what} is stored encrypted but [core] fernet_key is not set; set "
            "TASKLOOM__CORE__FERNET_KEY to the key it was stored with"
        )
    from cryptography.fernet import InvalidToken

    try:
        clear: bytes = _fernet(keys).decrypt(value[len(PREFIX) :].encode("ascii"))
    except InvalidToken:
        raise SecretDecryptionError(
            f"{what} cannot be decrypted with [core] fernet_key (a wrong or replaced key); set "
            "the key it was stored with, or list both keys (new first, comma-separated) and run "
            "`taskloom rotate-fernet-key`"
        ) from None
    return clear.decode("utf-8")


def rotate(value: str | None, *, what: str) -> str | None:
    """``value`` re-encrypted with the first key (a clear value is encrypted)."""
    clear = decrypt(value, what=what)
    return encrypt(clear)
