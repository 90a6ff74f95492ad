"""Admin endpoints under ``/__sandbox__`` (no auth; loopback only): inspect and steer the sandbox.

=======================================  ==========================================================
GET    /__sandbox__/state                 company, counts, preferences, limits, clock, faults
GET    /__sandbox__/documents/{entity}    stored entities (invoice, bill, payment, billpayment,
                                          customer, vendor, item, account, taxcode, taxrate),
                                          with ``voided``/``deleted`` lists
GET    /__sandbox__/ledger                every posting (home currency, debit +)
GET    /__sandbox__/requests              request log (``?method=&path=&status=``), with bodies
DELETE /__sandbox__/requests              clear the request log
GET    /__sandbox__/faults                active faults
POST   /__sandbox__/faults                add a fault, a list, or ``{"faults": [...]}``
DELETE /__sandbox__/faults[/{id}]         remove all faults, or one
POST   /__sandbox__/book-close-date       ``{"BookCloseDate": "2026-01-31" | null}``
POST   /__sandbox__/preferences           ``{"CustomTxnNumbers": bool, "MultiCurrencyEnabled": bool}``
POST   /__sandbox__/limits                ``{"concurrent", "per_minute", "batch_per_minute",
                                          "processing_delay", "page_size", "reset_counters": true}``
POST   /__sandbox__/requestid             ``{"ttl": seconds | null}`` (null/0: no replay)
POST   /__sandbox__/payments/{id}/deposit mark a Payment deposited (then 6540 on change)
POST   /__sandbox__/clock                 ``{"advance": seconds}`` or ``{"set": ISO}`` (manual clock)
POST   /__sandbox__/tokens/expire         expire every access token now
GET    /__sandbox__/credentials           fresh credentials (a new refresh token)
POST   /__sandbox__/reset                 fresh data, empty log/requestids/counters/faults (OAuth kept)
=======================================  ==========================================================
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core.clock import ManualClock
from core.sandbox.faults import FaultError

from . import ledger
from .store import ENTITIES
from .wire import dumps

if TYPE_CHECKING:
    from .app import QuickBooksSandbox

PREFIX = "/__sandbox__"


def _json_response(body: Any, status: int = 200) -> Response:
    return Response(dumps(_plain(body)), status, media_type="application/json")


def _error(status: int, message: str) -> Response:
    return _json_response({"error": message}, status)


async def _body(request: Request) -> Any:
    raw = await request.body()
    return json.loads(raw, parse_float=Decimal) if raw.strip() else {}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, float):  # settings such as a fault's delay; never money
        return Decimal(repr(value))
    return value


def routes(sandbox: "QuickBooksSandbox") -> list[Route]:
    def state_body() -> dict[str, Any]:
        company = sandbox.company
        with sandbox.lock:
            counts = {kind: len(company.all(kind)) for kind in ENTITIES.values()
                      if kind not in ("Preferences", "CompanyInfo")}
        limits = sandbox.limiter.limits
        return {"realm_id": company.realm_id, "name": company.name, "country": company.country,
                "home_currency": company.home_currency, "multicurrency": company.multicurrency,
                "custom_txn_numbers": company.custom_txn_numbers, "book_close_date": company.book_close_date,
                "counts": counts, "voided": len(company.voided), "now": sandbox.clock.now(),
                "client_id": sandbox.client.client_id,
                "limits": {"concurrent": limits.concurrent, "per_minute": limits.per_minute,
                           "batch_per_minute": sandbox.batch_limiter.limits.per_minute,
                           "processing_delay": sandbox.processing_delay, "page_size": sandbox.page_size},
                "requestid_ttl": sandbox.requestid_ttl.total_seconds() if sandbox.requestid_ttl else None,
                "faults": [f.describe() for f in sandbox.faults.list()], "requests": len(sandbox.requests.all())}

    async def state(request: Request) -> Response:
        return _json_response(state_body())

    async def documents(request: Request) -> Response:
        kind = ENTITIES.get(request.path_params["kind"].lower().rstrip("s")) or ENTITIES.get(
            request.path_params["kind"].lower())
        if kind is None or kind in ("Preferences", "CompanyInfo"):
            return _error(404, f"unknown entity {request.path_params['kind']!r}")
        company = sandbox.company
        with sandbox.lock:
            return _json_response({kind: company.all(kind),
                                   "voided": sorted(i for k, i in company.voided if k == kind),
                                   "deleted": sorted(company.tombstones.get(kind, {}))})

    async def postings(request: Request) -> Response:
        with sandbox.lock:
            rows = [{"date": p.day, "account_id": p.account_id, "amount": p.amount, "txn_type": p.txn_type,
                     "txn_id": p.txn_id, "doc_number": p.doc_number, "name": p.name}
                    for p in ledger.postings(sandbox.company)]
        return _json_response({"postings": rows})

    async def requests(request: Request) -> Response:
        if request.method == "DELETE":
            sandbox.requests.clear()
            return Response(status_code=204)
        q = request.query_params
        status = int(q["status"]) if q.get("status") else None
        found = sandbox.requests.find(q.get("method"), q.get("path"), status)
        return _json_response({"requests": [e.describe() for e in found]})

    async def faults(request: Request) -> Response:
        if request.method == "GET":
            return _json_response({"faults": [f.describe() for f in sandbox.faults.list()]})
        if request.method == "DELETE":
            ident = request.path_params.get("ident")
            if ident is None:
                sandbox.faults.clear()
            elif not sandbox.faults.remove(int(ident)):
                return _error(404, f"no fault {ident}")
            return Response(status_code=204)
        try:
            added = sandbox.faults.extend(await _body(request))
        except (FaultError, ValueError, KeyError, TypeError) as exc:
            return _error(400, str(exc))
        return _json_response({"faults": [f.describe() for f in added]}, 201)

    async def book_close(request: Request) -> Response:
        data = await _body(request)
        try:
            value = data["BookCloseDate"]
            sandbox.set_book_close_date(date.fromisoformat(value) if value else None)
        except (KeyError, ValueError, TypeError) as exc:
            return _error(400, f"BookCloseDate must be an ISO date or null: {exc}")
        return _json_response({"BookCloseDate": sandbox.company.book_close_date})

    async def preferences(request: Request) -> Response:
        data = await _body(request)
        with sandbox.lock:
            if "CustomTxnNumbers" in data:
                sandbox.company.custom_txn_numbers = bool(data["CustomTxnNumbers"])
            if "MultiCurrencyEnabled" in data:
                sandbox.company.multicurrency = bool(data["MultiCurrencyEnabled"])
            sandbox.company.prefs_sync += 1
        return _json_response(state_body())

    async def limits(request: Request) -> Response:
        data = dict(await _body(request))
        if "processing_delay" in data:
            sandbox.processing_delay = float(data.pop("processing_delay"))
        if "page_size" in data:
            size = data.pop("page_size")
            sandbox.page_size = int(size) if size else None
        if data.pop("reset_counters", False):
            sandbox.limiter.reset()
            sandbox.batch_limiter.reset()
        try:
            sandbox.set_limits(**data)
        except (ValueError, TypeError) as exc:
            return _error(400, str(exc))
        return _json_response(state_body())

    async def requestid(request: Request) -> Response:
        data = await _body(request)
        ttl = data.get("ttl")
        sandbox.set_requestid_ttl(timedelta(seconds=float(ttl)) if ttl else None)
        return _json_response(state_body())

    async def deposit(request: Request) -> Response:
        ident = request.path_params["ident"]
        with sandbox.lock:
            if sandbox.company.get("Payment", ident) is None:
                return _error(404, f"no payment {ident}")
            sandbox.company.deposited.add(ident)
        return Response(status_code=204)

    async def clock(request: Request) -> Response:
        if not isinstance(sandbox.clock, ManualClock):
            return _error(409, "the sandbox runs on the system clock; start it with a ManualClock to move time")
        data = await _body(request)
        try:
            if "set" in data:
                sandbox.clock.set(datetime.fromisoformat(str(data["set"]).replace("Z", "+00:00")))
            else:
                sandbox.clock.advance(float(data.get("advance", 0)))
        except (ValueError, TypeError) as exc:
            return _error(400, str(exc))
        return _json_response({"now": sandbox.clock.now()})

    async def expire_tokens(request: Request) -> Response:
        sandbox.oauth.expire_access_tokens()
        return Response(status_code=204)

    async def credentials(request: Request) -> Response:
        return _json_response(sandbox.credentials(f"{request.url.scheme}://{request.url.netloc}"))

    async def reset(request: Request) -> Response:
        sandbox.reset()
        return Response(status_code=204)

    return [
        Route("/state", state, methods=["GET"]),
        Route("/documents/{kind}", documents, methods=["GET"]),
        Route("/ledger", postings, methods=["GET"]),
        Route("/requests", requests, methods=["GET", "DELETE"]),
        Route("/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/faults/{ident:int}", faults, methods=["DELETE"]),
        Route("/book-close-date", book_close, methods=["POST"]),
        Route("/preferences", preferences, methods=["POST"]),
        Route("/limits", limits, methods=["POST"]),
        Route("/requestid", requestid, methods=["POST"]),
        Route("/payments/{ident}/deposit", deposit, methods=["POST"]),
        Route("/clock", clock, methods=["POST"]),
        Route("/tokens/expire", expire_tokens, methods=["POST"]),
        Route("/credentials", credentials, methods=["GET"]),
        Route("/reset", reset, methods=["POST"]),
    ]
