"""Admin endpoints under ``/__sandbox__`` (no auth; loopback only): inspect and steer the sandbox.

=======================================  ==========================================================
GET    /__sandbox__/state                 businesses (counts, preferences, upgrade state), limits,
                                          clock, faults, request count
GET    /__sandbox__/documents/{kind}      contacts | invoices | bills | payments | journals |
                                          accounts | taxcodes (``?business=``; Business API JSON)
GET    /__sandbox__/requests              request log (``?method=&path=&status=``), with bodies
DELETE /__sandbox__/requests              clear the request log
GET    /__sandbox__/faults                active faults
POST   /__sandbox__/faults                add a fault, a list, or ``{"faults": [...]}``
DELETE /__sandbox__/faults[/{id}]         remove all faults, or one
POST   /__sandbox__/preferences           ``{"LockPeriodPriorTo": "2026-03-01"|null, "lock_inclusive": bool,
                                          "TransactionsCannotBeChangedMustBeReversed": bool,
                                          "CurrentFinancialYear": 2026, "requires_cftoken": bool,
                                          "cftoken": "…", "unique_numbers": bool}`` (``?business=``)
POST   /__sandbox__/limits                ``{"per_second", "per_day", "page_size", "reset_counters": true}``
POST   /__sandbox__/clock                 ``{"advance": seconds}`` or ``{"set": ISO}`` (manual clock only)
POST   /__sandbox__/upgrade               ``{"state": "active"|"upgrading"|"upgraded"}`` (``?business=``)
POST   /__sandbox__/reconcile             ``{"payment": UID, "date": "2026-03-31"|null}`` bank-reconcile a payment
POST   /__sandbox__/company-files         ``{"listed": false}``: ``GET /accountright/`` answers ``[]``
POST   /__sandbox__/tokens/expire         expire every access token now
GET    /__sandbox__/credentials           fresh credentials (a new refresh token)
POST   /__sandbox__/reset                 fresh data, empty log/counters/faults (OAuth kept)
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

from . import journals, render
from .wire import MyobJSON

if TYPE_CHECKING:
    from .app import MyobSandbox

PREFIX = "/__sandbox__"


def _error(status: int, message: str) -> Response:
    return MyobJSON({"error": message}, status_code=status)


async def _json(request: Request) -> Any:
    raw = await request.body()
    return json.loads(raw, parse_float=Decimal) if raw.strip() else {}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, float):  # settings such as a fault's delay; never money
        return Decimal(repr(value))
    return value


def _day(value: Any) -> date | None:
    return None if value in (None, "") else date.fromisoformat(str(value)[:10])


def routes(sandbox: "MyobSandbox") -> list[Route]:
    def business_of(request: Request):
        return sandbox.business(request.query_params.get("business"))

    def describe(b) -> dict:
        return {"id": b.id, "name": b.name, "edition": b.edition, "ui_access_flags": b.ui_access_flags,
                "contacts": len(b.contacts), "invoices": sum(s.ledger == "sale" for s in b.sales.values()),
                "bills": sum(s.ledger == "purchase" for s in b.sales.values()), "payments": len(b.payments),
                "LockPeriodPriorTo": b.lock_period_prior_to, "lock_inclusive": b.lock_inclusive,
                "TransactionsCannotBeChangedMustBeReversed": b.must_reverse,
                "CurrentFinancialYear": b.current_financial_year, "financial_year_start": b.financial_year_start,
                "requires_cftoken": b.requires_cftoken, "unique_numbers": b.unique_numbers,
                "page_size": b.page_cap, "upgrade_state": b.upgrade_state if b.edition == "essentials" else None}

    async def state(request: Request) -> Response:
        limits = sandbox.limiter.limits
        with sandbox.lock:
            businesses = [describe(b) for b in sandbox.businesses.values()]
        return MyobJSON(_plain({"businesses": businesses, "now": sandbox.clock.now(), "client_id": sandbox.client.client_id,
                                "limits": {"per_second": limits.per_second, "per_day": limits.per_day},
                                "company_files_listed": sandbox.list_company_files,
                                "faults": [f.describe() for f in sandbox.faults.list()],
                                "requests": len(sandbox.requests.all())}))

    async def documents(request: Request) -> Response:
        kind = request.path_params["kind"].lower()
        try:
            b = business_of(request)
        except KeyError:
            return _error(404, "unknown business")
        cf = sandbox.company_file_uri(f"{request.url.scheme}://{request.url.netloc}", b.id) if b.edition == "accountright" \
            else f"{request.url.scheme}://{request.url.netloc}/au/essentials/businesses/{b.id}"
        views = {
            "contacts": lambda: [render.contact(b, c, cf) for c in sorted(b.contacts.values(), key=lambda c: c.seq)],
            "invoices": lambda: [render.sale(b, s, cf, with_type=True) for s in sorted(b.sales.values(), key=lambda s: s.seq)
                                 if s.ledger == "sale"],
            "bills": lambda: [render.sale(b, s, cf, with_type=True) for s in sorted(b.sales.values(), key=lambda s: s.seq)
                              if s.ledger == "purchase"],
            "payments": lambda: [render.payment(b, p, cf) for p in sorted(b.payments.values(), key=lambda p: p.seq)],
            "journals": lambda: journals.journals(b, cf),
            "accounts": lambda: [render.account(b, a, cf) for a in b.accounts],
            "taxcodes": lambda: [render.tax_code(b, t, cf) for t in b.tax_codes],
        }
        if kind not in views:
            return _error(404, f"unknown document kind {kind!r}; use one of {sorted(views)}")
        with sandbox.lock:
            return MyobJSON(_plain({kind: views[kind]()}))

    async def requests(request: Request) -> Response:
        if request.method == "DELETE":
            sandbox.requests.clear()
            return Response(status_code=204)
        q = request.query_params
        found = sandbox.requests.find(q.get("method"), q.get("path"), int(q["status"]) if q.get("status") else None)
        return MyobJSON(_plain({"requests": [e.describe() for e in found]}))

    async def faults(request: Request) -> Response:
        if request.method == "GET":
            return MyobJSON(_plain({"faults": [f.describe() for f in sandbox.faults.list()]}))
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
        return MyobJSON(_plain({"faults": [f.describe() for f in added]}), status_code=201)

    async def preferences(request: Request) -> Response:
        data = await _json(request)
        try:
            b = business_of(request)
            with sandbox.lock:
                if "LockPeriodPriorTo" in data:
                    b.lock_period_prior_to = _day(data["LockPeriodPriorTo"])
                if "TransactionsCannotBeChangedMustBeReversed" in data:
                    b.must_reverse = bool(data["TransactionsCannotBeChangedMustBeReversed"])
                if "CurrentFinancialYear" in data:
                    b.current_financial_year = int(data["CurrentFinancialYear"])
                for key in ("lock_inclusive", "requires_cftoken", "unique_numbers"):
                    if key in data:
                        setattr(b, key, bool(data[key]))
                if "cftoken" in data:
                    b.cftoken = data["cftoken"]
                b.preferences_row_version = str(int(b.preferences_row_version) + 1)
                return MyobJSON(_plain(describe(b)))
        except KeyError:
            return _error(404, "unknown business")
        except (ValueError, TypeError) as exc:
            return _error(400, str(exc))

    async def limits(request: Request) -> Response:
        data = dict(await _json(request))
        if data.pop("reset_counters", False):
            sandbox.limiter.reset()
        if "page_size" in data:
            size = data.pop("page_size")
            for b in sandbox.businesses.values():
                b.page_cap = int(size) if size else None
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
        return MyobJSON({"now": sandbox.clock.now().isoformat()})

    async def upgrade(request: Request) -> Response:
        data = await _json(request)
        try:
            b = sandbox.set_upgrade_state(str(data.get("state")), request.query_params.get("business"))
        except KeyError:
            return _error(404, "unknown business")
        except ValueError as exc:
            return _error(400, str(exc))
        return MyobJSON(_plain(describe(b)))

    async def reconcile(request: Request) -> Response:
        data = await _json(request)
        with sandbox.lock:
            for b in sandbox.businesses.values():
                payment = b.payments.get(str(data.get("payment", "")).lower())
                if payment is not None:
                    payment.reconciled = _day(data.get("date", payment.date.isoformat()))
                    return MyobJSON(_plain(render.payment(b, payment, "")))
        return _error(404, "unknown payment")

    async def company_files(request: Request) -> Response:
        sandbox.list_company_files = bool((await _json(request)).get("listed", True))
        return await state(request)

    async def expire_tokens(request: Request) -> Response:
        sandbox.oauth.expire_access_tokens()
        return Response(status_code=204)

    async def credentials(request: Request) -> Response:
        return MyobJSON(sandbox.credentials(f"{request.url.scheme}://{request.url.netloc}"))

    async def reset(request: Request) -> Response:
        sandbox.reset()
        return Response(status_code=204)

    return [
        Route("/state", state, methods=["GET"]),
        Route("/documents/{kind}", documents, methods=["GET"]),
        Route("/requests", requests, methods=["GET", "DELETE"]),
        Route("/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/faults/{ident:int}", faults, methods=["DELETE"]),
        Route("/preferences", preferences, methods=["POST"]),
        Route("/limits", limits, methods=["POST"]),
        Route("/clock", clock, methods=["POST"]),
        Route("/upgrade", upgrade, methods=["POST"]),
        Route("/reconcile", reconcile, methods=["POST"]),
        Route("/company-files", company_files, methods=["POST"]),
        Route("/tokens/expire", expire_tokens, methods=["POST"]),
        Route("/credentials", credentials, methods=["GET"]),
        Route("/reset", reset, methods=["POST"]),
    ]
