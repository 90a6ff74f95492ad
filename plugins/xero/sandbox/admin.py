"""Admin endpoints under ``/__sandbox__`` (no auth; loopback only): inspect and steer the sandbox.

=======================================  ==========================================================
GET    /__sandbox__/state                 organisations, document counts, limits, clock, faults
GET    /__sandbox__/documents/{kind}      invoices | contacts | payments | journals | accounts
                                          (``?tenant=``; invoices with line items)
GET    /__sandbox__/requests              request log (``?method=&path=&status=``), with bodies
DELETE /__sandbox__/requests              clear the request log
GET    /__sandbox__/faults                active faults
POST   /__sandbox__/faults                add a fault, a list, or ``{"faults": [...]}``
DELETE /__sandbox__/faults[/{id}]         remove all faults, or one
POST   /__sandbox__/lock-dates            ``{"PeriodLockDate": "2024-06-30" | null, "EndOfYearLockDate": …}``
POST   /__sandbox__/limits                ``{"concurrent", "per_minute", "per_day", "app_per_minute",
                                          "processing_delay", "reset_counters": true}``
POST   /__sandbox__/clock                 ``{"advance": seconds}`` or ``{"set": ISO}`` (manual clock only)
POST   /__sandbox__/tokens/expire         expire every access token now
GET    /__sandbox__/credentials           fresh credentials (a new refresh token)
POST   /__sandbox__/reset                 fresh data, empty log/keys/counters/faults (OAuth kept)
=======================================  ==========================================================
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core.clock import ManualClock
from core.sandbox.faults import FaultError

from . import render
from .wire import XeroJSON

if TYPE_CHECKING:
    from .app import XeroSandbox

PREFIX = "/__sandbox__"


def _error(status: int, message: str) -> Response:
    return XeroJSON({"error": message}, status_code=status)


async def _json(request: Request) -> Any:
    raw = await request.body()
    return json.loads(raw, parse_float=Decimal) if raw.strip() else {}


def _plain(value: Any) -> Any:
    """Admin views use ISO dates (not MS-JSON) so they are easy to read and assert on."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, float):  # settings such as a fault's delay; never money
        return Decimal(repr(value))
    return value


