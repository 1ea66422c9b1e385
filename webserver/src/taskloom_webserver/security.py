"""Who is asking, and may they: the request-side half of :mod:`taskloom_webserver.auth`.

A request is authenticated by an ``Authorization: Bearer`` API token or by the session
cookie.  A write made with the cookie must carry the session's CSRF token (a form's
``csrf_token`` field, or the ``X-CSRF-Token`` header for scripts in the pages), so another
site cannot make a logged-in browser change anything.  Every write names the role it needs.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing

from fastapi import HTTPException
from fastapi import Request
from starlette.responses import Response

from taskloom import store
from taskloom_webserver import auth
from taskloom_webserver.auth import Role
from taskloom_webserver.auth import User

#: The session cookie's name.
SESSION_COOKIE = "taskloom_session"
#: The cookie the login form's CSRF token is checked against (no session exists yet).
LOGIN_CSRF_COOKIE = "taskloom_login_csrf"
#: Methods that change nothing (no CSRF token needed with the cookie).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


_UNKNOWN = object()


class LoginRequired(Exception):
    """No valid session or token: pages redirect to the login form, the API answers 401."""


def cookies_secure(request: Request) -> bool:
    """Whether cookies get the ``Secure`` flag: over HTTPS, and always with the setting
    ``[webserver] cookie_secure`` (``TASKLOOM__WEBSERVER__COOKIE_SECURE``), which a server
    behind an HTTPS reverse proxy needs, as it sees plain HTTP itself."""
    from taskloom import configuration

    return request.url.scheme == "https" or configuration.get_bool(
        "webserver", "cookie_secure", False
    )


def set_session_cookie(response: Response, session_id: str, *, secure: bool) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=int(auth.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/",
    )


def identify(request: Request) -> User | None:
    """The user a request comes from, or ``None`` (cached on the request)."""
    cached: object = getattr(request.state, "user", _UNKNOWN)
    if cached is None or isinstance(cached, User):
        return cached
    found: User | None = None
    header = request.headers.get("authorization", "")
    with closing(store.connect()) as conn:
        if header.lower().startswith("bearer "):
            found = auth.token_user(conn, header[7:].strip())
        elif request.cookies.get(SESSION_COOKIE):
            found = auth.session_user(conn, request.cookies[SESSION_COOKIE])
    request.state.user = found
    return found


async def check_csrf(request: Request, user: User) -> None:
    """Refuse a cookie-authenticated write without the session's CSRF token (403)."""
    if request.method in SAFE_METHODS or user.csrf_token is None:
        return
    submitted = request.headers.get("x-csrf-token")
    if submitted is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        submitted = value if isinstance(value, str) else None
    if not auth.csrf_matches(user, submitted):
        raise HTTPException(
            403, "missing or wrong CSRF token; reload the page and submit the form again"
        )


def require(role: Role) -> Callable[[Request], object]:
    """A FastAPI dependency: the request's user, if they have at least ``role``.

    :raises LoginRequired: without a valid session or token.
    :raises HTTPException: 403 when the role is too low or the CSRF token is missing.
    """

    async def dependency(request: Request) -> User:
        from starlette.concurrency import run_in_threadpool

        user = await run_in_threadpool(identify, request)
        if user is None:
            raise LoginRequired()
        await check_csrf(request, user)
        if user.role < role:
            raise HTTPException(
                403,
                f"user {user.username!r} has role {user.role.name.lower()}; this needs "
                f"{role.name.lower()} (ask an admin to change your role)",
            )
        return user

    return dependency
