"""The MYOB sandbox: state, the ASGI app, and the guard every API call passes.

Order of a call: gzip → request log → faults → route. API calls then check ``x-myobapi-key``
(403 ``DeveloperInactive``), the per-key rate limits (403 ``RateLimitError``, no Retry-After),
the bearer token (401), ``x-myobapi-version`` (``v2`` Business API, ``v0`` legacy Essentials), the
token's scope and consented business (403), ``x-myobapi-cftoken`` where the file requires it
(401), the legacy upgrade state (423 upgrading, 418 upgraded), and run the handler under the lock.
GET answers carry an ``ETag``; ``If-None-Match`` with it gives 304. Errors carry
``x-myobapi-requestid``.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any, Iterable, Mapping
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route

from core.clock import Clock, SystemClock
from core.sandbox.faults import FaultMiddleware, FaultPlan
from core.sandbox.oauth import AuthorizationServer, Grant, OAuthError, TokenRejected
from core.ratelimit import Limits, RateLimiter
from core.sandbox.recorder import RecorderMiddleware, RequestLog

from . import admin, api, errors, essentials, render
from .control import MyobControl
from .errors import MyobError
from .faults import PRESETS
from .rules import Ctx
from .seed import build_business
from .store import Business
from .wire import MyobJSON

AUTHORIZE_PATH = "/oauth2/account/authorize"
TOKEN_PATH = "/oauth2/v1/authorize"
DEFAULT_SCOPES = ("CompanyFile", "la.global", "sme-company-file", "sme-sales", "sme-purchases",
                  "sme-contacts-customer", "sme-contacts-supplier", "sme-general-ledger", "sme-company-settings",
                  "sme-inventory")
DEFAULT_LIMITS = Limits(concurrent=1_000_000, per_minute=1_000_000_000, per_day=1_000_000,
                        app_per_minute=1_000_000_000, per_second=8)
DEFAULT_BUSINESSES = ({"edition": "accountright"}, {"edition": "essentials"})
LEGACY_UPGRADED = "This business has been upgraded to the new MYOB Essentials; use the MYOB Business API"  # [sandbox]
LEGACY_UPGRADING = "This business is being upgraded to the new MYOB Essentials; try again later"  # [sandbox]


class MyobSandbox:
    """A local MYOB: AccountRight company files and legacy Essentials businesses, OAuth, faults, limits.

    ``businesses``: seed dicts (see :mod:`.seed`), default one AccountRight file and one legacy
    Essentials business; ``limits``: a :class:`Limits` or ``{"per_second", "per_day"}``;
    ``faults``: a FaultPlan, a JSON/TOML path or a list of fault dicts; ``region``: the host-path
    prefix of company-file URIs; ``list_company_files=False`` mimics post-March-2025 API keys
    (``GET /accountright/`` answers ``[]``); ``expires_in_as_string``: token responses carry
    ``"1200"``; ``refresh_grace``: how long a rotated refresh token keeps working (default 0).
    """

    def __init__(self, *, clock: Clock | None = None, limits: Limits | Mapping[str, int] | None = None,
                 faults: Any = None, businesses: Iterable[Mapping[str, Any]] | None = None,
                 client_id: str | None = None, client_secret: str | None = "", redirect_uris: Iterable[str] = (),
                 access_ttl: timedelta = timedelta(minutes=20), refresh_grace: timedelta = timedelta(0),
                 refresh_idle_ttl: timedelta = timedelta(days=365), region: str = "ar1",
                 list_company_files: bool = True, expires_in_as_string: bool = False) -> None:
        self.clock = clock or SystemClock()
        base_limits = DEFAULT_LIMITS
        if isinstance(limits, Limits):
            base_limits = limits
        elif limits:
            base_limits = DEFAULT_LIMITS.with_changes(**limits)
        self.limiter = RateLimiter(base_limits, self.clock)
        self.faults = faults if isinstance(faults, FaultPlan) else FaultPlan(PRESETS, self.clock)
        if isinstance(faults, (str, Path)):
            self.faults.load(faults)
        elif faults is not None and not isinstance(faults, FaultPlan):
            self.faults.extend(faults)
        self.requests = RequestLog(self.clock)
        self.lock = threading.RLock()
        self.region, self.list_company_files = region, list_company_files
        self.expires_in_as_string = expires_in_as_string
        self._seeds = [dict(s) for s in (businesses or DEFAULT_BUSINESSES)]
        self.businesses: dict[str, Business] = {}
        self.reset_data()
        self.oauth = AuthorizationServer(self.clock, issuer="https://secure.myob.sandbox", access_ttl=access_ttl,
                                         refresh_grace=refresh_grace, refresh_idle_ttl=refresh_idle_ttl,
                                         refresh_requires_scope=None)
        self.client = self.oauth.register_client(client_id or str(uuid.uuid4()), client_secret, redirect_uris)
        self.consent_business_id: str | None = None  # which file the consent screen picks (default: first)
        self._seed_grant: Grant | None = None
        self.control = MyobControl(self, self.business_id)
        self.app = GZipMiddleware(RecorderMiddleware(FaultMiddleware(self._starlette(), self.faults), self.requests),
                                  minimum_size=500)

    # -- state ---------------------------------------------------------------------------------
    def _first(self, edition: str) -> str:
        return next(b.id for b in self.businesses.values() if b.edition == edition)

    @property
    def business_id(self) -> str:
        """The first AccountRight company file's id."""
        return self._first("accountright")

    @property
    def essentials_business_id(self) -> str | None:
        return next((b.id for b in self.businesses.values() if b.edition == "essentials"), None)

    def business(self, business_id: str | None = None) -> Business:
        return self.businesses[(business_id or self.business_id).lower()]

    def control_for(self, edition_or_id: str = "accountright") -> MyobControl:
        """Levers for ``"accountright"``, ``"essentials"`` (the first of that edition) or a business id."""
        if edition_or_id in ("accountright", "essentials"):
            return MyobControl(self, self._first(edition_or_id))
        return MyobControl(self, self.business(edition_or_id).id)

    def reset_data(self) -> None:
        """Fresh businesses from the seeds."""
        with self.lock:
            now = self.clock.now()
            self.businesses = {}
            for seed in self._seeds:
                business = build_business(seed, now)
                self.businesses[business.id.lower()] = business

    def reset(self, *, faults: bool = True) -> None:
        """Reset documents, request log, rate counters (and faults); keep OAuth clients and tokens."""
        self.reset_data()
        self.requests.clear()
        self.limiter.reset()
        if faults:
            self.faults.clear()

    def set_limits(self, **limits: int | None) -> None:
        """Shrink or grow the limits (``per_second``, ``per_day``; core names also accepted)."""
        self.limiter.limits = self.limiter.limits.with_changes(**limits)

    def set_upgrade_state(self, state: str, business_id: str | None = None) -> Business:
        """Legacy Essentials: ``active``, ``upgrading`` (423) or ``upgraded`` (418, and a new-Essentials
        company file with ``UIAccessFlags`` 2 appears in the Business API, documents not migrated)."""
        if state not in ("active", "upgrading", "upgraded"):
            raise ValueError("state must be active, upgrading or upgraded")
        with self.lock:
            legacy = self.business(business_id or self.essentials_business_id)
            if legacy.edition != "essentials":
                raise ValueError(f"business {legacy.id} is not a legacy Essentials business")
            legacy.upgrade_state = state
            if state == "upgraded":
                new_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"myob-upgraded:{legacy.id}"))
                if new_id not in self.businesses:
                    self.businesses[new_id] = build_business(
                        {"id": new_id, "name": legacy.name, "ui_access_flags": 2,
                         "current_financial_year": legacy.current_financial_year}, self.clock.now())
            return legacy

    # -- identity ------------------------------------------------------------------------------
    def credentials(self, base_url: str) -> dict[str, str]:
        """Everything a client needs, with a fresh refresh token for the seeded consent."""
        with self.lock:
            if self._seed_grant is None or self._seed_grant.revoked:
                self._seed_grant = self.oauth.grant(self.client.client_id, DEFAULT_SCOPES)
            refresh = self.oauth.issue_refresh_token(self._seed_grant)
        base = base_url.rstrip("/")
        facts = {"api_url": base + "/accountright", "token_url": base + TOKEN_PATH,
                 "authorize_url": base + AUTHORIZE_PATH, "business_id": self.business_id,
                 "client_id": self.client.client_id, "client_secret": self.client.client_secret or "",
                 "api_key": self.client.client_id, "refresh_token": refresh}
        if self.essentials_business_id:
            facts.update({"essentials_api_url": base + "/au/essentials",
                          "essentials_business_id": self.essentials_business_id})
        return facts

    def company_file_uri(self, base_url: str, business_id: str | None = None) -> str:
        return f"{base_url.rstrip('/')}/{self.region}/accountright/{self.business(business_id).id}"

    # -- HTTP ----------------------------------------------------------------------------------
    def _starlette(self) -> Starlette:
        methods = ["GET", "POST", "PUT", "DELETE"]
        routes = [
            Mount(admin.PREFIX, routes=admin.routes(self)),
            Route(AUTHORIZE_PATH, self._authorize, methods=["GET"]),
            Route(TOKEN_PATH, self._token, methods=["POST"]),
            Route("/accountright/", self._company_files, methods=["GET"]),
            Route("/accountright/Info", self._info, methods=["GET"]),
            Route("/accountright/{cf}", self._business_api, methods=methods),
            Route("/accountright/{cf}/{path:path}", self._business_api, methods=methods),
            Route("/{region}/accountright/{cf}", self._business_api, methods=methods),
            Route("/{region}/accountright/{cf}/{path:path}", self._business_api, methods=methods),
            Route("/{region}/essentials/{path:path}", self._essentials_api, methods=methods),
        ]
        return Starlette(routes=routes)

    async def _authorize(self, request: Request) -> Response:
        params = dict(request.query_params)

        def business_params(grant: Grant) -> dict[str, str]:
            if params.get("prompt") != "consent":
                return {}
            business = self.business(self.consent_business_id)
            grant.data["business_id"] = business.id
            return {"scope": params.get("scope", ""), "businessId": business.id, "businessName": business.name}

        try:
            return RedirectResponse(self.oauth.authorize(params, business_params), status_code=302)
        except OAuthError as exc:
            return PlainTextResponse(f"{exc.error}: {exc.description or ''}".strip(), status_code=exc.status)

    async def _token(self, request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode("utf-8", errors="replace"), keep_blank_values=True))
        try:
            body = self.oauth.token(form, request.headers.get("authorization"))
        except OAuthError as exc:
            return JSONResponse({"error": exc.error}, status_code=exc.status, headers={"Cache-Control": "no-store"})
        body["token_type"] = "bearer"
        body["user"] = {"uid": str(uuid.uuid5(uuid.NAMESPACE_URL, "myob-sandbox-user")), "username": "sandbox@example.com"}
        if self.expires_in_as_string:
            body["expires_in"] = str(body["expires_in"])
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    def _error(self, exc: MyobError, legacy: bool = False) -> Response:
        body = errors.legacy_body(exc.kind, exc.message) if legacy else errors.error_body(exc)
        headers = {"x-myobapi-requestid": str(uuid.uuid4())}
        if exc.status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return MyobJSON(body, status_code=exc.status, headers=headers)

    def _guard(self, request: Request, version: str, scope: str) -> Grant:
        """Key, rate limit, token, version and scope checks; raises MyobError."""
        key = request.headers.get("x-myobapi-key", "").strip()
        if not key or self.oauth.client(key) is None:
            raise MyobError(errors.DEVELOPER_INACTIVE, details="Header: x-myobapi-key")
        decision = self.limiter.acquire(key)
        if not decision.allowed:
            kind = errors.RATE_LIMIT_DAY if decision.problem == "day" else errors.RATE_LIMIT_SECOND
            raise MyobError(kind, details="Header: x-myobapi-key")
        self.limiter.release(key)
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise MyobError(errors.TOKEN_INVALID, details="Header: Authorization")
        try:
            grant = self.oauth.validate(token.strip())
        except TokenRejected as exc:
            raise MyobError(errors.TOKEN_INVALID, details=f"Header: Authorization ({exc.reason})") from None
        if grant.client_id != key:
            raise MyobError(errors.TOKEN_INVALID, "The API key does not match the OAuth token",
                            details="Header: x-myobapi-key")
        sent = request.headers.get("x-myobapi-version", "").strip().lower()
        if sent != version:
            raise MyobError(errors.VERSION_UNSUPPORTED, f"x-myobapi-version must be {version} for this API",
                            details="Header: x-myobapi-version")
        if not {scope, "CompanyFile"} & set(grant.scope):
            raise MyobError(errors.NO_FILE_ACCESS, f"The access token does not carry the scope {scope}",
                            details="scope")
        return grant

    def _business_for(self, grant: Grant, business_id: str, edition: str) -> Business:
        business = self.businesses.get(business_id.lower())
        if business is None or business.edition != edition:
            raise MyobError(errors.NOT_FOUND, "The company file was not found")
        consented = grant.data.get("business_id")
        if consented and consented.lower() != business.id.lower():
            raise MyobError(errors.NO_FILE_ACCESS)
        return business

    def _respond(self, request: Request, status: int, body: Any, headers: dict[str, str]) -> Response:
        if body is None:
            return Response(status_code=status, headers=headers)
        response = MyobJSON(body, status_code=status, headers=headers)
        if request.method == "GET" and status == 200:
            etag = '"' + hashlib.sha1(response.body).hexdigest() + '"'
            if request.headers.get("if-none-match", "").strip() == etag:
                return Response(status_code=304, headers={"ETag": etag})
            response.headers["ETag"] = etag
        return response

    async def _company_files(self, request: Request) -> Response:
        try:
            grant = self._guard(request, "v2", "sme-company-file")
        except MyobError as exc:
            return self._error(exc)
        root = f"{request.url.scheme}://{request.url.netloc}"
        with self.lock:
            files = [render.company_file(b, self.company_file_uri(root, b.id)) for b in self.businesses.values()
                     if b.edition == "accountright" and self.list_company_files
                     and grant.data.get("business_id", b.id).lower() == b.id.lower()]
        return self._respond(request, 200, files, {})

    async def _info(self, request: Request) -> Response:
        return self._respond(request, 200, {"ProductVersion": "2025.5", "ProductLevel": None,
                                            "SupportedVersions": ["v2"], "Build": "sandbox"}, {})

    async def _business_api(self, request: Request) -> Response:
        route = [s for s in request.path_params.get("path", "").split("/") if s]
        try:
            grant = self._guard(request, "v2", api.scope_for(route))
            raw = await request.body()
            with self.lock:
                business = self._business_for(grant, request.path_params["cf"], "accountright")
                if business.requires_cftoken and request.headers.get("x-myobapi-cftoken") != business.cftoken:
                    raise MyobError(errors.CF_ACCESS_DENIED, details="Header: x-myobapi-cftoken")
                root = f"{request.url.scheme}://{request.url.netloc}"
                region = request.path_params.get("region")
                cf = f"{root}{'/' + region if region else ''}/accountright/{request.path_params['cf']}"
                call = api.Call(Ctx(business, self.clock.now(), cf), request.method, route,
                                dict(request.query_params), f"{root}{request.url.path}", raw, business.page_cap)
                status, body, headers = api.dispatch(call, lambda c: (200, {
                    "CompanyFile": render.company_file(business, cf),
                    "Resources": [f"{cf}/{r}" for r in ("Company", "Company/Preferences", "Contact",
                                                        "Contact/Customer", "Contact/Supplier", "Sale/Invoice",
                                                        "Sale/CustomerPayment", "Purchase/Bill",
                                                        "Purchase/SupplierPayment", "GeneralLedger/Account",
                                                        "GeneralLedger/TaxCode", "GeneralLedger/JournalTransaction",
                                                        "GeneralLedger/AccountingProperties", "Inventory/Item")]}, {}))
        except MyobError as exc:
            return self._error(exc)
        return self._respond(request, status, body, headers)

    async def _essentials_api(self, request: Request) -> Response:
        parts = [s for s in request.path_params["path"].split("/") if s]
        root = f"{request.url.scheme}://{request.url.netloc}/{request.path_params['region']}/essentials"
        try:
            grant = self._guard(request, "v0", "la.global")
            raw = await request.body()
            with self.lock:
                if parts == ["tax", "types"] or (len(parts) == 3 and parts[:2] == ["tax", "types"]):
                    legacy = self.business(self.essentials_business_id)
                    items = essentials.tax_types(root, legacy)
                    if len(parts) == 3:
                        return self._respond(request, 200, essentials.one_of(items, parts[2]), {})
                    status, body, headers = essentials.page(dict(request.query_params), f"{root}/tax/types", items, None)
                    return self._respond(request, status, body, headers)
                if not parts or parts[0] != "businesses":
                    raise MyobError(errors.NOT_FOUND)
                if len(parts) == 1:
                    items = [essentials.render_business(root, b) for b in self.businesses.values()
                             if b.edition == "essentials"]
                    status, body, headers = essentials.page(dict(request.query_params), f"{root}/businesses", items, None)
                    return self._respond(request, status, body, headers)
                business = self._business_for(grant, parts[1], "essentials")
                if business.upgrade_state == "upgrading":
                    raise MyobError(errors.Kind(423, "BusinessUpgrading", None, LEGACY_UPGRADING))
                if business.upgrade_state == "upgraded":
                    raise MyobError(errors.Kind(418, "BusinessUpgraded", None, LEGACY_UPGRADED))
                ctx = Ctx(business, self.clock.now(), f"{root}/businesses/{business.id}")
                status, body, headers = essentials.dispatch(ctx, root, request.method, parts[2:],
                                                            dict(request.query_params), raw,
                                                            f"{root}{request.url.path.split('/essentials', 1)[1]}")
        except MyobError as exc:
            return self._error(exc, legacy=True)
        return self._respond(request, status, body, headers)
