"""The QuickBooks sandbox: state, the ASGI app, OAuth endpoints and the guard every API call passes.

Order of a call: request log → ``intuit_tid`` header → faults → route. API calls then check the
bearer token (401, code 3200: the gateway's lower-case JSON, or an XML ``AuthenticationFault``
when JSON was not asked for), the token's realm and scope (403, 3100), the rate limits (429 with
the XML ThrottleExceeded body, 3001, no Retry-After: 500/min and 10 concurrent per realm, 40
batch calls/min), then ``requestid`` replay on writes, and run the handler. ``minorversion`` is
accepted and ignored (everything is served as 75).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any, Iterable, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route

from core.clock import Clock, SystemClock
from core.sandbox.faults import FaultMiddleware, FaultPlan
from core.sandbox.idempotency import CachedResponse, IdempotencyCache, fingerprint
from core.sandbox.oauth import AuthorizationServer, Grant, OAuthError, TokenRejected
from core.ratelimit import Limits, RateLimiter
from core.sandbox.recorder import RecorderMiddleware, RequestLog

from . import admin, api
from .common import Ctx
from .control import QuickBooksControl
from .errors import CATALOGUE, THROTTLE_XML, QBOFault, gateway_fault, xml_fault
from .faults import PRESETS
from .seed import build_company
from .store import ENTITIES, Company
from .wire import XML_TYPE, new_tid, respond, wants_json

API_PREFIX = "/v3/company"
TOKEN_PATH = "/oauth2/v1/tokens/bearer"
REVOKE_PATH = "/oauth2/v1/tokens/revoke"
AUTHORIZE_PATH = "/connect/oauth2"
ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"
DEFAULT_SCOPES = (ACCOUNTING_SCOPE, "openid", "profile", "email")
QBO_LIMITS = Limits(concurrent=10, per_minute=500, per_day=10 ** 9, app_per_minute=10 ** 9)
REQUEST_ID_MAX, BATCH_REQUEST_ID_MAX, BATCH_BID_MAX = 50, 36, 10
MINOR_VERSION = 75


class TidMiddleware:
    """Adds an ``intuit_tid`` header to every API response (faults included)."""

    def __init__(self, app: Any, skip: tuple[str, ...] = ("/__sandbox__",)) -> None:
        self.app, self.skip = app, skip

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.skip):
            await self.app(scope, receive, send)
            return
        tid = new_tid().encode()

        async def with_tid(message: dict) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": list(message.get("headers", [])) + [(b"intuit_tid", tid)]}
            await send(message)

        await self.app(scope, receive, with_tid)


class QuickBooksSandbox:
    """A local QuickBooks Online company with an Intuit-style OAuth server, faults and limits.

    ``seed``: company options (see :mod:`.seed`); ``limits``: a :class:`Limits` (default QBO's:
    10 concurrent, 500/min per realm); ``batch_per_minute``: batch calls per minute (40);
    ``faults``: a FaultPlan, a JSON/TOML path or a list of fault dicts; ``messages_overrides``:
    ``{code: (Message, Detail template)}``; ``processing_delay``: seconds each admitted call takes;
    ``requestid_ttl``: how long a ``requestid`` is remembered (undocumented by Intuit; default
    1 day; ``None`` or 0 turns replay off, to prove the plugin's DocNumber pre-check).
    """

    def __init__(self, *, clock: Clock | None = None, limits: Limits | None = None, faults: Any = None,
                 seed: Mapping[str, Any] | None = None, client_id: str | None = None,
                 client_secret: str | None = "", redirect_uris: Iterable[str] = (), batch_per_minute: int = 40,
                 messages_overrides: Mapping[str, tuple[str, str]] | None = None, processing_delay: float = 0.0,
                 requestid_ttl: timedelta | None = timedelta(days=1),
                 access_ttl: timedelta = timedelta(minutes=60),
                 refresh_grace: timedelta = timedelta(hours=24),
                 refresh_ttl: timedelta = timedelta(days=100)) -> None:
        self.clock = clock or SystemClock()
        self.limiter = RateLimiter(limits or QBO_LIMITS, self.clock)
        self.batch_limiter = RateLimiter(Limits(concurrent=10 ** 6, per_minute=batch_per_minute, per_day=10 ** 9,
                                                app_per_minute=10 ** 9), self.clock)
        self.faults = faults if isinstance(faults, FaultPlan) else FaultPlan(PRESETS, self.clock)
        if isinstance(faults, (str, Path)):
            self.faults.load(faults)
        elif faults is not None and not isinstance(faults, FaultPlan):
            self.faults.extend(faults)
        self.requests = RequestLog(self.clock)
        self.requestid_ttl = requestid_ttl
        self.idempotency = IdempotencyCache(requestid_ttl or timedelta(0), self.clock)
        self.processing_delay = processing_delay
        self.page_size: int | None = None
        self.texts = dict(CATALOGUE)
        for code, pair in (messages_overrides or {}).items():
            if code not in self.texts:
                raise ValueError(f"unknown fault code {code!r}")
            self.texts[code] = tuple(pair)
        self.lock = threading.RLock()
        self._seed = dict(seed or {})
        self.company: Company = build_company(self._seed, self.clock.now())
        self.oauth = AuthorizationServer(self.clock, issuer="https://oauth.platform.intuit.com/op/v1",
                                         access_ttl=access_ttl, refresh_grace=refresh_grace,
                                         refresh_idle_ttl=refresh_ttl, refresh_requires_scope=None)
        self.oauth.on_grant.append(lambda grant: grant.data.setdefault("realm_id", self.company.realm_id))
        self.client = self.oauth.register_client(client_id or "AB" + secrets.token_hex(23), client_secret,
                                                 redirect_uris)
        self._seed_grant: Grant | None = None
        self.control = QuickBooksControl(self)
        self.app = RecorderMiddleware(TidMiddleware(FaultMiddleware(self._starlette(), self.faults)), self.requests)

    # -- state ---------------------------------------------------------------------------------
    @property
    def realm_id(self) -> str:
        return self.company.realm_id

    def reset_data(self) -> None:
        with self.lock:
            self.company = build_company(self._seed, self.clock.now())

    def reset(self, *, faults: bool = True) -> None:
        """Fresh company, empty request log, requestids, rate counters (and faults); OAuth kept."""
        self.reset_data()
        self.requests.clear()
        self.idempotency.clear()
        self.limiter.reset()
        self.batch_limiter.reset()
        self.page_size = None
        if faults:
            self.faults.clear()

    def set_book_close_date(self, day) -> None:
        with self.lock:
            self.company.book_close_date = day
            self.company.prefs_sync += 1

    def set_limits(self, **limits: int) -> None:
        """Change ``concurrent``, ``per_minute``, ``batch_per_minute`` (and the unused Xero-style ones)."""
        batch = limits.pop("batch_per_minute", None)
        if batch is not None:
            self.batch_limiter.limits = self.batch_limiter.limits.with_changes(per_minute=int(batch))
        self.limiter.limits = self.limiter.limits.with_changes(**limits)

    def set_requestid_ttl(self, ttl: timedelta | None) -> None:
        self.requestid_ttl = ttl
        self.idempotency.ttl = ttl or timedelta(0)

    def ctx(self, include: set[str] | None = None) -> Ctx:
        return Ctx(self.company, self.clock.now(), include or set(), self.texts)

    # -- OAuth ---------------------------------------------------------------------------------
    def credentials(self, base_url: str) -> dict[str, str]:
        """What a tenant needs: URLs, realm, client and a fresh refresh token for the seeded connection."""
        with self.lock:
            if self._seed_grant is None or self._seed_grant.revoked:
                self._seed_grant = self.oauth.grant(self.client.client_id, DEFAULT_SCOPES)
            refresh = self.oauth.issue_refresh_token(self._seed_grant)
        base = base_url.rstrip("/")
        return {"api_url": base, "token_url": base + TOKEN_PATH, "authorize_url": base + AUTHORIZE_PATH,
                "realm_id": self.realm_id, "client_id": self.client.client_id,
                "client_secret": self.client.client_secret or "", "refresh_token": refresh}

    async def _authorize(self, request: Request) -> Response:
        try:
            url = self.oauth.authorize(dict(request.query_params))
        except OAuthError as exc:
            return PlainTextResponse(f"{exc.error}: {exc.description or ''}".strip(), status_code=exc.status)
        parts = urlsplit(url)
        query = parse_qsl(parts.query)
        if any(k == "code" for k, _ in query):
            query.append(("realmId", self.realm_id))
        return RedirectResponse(urlunsplit(parts._replace(query=urlencode(query))), status_code=302)

    async def _token(self, request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode("utf-8", errors="replace"), keep_blank_values=True))
        try:
            body = self.oauth.token(form, request.headers.get("authorization"))
        except OAuthError as exc:
            error: dict[str, str] = {"error": exc.error}
            if exc.error == "invalid_grant" and form.get("grant_type") == "refresh_token":
                error["error_description"] = "Incorrect or invalid refresh token"
            return JSONResponse(error, status_code=exc.status, headers={"Cache-Control": "no-store"})
        body.pop("scope", None)
        body["token_type"] = "bearer"
        body["x_refresh_token_expires_in"] = self.oauth.refresh_expires_in(body["refresh_token"]) or 0
        return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    async def _revoke(self, request: Request) -> Response:
        raw = await request.body()
        try:
            data = json.loads(raw) if raw.strip().startswith(b"{") else dict(parse_qsl(raw.decode()))
            self.oauth.revoke({"token": str(data.get("token", ""))}, request.headers.get("authorization"))
        except OAuthError as exc:
            return JSONResponse({"error": exc.error}, status_code=exc.status)
        except (ValueError, AttributeError):
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        return Response(status_code=200)

    # -- the guard -----------------------------------------------------------------------------
    def _auth_failure(self, json_wanted: bool, detail: str) -> Response:
        headers = {"WWW-Authenticate": 'Bearer realm="Intuit", error="invalid_token"'}
        message = "message=AuthenticationFailed; errorCode=003200; statusCode=401"
        if json_wanted:
            millis = int(self.clock.now().timestamp() * 1000)
            return JSONResponse(gateway_fault(message, detail, "3200", "AUTHENTICATION", millis), 401, headers)
        return Response(xml_fault("3200", message, detail, "AuthenticationFault"), 401, headers, media_type=XML_TYPE)

    def _grant_of(self, request: Request, json_wanted: bool) -> Grant | Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return self._auth_failure(json_wanted, "Authorization header missing or not a bearer token")
        try:
            return self.oauth.validate(token.strip())
        except TokenRejected as exc:
            if exc.expired_at is not None:
                return self._auth_failure(json_wanted, f"Token expired: {token.strip()[:12]}…")
            return self._auth_failure(json_wanted, "Token revoked or invalid")

    def _forbidden(self, json_wanted: bool) -> Response:
        message = "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403"
        if json_wanted:
            millis = int(self.clock.now().timestamp() * 1000)
            return JSONResponse(gateway_fault(message, "", "3100", "AUTHORIZATION", millis), 403)
        return Response(xml_fault("3100", message, "", "AuthorizationFault"), 403, media_type=XML_TYPE)

    async def _api(self, request: Request) -> Response:
        json_wanted = wants_json(request.headers.get("accept"))
        grant = self._grant_of(request, json_wanted)
        if isinstance(grant, Response):
            return grant
        realm = request.path_params["realm"]
        if grant.data.get("realm_id") != realm or realm != self.realm_id or ACCOUNTING_SCOPE not in grant.scope:
            return self._forbidden(json_wanted)
        parts = [p for p in request.path_params["rest"].split("/") if p]
        is_batch = bool(parts) and parts[0].lower() == "batch"
        decision = self.limiter.acquire(realm)
        if not decision.allowed:
            return Response(THROTTLE_XML, 429, media_type=XML_TYPE)
        try:
            if is_batch:
                batch_decision = self.batch_limiter.acquire(realm)
                if not batch_decision.allowed:
                    return Response(THROTTLE_XML, 429, media_type=XML_TYPE)
                self.batch_limiter.release(realm)
            if self.processing_delay:
                await asyncio.sleep(self.processing_delay)
            raw = await request.body()
            return self._idempotent(request, realm, parts, raw, json_wanted)
        finally:
            self.limiter.release(realm)

    def _idempotent(self, request: Request, realm: str, parts: list[str], raw: bytes, json_wanted: bool) -> Response:
        params = {k: v for k, v in request.query_params.items()}
        key = next((v for k, v in params.items() if k.lower() == "requestid"), None)
        is_query = bool(parts) and parts[0].lower() == "query"
        if request.method != "POST" or not key or is_query:
            return self._run(request, parts, params, raw, json_wanted, None)
        is_batch = parts[0].lower() == "batch"
        limit = BATCH_REQUEST_ID_MAX if is_batch else REQUEST_ID_MAX
        if len(key) > limit:
            return self._fault(QBOFault("2050", limit=limit, length=len(key), element="requestid"), json_wanted)
        if not self.requestid_ttl:
            return self._run(request, parts, params, raw, json_wanted, BATCH_BID_MAX if is_batch else None)
        kept = sorted((k, v) for k, v in params.items() if k.lower() not in ("requestid", "minorversion"))
        target = request.url.path + "?" + urlencode(kept)
        state, cached = self.idempotency.lookup(realm, key, fingerprint("POST", target, raw))
        if state == "replay":
            return Response(cached.body, cached.status, headers=dict(cached.headers))
        if state in ("conflict", "pending"):
            return self._fault(QBOFault("600", texts=self.texts, detail=key, element="requestid"), json_wanted)
        try:
            response = self._run(request, parts, params, raw, json_wanted, BATCH_BID_MAX if is_batch else None)
        except BaseException:
            self.idempotency.forget(realm, key)
            raise
        self.idempotency.store(realm, key, CachedResponse(response.status_code, (
            ("content-type", response.headers.get("content-type", "application/json")),), response.body))
        return response

    def _fault(self, fault: QBOFault, json_wanted: bool) -> Response:
        return respond({"Fault": fault.fault(), "time": self.company.stamp(self.clock.now())}, fault.status,
                       json_wanted=json_wanted)

    def _run(self, request: Request, parts: list[str], params: dict[str, str], raw: bytes, json_wanted: bool,
             bid_limit: int | None) -> Response:
        include = {i.strip().lower() for i in (params.get("include") or "").split(",") if i.strip()}
        with self.lock:
            ctx = self.ctx(include)
            try:
                status, body = self._dispatch(ctx, request.method, parts, params, raw, request, bid_limit)
            except QBOFault as fault:
                return self._fault(fault, json_wanted)
        return respond(body, status, json_wanted=json_wanted)

    def _dispatch(self, ctx: Ctx, method: str, parts: list[str], params: dict[str, str], raw: bytes,
                  request: Request, bid_limit: int | None) -> tuple[int, dict]:
        head = parts[0].lower() if parts else ""
        if head == "query" and len(parts) == 1:
            text = params.get("query") if method == "GET" else raw.decode("utf-8", errors="replace")
            return api.query_endpoint(ctx, text or "", self.page_size)
        if head == "batch" and method == "POST" and len(parts) == 1:
            return api.batch(ctx, raw, self.page_size, bid_limit)
        if head == "cdc" and method == "GET":
            return api.cdc(ctx, params)
        if head == "reports" and method == "GET" and len(parts) == 2:
            return api.report(ctx, parts[1], params)
        if head == "exchangerate" and method == "GET":
            return api.exchange_rate(ctx, params)
        if head == "preferences" and method == "GET":
            return api.preferences(ctx)
        kind = ENTITIES.get(head)
        if kind is None:
            raise ctx.fault("500", detail=f"{method} /{'/'.join(parts)}")
        if method == "GET" and len(parts) == 2:
            return api.entity_get(ctx, kind, parts[1])
        if method == "POST" and len(parts) == 1:
            content_type = request.headers.get("content-type", "application/json").lower()
            if raw.strip() and "json" not in content_type:
                raise ctx.fault("500", detail=f"{content_type} request bodies (the sandbox reads JSON only)")
            return api.entity_post(ctx, kind, params, raw)
        raise ctx.fault("500", detail=f"{method} /{'/'.join(parts)}")

    # -- HTTP ----------------------------------------------------------------------------------
    def _starlette(self) -> Starlette:
        routes = [
            Route(AUTHORIZE_PATH, self._authorize, methods=["GET"]),
            Route(TOKEN_PATH, self._token, methods=["POST"]),
            Route(REVOKE_PATH, self._revoke, methods=["POST"]),
            Route(API_PREFIX + "/{realm}/{rest:path}", self._api, methods=["GET", "POST"]),
            Mount(admin.PREFIX, routes=admin.routes(self)),
        ]
        return Starlette(routes=routes)
