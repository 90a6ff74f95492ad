"""A small OAuth2 authorization server for sandboxes, with an in-memory token store.

Supports what accounting-package clients use:

- the authorization-code grant with PKCE (S256 only), consent given automatically for the
  sandbox's user, redirecting to the registered ``redirect_uri`` with ``code`` and ``state``;
- the refresh-token grant with rotation: every refresh issues a new refresh token, and the
  previous one stays usable for a grace period (it then returns the same successor with a fresh
  access token), after which it gives ``invalid_grant``;
- client authentication by HTTP Basic (``client_secret_basic``) or form fields
  (``client_secret_post``); public clients (no secret) must use PKCE;
- revocation (RFC 7009): revoking a refresh token revokes its whole grant.

Access tokens are HS256 JWTs (so clients that read claims can), but the store is the authority.
Lifetimes, the grace period and the claim names are constructor options.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable
from urllib.parse import urlencode, urlsplit, urlunsplit, parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from core.clock import Clock, SystemClock

_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


class OAuthError(Exception):
    """An RFC 6749 error: ``error`` code and HTTP status."""

    def __init__(self, error: str, status: int = 400, description: str | None = None) -> None:
        super().__init__(description or error)
        self.error, self.status, self.description = error, status, description


class TokenRejected(Exception):
    """An access token that is unknown, revoked or expired (``expired_at`` set when expired)."""

    def __init__(self, reason: str, expired_at: datetime | None = None) -> None:
        super().__init__(reason)
        self.reason, self.expired_at = reason, expired_at


@dataclass
class Client:
    client_id: str
    client_secret: str | None
    redirect_uris: tuple[str, ...] = ()


@dataclass
class Grant:
    """One consent: a user allowed a client some scopes. Vendors hang their state off ``data``."""

    id: str
    client_id: str
    subject: str
    scope: tuple[str, ...]
    auth_event_id: str
    created_at: datetime
    revoked: bool = False
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Code:
    grant: Grant
    redirect_uri: str | None
    challenge: str | None
    expires_at: datetime
    used: bool = False


@dataclass
class _Refresh:
    token: str
    grant_id: str
    issued_at: datetime
    rotated_at: datetime | None = None
    successor: str | None = None


@dataclass
class _Access:
    grant_id: str
    expires_at: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def pkce_challenge(verifier: str) -> str:
    """The S256 code challenge of ``verifier``."""
    return _b64(hashlib.sha256(verifier.encode("ascii")).digest())


class AuthorizationServer:
    """Clients, grants and tokens, with the grant logic; thread-safe."""

    def __init__(self, clock: Clock | None = None, *, issuer: str = "https://sandbox.invalid/identity",
                 access_ttl: timedelta = timedelta(minutes=30), refresh_grace: timedelta = timedelta(minutes=30),
                 refresh_idle_ttl: timedelta = timedelta(days=60), code_ttl: timedelta = timedelta(minutes=5),
                 refresh_requires_scope: str | None = "offline_access",
                 auth_event_claim: str = "authentication_event_id") -> None:
        self.clock = clock or SystemClock()
        self.issuer = issuer
        self.access_ttl, self.refresh_grace = access_ttl, refresh_grace
        self.refresh_idle_ttl, self.code_ttl = refresh_idle_ttl, code_ttl
        self.refresh_requires_scope = refresh_requires_scope
        self.auth_event_claim = auth_event_claim
        self.default_subject = "sandbox-user"
        self.on_grant: list[Callable[[Grant], None]] = []
        self.on_revoke: list[Callable[[Grant], None]] = []
        self._key = secrets.token_bytes(32)
        self._clients: dict[str, Client] = {}
        self._grants: dict[str, Grant] = {}
        self._codes: dict[str, _Code] = {}
        self._refresh: dict[str, _Refresh] = {}
        self._access: dict[str, _Access] = {}
        self._lock = threading.RLock()

    # -- set-up --------------------------------------------------------------------------------
    def register_client(self, client_id: str | None = None, client_secret: str | None = "",
                        redirect_uris: Iterable[str] = ()) -> Client:
        """Register a client; ``client_secret=""`` generates one, ``None`` makes a public client."""
        client = Client(client_id or secrets.token_hex(16).upper(),
                        secrets.token_urlsafe(36) if client_secret == "" else client_secret,
                        tuple(redirect_uris))
        with self._lock:
            self._clients[client.client_id] = client
        return client

    def client(self, client_id: str) -> Client | None:
        return self._clients.get(client_id)

    def grant(self, client_id: str, scope: Iterable[str], subject: str | None = None) -> Grant:
        """Record a consent directly (what the browser dance ends in) and fire ``on_grant``."""
        if client_id not in self._clients:
            raise OAuthError("invalid_client", 401)
        grant = Grant(str(uuid.uuid4()), client_id, subject or self.default_subject, tuple(scope),
                      str(uuid.uuid4()), self.clock.now())
        with self._lock:
            self._grants[grant.id] = grant
        for callback in self.on_grant:
            callback(grant)
        return grant

    def grants(self) -> list[Grant]:
        with self._lock:
            return [g for g in self._grants.values() if not g.revoked]

    def issue_refresh_token(self, grant: Grant) -> str:
        """A new refresh token for ``grant`` (e.g. to print for a headless client)."""
        with self._lock:
            token = secrets.token_urlsafe(32)
            self._refresh[token] = _Refresh(token, grant.id, self.clock.now())
            return token

    # -- authorize endpoint --------------------------------------------------------------------
    def authorize(self, params: dict[str, str],
                  redirect_params: Callable[[Grant], dict[str, str]] | None = None) -> str:
        """Handle an authorization request; return the redirect URL (code, or error, plus state).

        ``redirect_params(grant)`` may add vendor parameters next to ``code`` (e.g. MYOB's
        ``businessId``). Raises :class:`OAuthError` when the client or redirect URI is bad.
        """
        client = self._clients.get(params.get("client_id", ""))
        if client is None:
            raise OAuthError("invalid_client", 400, "unknown client_id")
        redirect_uri = params.get("redirect_uri")
        if not redirect_uri:
            raise OAuthError("invalid_request", 400, "redirect_uri is required")
        if client.redirect_uris and redirect_uri not in client.redirect_uris:
            raise OAuthError("invalid_request", 400, "redirect_uri is not registered for this client")
        state = params.get("state")

        def back(**query: str) -> str:
            parts = urlsplit(redirect_uri)
            pairs = parse_qsl(parts.query) + [(k, v) for k, v in query.items()]
            if state is not None:
                pairs.append(("state", state))
            return urlunsplit(parts._replace(query=urlencode(pairs)))

        if params.get("response_type") != "code":
            return back(error="unsupported_response_type")
        challenge = params.get("code_challenge")
        method = params.get("code_challenge_method", "plain" if challenge else None)
        if challenge and method != "S256":
            return back(error="invalid_request", error_description="code_challenge_method must be S256")
        if client.client_secret is None and not challenge:
            return back(error="invalid_request", error_description="code_challenge is required")
        scope = tuple(params.get("scope", "").split())
        if not scope:
            return back(error="invalid_scope")
        grant = self.grant(client.client_id, scope)
        code = secrets.token_urlsafe(32)
        with self._lock:
            self._codes[code] = _Code(grant, redirect_uri, challenge, self.clock.now() + self.code_ttl)
        return back(code=code, **(redirect_params(grant) if redirect_params else {}))

    # -- token endpoint ------------------------------------------------------------------------
    def _authenticate(self, form: dict[str, str], authorization: str | None) -> Client:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(authorization[6:].strip()).decode("utf-8")
            except ValueError as exc:
                raise OAuthError("invalid_client", 401) from exc
            client_id, _, secret = decoded.partition(":")
        client = self._clients.get(client_id or "")
        if client is None:
            raise OAuthError("invalid_client", 401)
        if client.client_secret is not None and not hmac.compare_digest(secret or "", client.client_secret):
            raise OAuthError("invalid_client", 401)
        return client

    def token(self, form: dict[str, str], authorization: str | None = None) -> dict[str, Any]:
        """Handle a token request (form fields); return the token response or raise OAuthError."""
        client = self._authenticate(form, authorization)
        grant_type = form.get("grant_type")
        with self._lock:
            if grant_type == "authorization_code":
                return self._code_grant(client, form)
            if grant_type == "refresh_token":
                return self._refresh_grant(client, form)
        raise OAuthError("unsupported_grant_type")

    def _code_grant(self, client: Client, form: dict[str, str]) -> dict[str, Any]:
        code = self._codes.get(form.get("code", ""))
        now = self.clock.now()
        if code is None or code.grant.client_id != client.client_id:
            raise OAuthError("invalid_grant")
        if code.used:  # a replayed code revokes what it issued (RFC 6749 §4.1.2)
            self._revoke_grant(code.grant)
            raise OAuthError("invalid_grant")
        if now >= code.expires_at or code.grant.revoked:
            raise OAuthError("invalid_grant")
        if code.redirect_uri and form.get("redirect_uri") != code.redirect_uri:
            raise OAuthError("invalid_grant")
        if code.challenge:
            verifier = form.get("code_verifier", "")
            if not _VERIFIER.fullmatch(verifier) or not hmac.compare_digest(pkce_challenge(verifier), code.challenge):
                raise OAuthError("invalid_grant")
        elif client.client_secret is None:
            raise OAuthError("invalid_grant")
        code.used = True
        return self._token_response(code.grant, self._new_refresh(code.grant))

    def _refresh_grant(self, client: Client, form: dict[str, str]) -> dict[str, Any]:
        now = self.clock.now()
        record = self._refresh.get(form.get("refresh_token", ""))
        grant = self._grants.get(record.grant_id) if record else None
        if record is None or grant is None or grant.revoked or grant.client_id != client.client_id:
            raise OAuthError("invalid_grant")
        if now - record.issued_at >= self.refresh_idle_ttl:
            raise OAuthError("invalid_grant")
        if "scope" in form and form["scope"].strip():
            if not set(form["scope"].split()) <= set(grant.scope):
                raise OAuthError("invalid_scope")
        if record.rotated_at is None:
            successor = self._new_refresh(grant)
            record.rotated_at, record.successor = now, successor
        elif now - record.rotated_at < self.refresh_grace:
            successor = record.successor
        else:
            raise OAuthError("invalid_grant")
        return self._token_response(grant, successor)

    def _new_refresh(self, grant: Grant) -> str | None:
        if self.refresh_requires_scope and self.refresh_requires_scope not in grant.scope:
            return None
        return self.issue_refresh_token(grant)

    def _jwt(self, claims: dict[str, Any]) -> str:
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signature = hmac.new(self._key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        return f"{header}.{payload}.{_b64(signature)}"

    def _token_response(self, grant: Grant, refresh: str | None) -> dict[str, Any]:
        now = self.clock.now()
        stamp = int(now.timestamp())
        access = self._jwt({"iss": self.issuer, "nbf": stamp, "iat": stamp,
                            "exp": int((now + self.access_ttl).timestamp()), "client_id": grant.client_id,
                            "sub": grant.subject, self.auth_event_claim: grant.auth_event_id,
                            "jti": secrets.token_hex(16), "scope": list(grant.scope)})
        self._access[access] = _Access(grant.id, now + self.access_ttl)
        body: dict[str, Any] = {"access_token": access, "expires_in": int(self.access_ttl.total_seconds()),
                                "token_type": "Bearer", "scope": " ".join(grant.scope)}
        if refresh:
            body["refresh_token"] = refresh
        if "openid" in grant.scope:
            body["id_token"] = self._jwt({"iss": self.issuer, "aud": grant.client_id, "sub": grant.subject,
                                          "iat": stamp, "exp": stamp + 300})
        return body

    # -- revocation and validation -------------------------------------------------------------
    def revoke(self, form: dict[str, str], authorization: str | None = None) -> None:
        """RFC 7009: revoke a refresh token (its whole grant) or an access token; unknown is fine."""
        client = self._authenticate(form, authorization)
        token = form.get("token", "")
        with self._lock:
            refresh = self._refresh.get(token)
            if refresh is not None:
                grant = self._grants.get(refresh.grant_id)
                if grant is not None and grant.client_id == client.client_id:
                    self._revoke_grant(grant)
                return
            access = self._access.get(token)
            if access is not None and self._grants[access.grant_id].client_id == client.client_id:
                del self._access[token]

    def revoke_grant(self, grant_id: str) -> None:
        with self._lock:
            grant = self._grants.get(grant_id)
            if grant is not None:
                self._revoke_grant(grant)

    def _revoke_grant(self, grant: Grant) -> None:
        if grant.revoked:
            return
        grant.revoked = True
        for callback in self.on_revoke:
            callback(grant)

    def validate(self, token: str) -> Grant:
        """The grant behind a bearer access token, or :class:`TokenRejected`."""
        with self._lock:
            access = self._access.get(token)
            if access is None:
                raise TokenRejected("unknown")
            grant = self._grants[access.grant_id]
            if grant.revoked:
                raise TokenRejected("revoked")
            if self.clock.now() >= access.expires_at:
                raise TokenRejected("expired", access.expires_at)
            return grant

    def refresh_expires_in(self, token: str) -> int | None:
        """Seconds until ``token`` (a refresh token) reaches its idle expiry; None if unknown."""
        with self._lock:
            record = self._refresh.get(token)
            if record is None:
                return None
            left = record.issued_at + self.refresh_idle_ttl - self.clock.now()
            return max(0, int(left.total_seconds()))

    def expire_access_tokens(self) -> None:
        """Make every issued access token expired now (for tests of refresh-on-401)."""
        with self._lock:
            now = self.clock.now()
            for access in self._access.values():
                access.expires_at = min(access.expires_at, now)

    # -- HTTP ----------------------------------------------------------------------------------
    def routes(self, authorize: str = "/connect/authorize", token: str = "/connect/token",
               revoke: str = "/connect/revocation",
               discovery: str | None = "/.well-known/openid-configuration") -> list[Route]:
        """Starlette routes for the endpoints (paths relative to where they are mounted)."""

        async def authorize_endpoint(request: Request) -> Response:
            try:
                return RedirectResponse(self.authorize(dict(request.query_params)), status_code=302)
            except OAuthError as exc:
                return PlainTextResponse(f"{exc.error}: {exc.description or ''}".strip(), status_code=exc.status)

        async def form_of(request: Request) -> dict[str, str]:
            return dict(parse_qsl((await request.body()).decode("utf-8", errors="replace"), keep_blank_values=True))

        async def token_endpoint(request: Request) -> Response:
            try:
                body = self.token(await form_of(request), request.headers.get("authorization"))
            except OAuthError as exc:
                return JSONResponse({"error": exc.error}, status_code=exc.status,
                                    headers={"Cache-Control": "no-store"})
            return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

        async def revoke_endpoint(request: Request) -> Response:
            try:
                self.revoke(await form_of(request), request.headers.get("authorization"))
            except OAuthError as exc:
                return JSONResponse({"error": exc.error}, status_code=exc.status)
            return Response(status_code=200)

        async def discovery_endpoint(request: Request) -> Response:
            root = str(request.url).removesuffix(discovery or "").rstrip("/")
            return JSONResponse({
                "issuer": self.issuer, "authorization_endpoint": root + authorize,
                "token_endpoint": root + token, "revocation_endpoint": root + revoke,
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            })

        routes = [Route(authorize, authorize_endpoint, methods=["GET"]),
                  Route(token, token_endpoint, methods=["POST"]),
                  Route(revoke, revoke_endpoint, methods=["POST"])]
        if discovery:
            routes.append(Route(discovery, discovery_endpoint, methods=["GET"]))
        return routes
