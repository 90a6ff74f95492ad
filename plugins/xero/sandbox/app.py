"""The Xero sandbox: state, the ASGI app, and the guard every API call passes.

Order of a call: request log → faults → route. Accounting calls then check the bearer token
(401 with Xero's problem body: ``TokenExpired: …`` or ``AuthenticationUnsuccessful``), the
``xero-tenant-id`` header against the token's connections and the endpoint's scopes (403), the
rate limits (429 with ``Retry-After`` and ``X-Rate-Limit-Problem``), then the Idempotency-Key
cache (replay within 6 minutes; a different request under the same key is a 400), and run the
handler. Every admitted response carries ``X-DayLimit-Remaining``, ``X-MinLimit-Remaining`` and
``X-AppMinLimit-Remaining``.
"""

from __future__ import annotations

import asyncio
import threading
import types
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Iterable, Mapping

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route

from core.clock import Clock, SystemClock
from core.sandbox.faults import FaultMiddleware, FaultPlan
from core.sandbox.idempotency import CachedResponse, IdempotencyCache, fingerprint
from core.sandbox.oauth import AuthorizationServer, Grant, TokenRejected
from core.ratelimit import Limits, RateLimiter
from core.sandbox.recorder import RecorderMiddleware, RequestLog

from . import admin, messages
from .api import ROUTES, ApiError, Call
from .context import Context
from .control import XeroControl
from .faults import PRESETS
from .seed import build_ledger
from .store import Ledger
from .wire import XeroJSON, api_exception, datetime_string, problem

API_PREFIX = "/api.xro/2.0"
IDENTITY_PREFIX = "/identity"
DEFAULT_SCOPES = ("openid", "profile", "email", "offline_access", "accounting.transactions",
                  "accounting.contacts", "accounting.settings", "accounting.journals.read",
                  "accounting.reports.read")
IDEMPOTENCY_KEY_MAX = 128