def routes(sandbox: "XeroSandbox") -> list[Route]:
    def ledger_of(request: Request):
        tenant = request.query_params.get("tenant")
        if tenant and tenant not in sandbox.ledgers:
            raise KeyError(tenant)
        return sandbox.ledger(tenant)

    async def state(request: Request) -> Response:
        with sandbox.lock:
            tenants = [{"tenant_id": t, "name": l.org.name, "base_currency": l.org.base_currency,
                        "period_lock_date": l.org.period_lock_date, "end_of_year_lock_date": l.org.end_of_year_lock_date,
                        "invoices": len(l.invoices), "contacts": len(l.contacts), "payments": len(l.payments),
                        "journals": len(l.journals)} for t, l in sandbox.ledgers.items()]
        limits = sandbox.limiter.limits
        return XeroJSON(_plain({"tenants": tenants, "now": sandbox.clock.now(), "client_id": sandbox.client.client_id,
                                "limits": {"concurrent": limits.concurrent, "per_minute": limits.per_minute,
                                           "per_day": limits.per_day, "app_per_minute": limits.app_per_minute,
                                           "processing_delay": sandbox.processing_delay},
                                "faults": [f.describe() for f in sandbox.faults.list()],
                                "requests": len(sandbox.requests.all())}))

    async def documents(request: Request) -> Response:
        kind = request.path_params["kind"].lower()
        try:
            ledger = ledger_of(request)
        except KeyError:
            return _error(404, "unknown tenant")
        with sandbox.lock:
            now = sandbox.clock.now()
            views = {
                "invoices": lambda: [render.invoice(ledger, i) for i in sorted(ledger.invoices.values(), key=lambda i: i.seq)],
                "contacts": lambda: [render.contact(ledger, c, now.date()) for c in
                                     sorted(ledger.contacts.values(), key=lambda c: c.seq)],
                "payments": lambda: [render.payment(ledger, p) for p in sorted(ledger.payments.values(), key=lambda p: p.seq)],
                "journals": lambda: [render.journal(j, ledger.org.base_currency) for j in ledger.journals],
                "accounts": lambda: [render.account(a) for a in ledger.accounts],
            }
            if kind not in views:
                return _error(404, f"unknown document kind {kind!r}; use one of {sorted(views)}")
            return XeroJSON(_plain({kind: views[kind]()}))

    async def requests(request: Request) -> Response:
        if request.method == "DELETE":
            sandbox.requests.clear()
            return Response(status_code=204)
        q = request.query_params
        status = int(q["status"]) if q.get("status") else None
        found = sandbox.requests.find(q.get("method"), q.get("path"), status)
        return XeroJSON(_plain({"requests": [e.describe() for e in found]}))

    async def faults(request: Request) -> Response:
        if request.method == "GET":
            return XeroJSON(_plain({"faults": [f.describe() for f in sandbox.faults.list()]}))
        if request.method == "DELETE":
            ident = request.path_params.get("ident")
            if ident is None:
                sandbox.faults.clear()
            elif not sandbox.faults.remove(int(ident)):
                return _error(404, f"no fault {ident}")
            return Response(status_code=204)
        try:
            added = sandbox.faults.extend(await _json(request))
        except (FaultError, ValueError, KeyError, TypeError) as exc:
            return _error(400, str(exc))
        return XeroJSON(_plain({"faults": [f.describe() for f in added]}), status_code=201)

    async def lock_dates(request: Request) -> Response:
        data = await _json(request)
        try:
            ledger = ledger_of(request)
            org = ledger.org
            values = {}
            for key in ("PeriodLockDate", "EndOfYearLockDate"):
                current = getattr(org, "period_lock_date" if key == "PeriodLockDate" else "end_of_year_lock_date")
                values[key] = (date.fromisoformat(data[key]) if data[key] else None) if key in data else current
        except (KeyError, ValueError, TypeError) as exc:
            return _error(400, f"lock dates must be ISO dates or null: {exc}")
        sandbox.set_lock_dates(values["PeriodLockDate"], values["EndOfYearLockDate"], org.tenant_id)
        return XeroJSON(_plain(render.organisation(org)))

    async def limits(request: Request) -> Response:
        data = dict(await _json(request))
        if "processing_delay" in data:
            sandbox.processing_delay = float(data.pop("processing_delay"))
        if data.pop("reset_counters", False):
            sandbox.limiter.reset()
        try:
            sandbox.set_limits(**data)
        except (ValueError, TypeError) as exc:
            return _error(400, str(exc))
        return await state(request)

    async def clock(request: Request) -> Response:
        if not isinstance(sandbox.clock, ManualClock):
            return _error(409, "the sandbox runs on the system clock; start it with a ManualClock to move time")
        data = await _json(request)
        try:
            if "set" in data:
                sandbox.clock.set(datetime.fromisoformat(str(data["set"]).replace("Z", "+00:00")))
            else:
                sandbox.clock.advance(float(data.get("advance", 0)))
        except (ValueError, TypeError) as exc:
            return _error(400, str(exc))
        return XeroJSON({"now": sandbox.clock.now().isoformat()})

    async def expire_tokens(request: Request) -> Response:
        sandbox.oauth.expire_access_tokens()
        return Response(status_code=204)

    async def credentials(request: Request) -> Response:
        return XeroJSON(sandbox.credentials(f"{request.url.scheme}://{request.url.netloc}"))

    async def reset(request: Request) -> Response:
        sandbox.reset()
        return Response(status_code=204)

    return [
        Route("/state", state, methods=["GET"]),
        Route("/documents/{kind}", documents, methods=["GET"]),
        Route("/requests", requests, methods=["GET", "DELETE"]),
        Route("/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/faults/{ident:int}", faults, methods=["DELETE"]),
        Route("/lock-dates", lock_dates, methods=["POST"]),
        Route("/limits", limits, methods=["POST"]),
        Route("/clock", clock, methods=["POST"]),
        Route("/tokens/expire", expire_tokens, methods=["POST"]),
        Route("/credentials", credentials, methods=["GET"]),
        Route("/reset", reset, methods=["POST"]),
    ]
