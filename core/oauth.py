"""OAuth 2.0 as the accounting packages use it: consent URL with PKCE, code exchange, refresh with
rotation, revocation. Plain form POSTs over httpx (PKCE and token helpers from Authlib).

Errors: ``invalid_grant`` (a refresh token revoked, expired or already rotated past its grace)
raises :class:`InvalidGrant` — the connection needs the user again; outages and timeouts raise
:class:`core.accounting.TransientError`; anything else :class:`core.accounting.PermanentError`.
Token values never appear in exceptions or logs.
"""

from __future__ import annotations

import base64
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from core.accounting import PermanentError, TransientError

TIMEOUT = httpx.Timeout(20.0, connect=10.0)
EXPIRY_MARGIN = timedelta(seconds=120)  # refresh this long before the access token expires


class InvalidGrant(Exception):
    """The authorisation server refused the grant: the user must connect the tenant again."""


@dataclass(frozen=True)
class TokenSet:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: datetime
    scope: str = ""

    def fresh(self, now: datetime) -> bool:
        """Still usable for a while (refresh a little before it expires)."""
        return now + EXPIRY_MARGIN < self.expires_at

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "expires_at": self.expires_at.isoformat()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TokenSet":
        return cls(data["access_token"], data["refresh_token"], datetime.fromisoformat(data["expires_at"]),
                   data.get("scope", ""))


@dataclass(frozen=True)
class OAuthEndpoints:
    """One package's authorisation server, as configured for a tenant."""

    authorize_url: str
    token_url: str
    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    revocation_url: str | None = None
    scope: str = ""
    client_auth: str = "basic"  # "basic" (HTTP Basic) or "post" (client_id/secret in the form)
    extra_authorize_params: tuple[tuple[str, str], ...] = ()
    access_lifetime: int = 1800  # seconds, when a token answer does not say (MYOB: 1200)
    revoke_as_json: bool = False  # Intuit's revocation endpoint takes {"token": …} as JSON


class OAuthClient:
    def __init__(self, endpoints: OAuthEndpoints, *, transport: httpx.BaseTransport | None = None,
                 now=lambda: datetime.now(UTC)):
        self.endpoints = endpoints
        self.now = now
        self._http = httpx.Client(timeout=TIMEOUT, transport=transport, headers={"Accept": "application/json"})

    def close(self) -> None:
        self._http.close()

    def authorization_url(self, redirect_uri: str, state: str | None = None) -> tuple[str, str, str]:
        """``(url, state, code_verifier)`` for the consent page (authorization code + PKCE S256)."""
        state = state or generate_token(24)
        verifier = generate_token(64)
        params = [("response_type", "code"), ("client_id", self.endpoints.client_id),
                  ("redirect_uri", redirect_uri), ("scope", self.endpoints.scope), ("state", state),
                  ("code_challenge", create_s256_code_challenge(verifier)), ("code_challenge_method", "S256"),
                  *self.endpoints.extra_authorize_params]
        return add_params_to_uri(self.endpoints.authorize_url, params), state, verifier

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str | None = None) -> TokenSet:
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        if code_verifier:
            form["code_verifier"] = code_verifier
        return self._token(form)

    def refresh(self, refresh_token: str) -> TokenSet:
        """A new token set; the package may rotate the refresh token (persist it before use)."""
        return self._token({"grant_type": "refresh_token", "refresh_token": refresh_token}, refresh_token)

    def revoke(self, token: str) -> None:
        if not self.endpoints.revocation_url:
            return
        body = {"token": token} if self.endpoints.revoke_as_json else {"token": token, "token_type_hint": "refresh_token"}
        response = self._post(self.endpoints.revocation_url, body, as_json=self.endpoints.revoke_as_json)
        if response.status_code >= 500:
            raise TransientError(f"revocation failed with HTTP {response.status_code}", status=response.status_code)

    # -- plumbing ------------------------------------------------------------------------------------
    def _token(self, form: dict[str, str], previous_refresh: str | None = None) -> TokenSet:
        response = self._post(self.endpoints.token_url, form)
        try:
            data = response.json()
        except ValueError:
            data = {}
        if response.status_code == 200 and data.get("access_token"):
            expires_in = int(data.get("expires_in") or self.endpoints.access_lifetime)
            return TokenSet(data["access_token"], data.get("refresh_token") or previous_refresh or "",
                            self.now() + timedelta(seconds=expires_in), data.get("scope") or self.endpoints.scope)
        error = data.get("error") if isinstance(data, dict) else None
        if error == "invalid_grant":
            raise InvalidGrant(data.get("error_description") or "invalid_grant")
        if response.status_code >= 500 or response.status_code == 429:
            raise TransientError(f"token endpoint answered HTTP {response.status_code}", status=response.status_code)
        raise PermanentError(f"token endpoint refused: {error or response.status_code} "
                             f"{data.get('error_description', '') if isinstance(data, dict) else ''}".strip(),
                             status=response.status_code)

    def _post(self, url: str, form: dict[str, str], as_json: bool = False) -> httpx.Response:
        headers = {}
        form = dict(form)
        if self.endpoints.client_auth == "basic" and self.endpoints.client_secret is not None:
            pair = f"{self.endpoints.client_id}:{self.endpoints.client_secret}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        else:
            form["client_id"] = self.endpoints.client_id
            if self.endpoints.client_secret:
                form["client_secret"] = self.endpoints.client_secret
        try:
            if as_json:
                return self._http.post(url, json=form, headers=headers)
            return self._http.post(url, data=form, headers=headers)
        except httpx.TimeoutException as exc:
            raise TransientError(f"token endpoint did not answer in time ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise TransientError(f"token endpoint unreachable ({type(exc).__name__})") from None