class XeroSandbox:
    """A local Xero: one or more organisations, an identity server, faults and limits.

    ``organisations``: seed dicts (see :mod:`.seed`), default one AUD organisation;
    ``faults``: a FaultPlan, a JSON/TOML file path, or a list of fault dicts;
    ``messages``: overrides for texts in :mod:`.messages` (e.g. ``PAYMENT_RECONCILED``);
    ``processing_delay``: seconds each admitted API call takes (to exercise concurrency limits).
    """

    def __init__(self, *, clock: Clock | None = None, limits: Limits | None = None, faults: Any = None,
                 organisations: Iterable[Mapping[str, Any]] | None = None, client_id: str | None = None,
                 client_secret: str | None = "", redirect_uris: Iterable[str] = (),
                 messages_overrides: Mapping[str, Any] | None = None, processing_delay: float = 0.0,
                 idempotency_ttl: timedelta = timedelta(minutes=6),
                 access_ttl: timedelta = timedelta(minutes=30),
                 refresh_grace: timedelta = timedelta(minutes=30)) -> None:
        self.clock = clock or SystemClock()
        self.limiter = RateLimiter(limits or Limits(), self.clock)
        self.faults = faults if isinstance(faults, FaultPlan) else FaultPlan(PRESETS, self.clock)
        if isinstance(faults, (str, Path)):
            self.faults.load(faults)
        elif faults is not None and not isinstance(faults, FaultPlan):
            self.faults.extend(faults)
        self.requests = RequestLog(self.clock)
        self.idempotency = IdempotencyCache(idempotency_ttl, self.clock)
        self.processing_delay = processing_delay
        self.max_page_size = 1000
        self.texts = types.SimpleNamespace(**{k: getattr(messages, k) for k in dir(messages) if not k.startswith("_")})
        for key, value in (messages_overrides or {}).items():
            if not hasattr(self.texts, key):
                raise ValueError(f"unknown message {key!r}")
            setattr(self.texts, key, value)
        self.lock = threading.RLock()
        self._seeds = [dict(s) for s in (organisations or [{}])]
        self.ledgers: dict[str, Ledger] = {}
        self.reset_data()
        self.oauth = AuthorizationServer(self.clock, issuer="https://identity.xero.sandbox", access_ttl=access_ttl,
                                         refresh_grace=refresh_grace)
        self.oauth.default_subject = str(uuid.uuid5(uuid.NAMESPACE_URL, "sandbox-user"))
        self.connections: dict[str, list[dict[str, Any]]] = {}
        self.oauth.on_grant.append(self._connect)
        self.oauth.on_revoke.append(lambda grant: self.connections.pop(grant.id, None))
        self.client = self.oauth.register_client(client_id or uuid.uuid4().hex.upper(), client_secret, redirect_uris)
        self._seed_grant: Grant | None = None
        self.app = RecorderMiddleware(FaultMiddleware(self._starlette(), self.faults), self.requests)
        self.control = XeroControl(self)

    # -- state ---------------------------------------------------------------------------------
    @property
    def tenant_id(self) -> str:
        """The first organisation's tenant id."""
        return next(iter(self.ledgers))

    def ledger(self, tenant_id: str | None = None) -> Ledger:
        return self.ledgers[tenant_id or self.tenant_id]

    def reset_data(self) -> None:
        """Fresh organisations from the seeds (documents, journals and lock dates as seeded)."""
        with self.lock:
            now = self.clock.now()
            self.ledgers = {}
            for seed in self._seeds:
                ledger = build_ledger(seed, now)
                self.ledgers[ledger.org.tenant_id] = ledger

    def reset(self, *, faults: bool = True) -> None:
        """Reset documents, request log, idempotency keys, rate counters (and faults); keep OAuth."""
        self.reset_data()
        self.requests.clear()
        self.idempotency.clear()
        self.limiter.reset()
        if faults:
            self.faults.clear()

    def set_lock_dates(self, period_lock_date: date | None = None, end_of_year_lock_date: date | None = None,
                       tenant_id: str | None = None) -> None:
        with self.lock:
            org = self.ledger(tenant_id).org
            org.period_lock_date, org.end_of_year_lock_date = period_lock_date, end_of_year_lock_date

    def set_limits(self, **limits: int) -> None:
        """Shrink or grow the rate limits (``concurrent``, ``per_minute``, ``per_day``, ``app_per_minute``)."""
        self.limiter.limits = self.limiter.limits.with_changes(**limits)

    # -- identity ------------------------------------------------------------------------------
    def _connect(self, grant: Grant) -> None:
        stamp = datetime_string(self.clock.now())
        self.connections[grant.id] = [
            {"id": str(uuid.uuid4()), "authEventId": grant.auth_event_id, "tenantId": ledger.org.tenant_id,
             "tenantType": "ORGANISATION", "tenantName": ledger.org.name, "createdDateUtc": stamp,
             "updatedDateUtc": stamp} for ledger in self.ledgers.values()]

    def credentials(self, base_url: str) -> dict[str, str]:
        """Everything an OAuth2 client needs, with a fresh refresh token for the seeded connection."""
        with self.lock:
            if self._seed_grant is None or self._seed_grant.revoked or not self.connections.get(self._seed_grant.id):
                self._seed_grant = self.oauth.grant(self.client.client_id, DEFAULT_SCOPES)
            refresh = self.oauth.issue_refresh_token(self._seed_grant)
        base = base_url.rstrip("/")
        return {"api_url": base + API_PREFIX, "identity_url": base + IDENTITY_PREFIX,
                "connections_url": base + "/connections", "client_id": self.client.client_id,
                "client_secret": self.client.client_secret or "", "refresh_token": refresh,
                "tenant_id": self.tenant_id}

    def _grant_of(self, request: Request) -> Grant | Response:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _problem(401, "Unauthorized", "AuthenticationUnsuccessful")
        try:
            return self.oauth.validate(token.strip())
        except TokenRejected as exc:
            if exc.expired_at is not None:
                return _problem(401, "Unauthorized",
                                f"TokenExpired: token expired at {exc.expired_at.strftime('%m/%d/%Y %H:%M:%S')}")
            return _problem(401, "Unauthorized", "AuthenticationUnsuccessful")

    # -- HTTP ----------------------------------------------------------------------------------
    def _starlette(self) -> Starlette:
        async def connections(request: Request) -> Response:
            grant = self._grant_of(request)
            if isinstance(grant, Response):
                return grant
            items = self.connections.get(grant.id, [])
            event = request.query_params.get("authEventId")
            if request.method == "DELETE":
                ident = request.path_params.get("ident", "")
                kept = [c for c in items if c["id"] != ident]
                if len(kept) == len(items):
                    return PlainTextResponse("Not Found", status_code=404)
                self.connections[grant.id] = kept
                return Response(status_code=204)
            return XeroJSON([c for c in items if not event or c["authEventId"] == event])

        routes = [
            Mount(IDENTITY_PREFIX, routes=self.oauth.routes()),
            Route("/connections", connections, methods=["GET"]),
            Route("/connections/{ident}", connections, methods=["DELETE"]),
            Route(API_PREFIX + "/{resource}", self._api, methods=["GET", "PUT", "POST"]),
            Route(API_PREFIX + "/{resource}/{ident}", self._api, methods=["GET", "PUT", "POST"]),
            Mount(admin.PREFIX, routes=admin.routes(self)),
        ]
        return Starlette(routes=routes)

    async def _api(self, request: Request) -> Response:
        resource = request.path_params["resource"].lower()
        ident = request.path_params.get("ident")
        methods = ROUTES.get(resource)
        if methods is None:
            return PlainTextResponse("The resource you're looking for cannot be found", status_code=404)
        if request.method not in methods or (request.method == "PUT" and ident):
            return PlainTextResponse("Method Not Allowed", status_code=405)
        handler, scopes = methods[request.method]
        grant = self._grant_of(request)
        if isinstance(grant, Response):
            return grant
        tenant = request.headers.get("xero-tenant-id", "").strip().lower()
        connected = {c["tenantId"] for c in self.connections.get(grant.id, [])}
        if tenant not in connected or tenant not in self.ledgers or not set(scopes) & set(grant.scope):
            return _problem(403, "Forbidden", "AuthenticationUnsuccessful")
        decision = self.limiter.acquire(tenant)
        limit_headers = {"X-DayLimit-Remaining": str(decision.day_remaining),
                         "X-MinLimit-Remaining": str(decision.minute_remaining),
                         "X-AppMinLimit-Remaining": str(decision.app_minute_remaining)}
        if not decision.allowed:
            return _problem(429, "Too Many Requests", f"Rate limit exceeded ({decision.problem})",
                            {**limit_headers, "Retry-After": str(decision.retry_after),
                             "X-Rate-Limit-Problem": decision.problem})
        try:
            if self.processing_delay:
                await asyncio.sleep(self.processing_delay)
            raw = await request.body()
            response = self._idempotent(request, tenant, raw, lambda: self._run(request, handler, tenant, ident, raw))
        finally:
            self.limiter.release(tenant)
        response.headers.update(limit_headers)
        return response

    def _idempotent(self, request: Request, tenant: str, raw: bytes, run: Any) -> Response:
        key = request.headers.get("idempotency-key")
        if request.method not in ("PUT", "POST") or not key:
            return run()
        if len(key) > IDEMPOTENCY_KEY_MAX:
            return XeroJSON(api_exception(10, "ValidationException",
                                          f"Idempotency-Key must be at most {IDEMPOTENCY_KEY_MAX} characters"), 400)
        target = request.url.path + ("?" + request.url.query if request.url.query else "")
        state, cached = self.idempotency.lookup(tenant, key, fingerprint(request.method, target, raw))
        if state == "replay":
            return Response(cached.body, cached.status, headers=dict(cached.headers))
        if state == "conflict":
            return XeroJSON(api_exception(10, "ValidationException",
                                          f"Idempotency key {key} is used with a different request"), 400)
        if state == "pending":
            return XeroJSON(api_exception(10, "ValidationException",
                                          f"A request with idempotency key {key} is still being processed"), 409)
        try:
            response = run()
        except BaseException:
            self.idempotency.forget(tenant, key)
            raise
        self.idempotency.store(tenant, key, CachedResponse(response.status_code, (
            ("content-type", response.headers.get("content-type", "application/json")),), response.body))
        return response

    def _run(self, request: Request, handler: Any, tenant: str, ident: str | None, raw: bytes) -> Response:
        params: dict[str, list[str]] = {}
        for key, value in request.query_params.multi_items():
            params.setdefault(key, []).append(value)
        with self.lock:
            ctx = Context(self.ledgers[tenant], self.clock.now(),
                          4 if (request.query_params.get("unitdp") or "").strip() == "4" else 2, self.texts,
                          self.max_page_size)
            call = Call(ctx, request.method, ident, params, {k.lower(): v for k, v in request.headers.items()}, raw)
            try:
                status, body = handler(call)
            except ApiError as exc:
                status, body = exc.status, exc.body
        if isinstance(body, str):
            return PlainTextResponse(body, status_code=status)
        return XeroJSON(body, status_code=status)


def _problem(status: int, title: str, detail: str, headers: Mapping[str, str] | None = None) -> Response:
    extra = dict(headers or {})
    if status == 401:
        extra.setdefault("WWW-Authenticate", 'Bearer error="invalid_token"')
    return XeroJSON(problem(status, title, detail), status_code=status, headers=extra)
