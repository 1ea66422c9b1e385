"""Users, roles, passwords, sessions and API tokens.

- Passwords are hashed with Argon2id at OWASP's recommended cost (19 MiB, 2 passes, 1 lane):
  memory-hard against GPU cracking, yet a login costs the server 19 MiB for a moment rather
  than argon2-cffi's default 64 MiB, so a few logins at once stay within the server's memory
  budget.  A hash made with other parameters is replaced at the next login.
- A browser session is a random id in an ``HttpOnly``, ``SameSite=Strict`` cookie; the DB
  holds only its SHA-256, with the user, an expiry and the session's CSRF token.
- An API token is a random string sent as ``Authorization: Bearer <token>``; the DB holds
  only its SHA-256.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError

from taskloom import store
from taskloom.store import web as web_store
from taskloom.utils.dates import utcnow

#: How long a browser session lasts without logging in again.
SESSION_LIFETIME = timedelta(hours=12)

_USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
#: Shortest password ``taskloom users create`` accepts.
MIN_PASSWORD_LENGTH = 12

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


class Role(enum.IntEnum):
    """What a user may do; each role may do everything the roles below it may."""

    #: Read DAGs, runs, task instances, logs, pools and providers.
    VIEWER = 1
    #: Also trigger, clear, mark, pause and unpause; read connections and variables.
    OPERATOR = 2
    #: Also create, change and delete connections, variables and pools.
    ADMIN = 3

    @classmethod
    def parse(cls, name: str) -> Role:
        try:
            return cls[name.upper()]
        except KeyError:
            raise ValueError(
                f"unknown role {name!r}; use one of {', '.join(r.name.lower() for r in cls)}"
            ) from None


@dataclass(frozen=True)
class User:
    """A logged-in user, as the request handlers see them."""

    username: str
    role: Role
    #: The session's CSRF token (``None`` when authenticated by an API token).
    csrf_token: str | None = None


class UserError(ValueError):
    """A user cannot be created or changed as asked; the message says why and what to do."""


def digest(secret: str) -> str:
    """The SHA-256 hex digest a session id or token is stored as."""
    return hashlib.sha256(secret.encode()).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(conn: store.Connection, username: str, password: str, role: str) -> User:
    """Add a user.

    :raises UserError: for a bad name, a short password, an unknown role or a taken name.
    """
    if not _USERNAME.match(username):
        raise UserError(
            f"username {username!r} is not allowed; use 1 to 64 letters, digits and . _ @ -"
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(
            f"the password is shorter than {MIN_PASSWORD_LENGTH} characters; choose a longer one"
        )
    try:
        parsed = Role.parse(role)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if not web_store.insert_user(conn, username, hash_password(password), parsed.name.lower()):
        raise UserError(
            f"user {username!r} exists already; delete it first with `taskloom users delete {username}`"
        )
    return User(username, parsed)


def authenticate(conn: store.Connection, username: str, password: str) -> User | None:
    """The user if the password is right, else ``None`` (the same time either way)."""
    row = web_store.get_user(conn, username)
    # Verify against a dummy hash for unknown names, so timing does not reveal which exist.
    stored = row.password_hash if row is not None else _dummy_hash()
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None:
        return None
    if _hasher.check_needs_rehash(stored):
        web_store.update_password_hash(conn, username, hash_password(password))
    return User(row.username, Role.parse(row.role))


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def start_session(conn: store.Connection, user: User) -> str:
    """Create a session for ``user``; return the id to put in the cookie."""
    session_id = secrets.token_urlsafe(32)
    web_store.insert_session(
        conn,
        digest(session_id),
        user.username,
        secrets.token_urlsafe(32),
        utcnow() + SESSION_LIFETIME,
    )
    return session_id


def session_user(conn: store.Connection, session_id: str) -> User | None:
    found = web_store.session_user(conn, digest(session_id))
    if found is None:
        return None
    row, csrf = found
    return User(row.username, Role.parse(row.role), csrf)


def end_session(conn: store.Connection, session_id: str) -> None:
    web_store.delete_session(conn, digest(session_id))


def create_token(conn: store.Connection, username: str) -> str:
    """A new API token for ``username`` (shown once; only its digest is stored).

    :raises UserError: if there is no such user.
    """
    if web_store.get_user(conn, username) is None:
        raise UserError(
            f"there is no user {username!r}; create it with `taskloom users create {username} ...`"
        )
    token = secrets.token_urlsafe(32)
    web_store.insert_token(conn, digest(token), username)
    return token


def token_user(conn: store.Connection, token: str) -> User | None:
    row = web_store.token_user(conn, digest(token))
    return User(row.username, Role.parse(row.role)) if row is not None else None


def csrf_matches(user: User, submitted: str | None) -> bool:
    """Whether a form's (or header's) CSRF token is the session's, compared in constant time."""
    if user.csrf_token is None or not submitted:
        return False
    return hmac.compare_digest(user.csrf_token, submitted)
