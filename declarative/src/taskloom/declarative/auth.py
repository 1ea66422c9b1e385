"""Authenticators: Airbyte's bearer, basic, API key, OAuth 2 and session-token components.

A ``SelectiveAuthenticator`` is resolved to one of these by :func:`select`.

Each one adds its credentials to a :class:`~taskloom.declarative.request_options.RequestParts`
(:meth:`apply`), and :meth:`refresh` forgets a cached token after a 401 so the next
request fetches a new one.  Every credential is registered with core's secrets masker as
soon as it is known, so it never shows in a log line, an error or a record dump.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from collections.abc import Mapping
from typing import Any

import requests

from taskloom.declarative import dates
from taskloom.declarative.errors import ConfigError
from taskloom.declarative.errors import ReadError
from taskloom.declarative.interpolation import Interpolator
from taskloom.declarative.request_options import RequestOption
from taskloom.declarative.request_options import RequestParts
from taskloom.utils.secrets_masker import mask_secret


def select(spec: Mapping[str, Any], config: Mapping[str, Any]) -> Mapping[str, Any]:
    """The authenticator of a ``SelectiveAuthenticator`` that the config value at its path names.

    :raises ConfigError: naming the path and the allowed values, if the value selects nothing.
    """
    path = [str(p) for p in spec["authenticator_selection_path"]]
    value: Any = config
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
    choices: Mapping[str, Any] = spec["authenticators"]
    if isinstance(value, str) and value in choices:
        return dict(choices[value])
    got = "nothing" if value is None else f"{value!r}"[:60]
    allowed = ", ".join(repr(c) for c in choices)
    raise ConfigError(
        f"config {'.'.join(path)} must select an authenticator: it is {got}; "
        f"allowed values: {allowed}"
    )


class Authenticator:
    """No authentication (``NoAuth``); the base of the others."""

    def apply(self, parts: RequestParts, context: Mapping[str, Any]) -> None:
        """Add credentials to ``parts``."""

    def refresh(self) -> None:
        """Forget a cached token (after the API answered 401)."""


class BearerAuthenticator(Authenticator):
    """``Authorization: Bearer <api_token>``."""

    def __init__(self, spec: Mapping[str, Any], interpolator: Interpolator) -> None:
        self.token = spec["api_token"]
        self.interpolator = interpolator

    def apply(self, parts: RequestParts, context: Mapping[str, Any]) -> None:
        token = self.interpolator.eval_str(self.token, context) or ""
        mask_secret(token, "bearer token")
        parts.headers["Authorization"] = f"Bearer {token}"


class BasicHttpAuthenticator(Authenticator):
    """``Authorization: Basic base64(username:password)``."""

    def __init__(self, spec: Mapping[str, Any], interpolator: Interpolator) -> None:
        self.username = spec["username"]
        self.password = spec.get("password", "")
        self.interpolator = interpolator

    def apply(self, parts: RequestParts, context: Mapping[str, Any]) -> None:
        user = self.interpolator.eval_str(self.username, context) or ""
        password = self.interpolator.eval_str(self.password, context) or ""
        mask_secret(password, "basic auth password")
        encoded = base64.b64encode(f"{user}:{password}".encode()).decode()
        mask_secret(encoded, "basic auth header")
        parts.headers["Authorization"] = f"Basic {encoded}"


class ApiKeyAuthenticator(Authenticator):
    """An API key in a header, a query parameter or the body (``inject_into``)."""

    def __init__(self, spec: Mapping[str, Any], interpolator: Interpolator) -> None:
        self.token = spec.get("api_token", "")
        inject = spec.get("inject_into") or {
            "inject_into": "header",
            "field_name": spec.get("header") or "Authorization",
        }
        self.option = RequestOption(inject, interpolator)
        self.interpolator = interpolator

    def apply(self, parts: RequestParts, context: Mapping[str, Any]) -> None:
        token = self.interpolator.eval_str(self.token, context) or ""
        mask_secret(token, "API key")
        self.option.inject(parts, token, context)


class _TokenCache:
    """A token fetched on demand and kept until it expires."""

    def __init__(self, fetch: Callable[[], tuple[str, float | None]]) -> None:
        self._fetch = fetch
        self._token: str | None = None
        self._expires_at = 0.0

    def get(self) -> str:
        if self._token is None or time.monotonic() >= self._expires_at:
            token, lifetime = self._fetch()
            mask_secret(token, "access token")
            self._token = token
            # Renew a little early: a token that expires in flight fails the request.
            self._expires_at = time.monotonic() + (
                lifetime - 30 if lifetime and lifetime > 60 else lifetime or 3600
            )
        return self._token

    def clear(self) -> None:
        self._token = None


class OAuthAuthenticator(Authenticator):
    """OAuth 2: an access token from ``token_refresh_endpoint`` (refresh-token or client-credentials grant)."""

    def __init__(
        self,
        spec: Mapping[str, Any],
        interpolator: Interpolator,
        session: requests.Session,
        context: Mapping[str, Any],
    ) -> None:
        self.spec = spec
        self.interpolator = interpolator
        self.session = session
        self.context = context
        self.cache = _TokenCache(self._fetch)

    def _fetch(self) -> tuple[str, float | None]:
        ev = self.interpolator.eval_str
        spec, ctx = self.spec, self.context
        grant = spec.get("grant_type") or "refresh_token"
        body: dict[str, Any] = {"grant_type": grant}
        client_id, client_secret = (
            ev(spec.get("client_id"), ctx),
            ev(spec.get("client_secret"), ctx),
        )
        mask_secret(client_secret, "OAuth client secret")
        if client_id:
            body["client_id"] = client_id
        if client_secret:
            body["client_secret"] = client_secret
        if grant == "refresh_token":
            refresh_token = ev(spec.get("refresh_token"), ctx)
            mask_secret(refresh_token, "OAuth refresh token")
            body["refresh_token"] = refresh_token
        if spec.get("scopes"):
            body["scope"] = " ".join(spec["scopes"])
        body.update(self.interpolator.eval_mapping(spec.get("refresh_request_body"), ctx))
        headers = self.interpolator.eval_mapping(spec.get("refresh_request_headers"), ctx)
        url = ev(spec["token_refresh_endpoint"], ctx) or ""
        try:
            response = self.session.post(url, data=body, headers=headers, timeout=60)
        except requests.RequestException as exc:
            raise ReadError(f"OAuth token request to {url} failed: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise ReadError(
                f"OAuth token request to {url} answered {response.status_code}: check the "
                "client id, client secret and refresh token of the connection"
            )
        payload = response.json()
        token = payload.get(spec.get("access_token_name") or "access_token")
        if not token:
            raise ReadError(f"OAuth token response from {url} has no access token")
        expires = payload.get(spec.get("expires_in_name") or "expires_in")
        return str(token), float(expires) if expires else None

    def apply(self, parts: RequestParts, context: Mapping[str, Any]) -> None:
        parts.headers["Authorization"] = f"Bearer {self.cache.get()}"

    def refresh(self) -> None:
        self.cache.clear()


class SessionTokenAuthenticator(Authenticator):
    """A token obtained by a login request (``login_requester``) and sent with every request."""

    def __init__(
        self,
        spec: Mapping[str, Any],
        interpolator: Interpolator,
        login: Callable[[], Any],
        context: Mapping[str, Any],
    ) -> None:
        self.path: list[str] = list(spec["session_token_path"])
        duration = spec.get("expiration_duration")
        self.lifetime = dates.parse_duration(duration).delta.total_seconds() if duration else None
        how = spec["request_authentication"]
        self.option = (
            RequestOption(how["inject_into"], interpolator)
            if how["type"] in ("ApiKey", "SessionTokenRequestApiKeyAuthenticator")
            else None
        )
        self.login = login
        self.context = context
        self.cache = _TokenCache(self._fetch)

    def _fetch(self) -> tuple[str, float | None]:
        response = self.login()
        value: Any = response.json() if response is not None else None
        for key in self.path:
            value = value.get(key) if isinstance(value, Mapping) else None
        if not value:
            raise ReadError(
                f"the login response has no session token at {'/'.join(self.path)}: check the "
                "connection's credentials"
            )
        return str(value), self.lifetime

    def apply(self, parts: RequestParts, context: Mapping[str, Any]) -> None:
        token = self.cache.get()
        if self.option is None:
            parts.headers["Authorization"] = f"Bearer {token}"
        else:
            self.option.inject(parts, token, context)

    def refresh(self) -> None:
        self.cache.clear()
