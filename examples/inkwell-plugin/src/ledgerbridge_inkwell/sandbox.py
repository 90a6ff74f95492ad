"""The Inkwell Books API as a small, dependency-free WSGI app: the plugin's local sandbox.

Inkwell Books is an accounting backend invented for this example. Its wire format is REST/JSON
with money as decimal strings (``"130.01"``) and bearer API-key auth:

* ``GET/POST /v1/contacts`` (GET filters ``?number=`` / ``?name=``);
* ``POST /v1/invoices`` (``kind`` is ``sale`` or ``bill``; a number is unique per kind: a duplicate
  is a 422), ``GET /v1/invoices?kind=&from=&to=&number=&updated_since=&cursor=&limit=``,
  ``GET/PATCH /v1/invoices/{id}`` (423 on or before the lock date, 409 when void),
  ``POST /v1/invoices/{id}/void``;
* ``POST /v1/payments`` (422 above the amount due or when the invoice is not open),
  ``DELETE /v1/payments/{id}``, ``GET /v1/payments?from=&to=&invoice_id=&external_ref=&cursor=``;
* ``GET /v1/ledger?account=&from=&to=`` postings generated from the documents (debit positive);
* ``GET /v1/company`` (name, currency, lock date).

Every POST honours an ``Idempotency-Key`` header by replaying the stored answer. Lists page with
``{"items": [...], "next_cursor": ...}``. Errors are ``{"error": code, "message": text}``.

Levers for tests live under ``/_sandbox/`` (no auth): ``POST fail`` ``{"kind", "count"}``,
``POST page-size`` ``{"size"}``, ``POST lock-date`` ``{"date"}``, ``GET counts``, ``GET documents``,
``POST reset``. In-process, :attr:`InkwellSandbox.control` pulls the same levers directly.

``python -m ledgerbridge_inkwell.sandbox --port P`` serves it on 127.0.0.1 and prints one JSON
line ``{"api_url": ..., "api_key": ...}``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import secrets
import sys
import threading
from collections import Counter
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from http import HTTPStatus
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer, make_server

#: The chart of accounts: code → type.
CHART = {"1000": "bank", "1100": "receivable", "2100": "payable", "2200": "tax",
         "4000": "revenue", "4100": "revenue", "5000": "expense", "6000": "expense"}
RECEIVABLE, PAYABLE, TAX = "1100", "2100", "2200"
TAX_CODES = {"S10": "GST on sales", "P10": "GST on purchases", "EX": "exempt"}
LINE_ACCOUNT_TYPE = {"sale": "revenue", "bill": "expense"}
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 50, 200
FAILURE_KINDS = ("transient", "permanent", "lost_response")
WRITES = ("POST", "PATCH", "DELETE")


class DropConnection(Exception):
    """Raised by the app after applying a write whose answer must never arrive."""


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: Any):
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def _money(value: Any, field: str, *, positive: bool = False) -> Decimal:
    """A decimal string (never a JSON number: binary floats lose cents)."""
    if not isinstance(value, str):
        raise ApiError(422, "validation_failed", f"{field}: must be a decimal string such as \"12.50\"")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ApiError(422, "validation_failed", f"{field}: {value!r} is not a decimal number") from None
    if not amount.is_finite() or (positive and amount <= 0):
        raise ApiError(422, "validation_failed", f"{field}: {value!r} must be a {'positive ' if positive else ''}number")
    return amount


def _day(value: Any, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ApiError(422, "validation_failed", f"{field}: must be a date YYYY-MM-DD (got {value!r})") from None


def _text(body: dict, field: str, *, required: bool = False, limit: int = 255) -> str | None:
    value = body.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise ApiError(422, "validation_failed", f"{field}: must be text of 1-{limit} characters")
    return value


def _instant(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ApiError(422, "validation_failed", f"updated_since: must be an ISO 8601 time (got {value!r})") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _seq(record_id: str) -> int:
    return int(record_id.rsplit("_", 1)[1])


class InkwellSandbox:
    """The whole Inkwell Books company file in memory, its WSGI :attr:`app` and :attr:`control`."""

    def __init__(self, api_key: str | None = None, company: str = "Inkwell Demo Pty Ltd", base_currency: str = "AUD"):
        self.api_key = api_key or f"ink_test_{secrets.token_hex(8)}"
        self.company, self.base_currency = company, base_currency
        self.lock = threading.RLock()
        self.control = InkwellControl(self)
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.contacts: dict[str, dict] = {}
            self.invoices: dict[str, dict] = {}
            self.payments: dict[str, dict] = {}
            self.replays: dict[str, tuple[str, int, dict]] = {}  # key → (request, status, body)
            self.failures: list[str] = []
            self.page_size: int | None = None
            self.lock_date: date | None = None
            self.created: Counter = Counter()  # documents ever created, by type
            self.ids = itertools.count(1)

    def credentials(self, base_url: str) -> dict[str, str]:
        """What a tenant needs to use this sandbox served at *base_url*."""
        return {"api_url": base_url.rstrip("/"), "api_key": self.api_key}

    def transport(self):
        """An ``httpx`` transport calling :attr:`app` in-process; a dropped answer is a transport error."""
        import httpx

        sandbox = self

        class _Transport(httpx.WSGITransport):
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                try:
                    return super().handle_request(request)
                except DropConnection:
                    raise httpx.RemoteProtocolError("Server disconnected without sending a response.",
                                                    request=request) from None

        return _Transport(app=sandbox.app)

    def serve_in_thread(self, port: int = 0) -> tuple[str, Callable[[], None]]:
        """Serve on 127.0.0.1 in a daemon thread: ``(base_url, stop)``."""
        server = _server(self, port)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()

        def stop() -> None:
            server.shutdown()
            server.server_close()
            thread.join(5)

        return f"http://127.0.0.1:{server.server_port}", stop

    # -- WSGI ---------------------------------------------------------------------------------------
    def app(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO") or "/"
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        raw = environ["wsgi.input"].read(length) if length else b""
        headers: list[tuple[str, str]] = []
        with self.lock:
            try:
                body = json.loads(raw) if raw else {}
                if not isinstance(body, dict):
                    raise ApiError(400, "bad_request", "the body must be a JSON object")
                if path.startswith("/_sandbox/"):
                    status, answer = self._admin(method, path[len("/_sandbox/"):], body)
                else:
                    status, answer, headers = self._api(method, path, query, body, environ)
            except ValueError as exc:  # bad JSON
                status, answer = 400, {"error": "bad_request", "message": f"body is not JSON: {exc}"}
            except ApiError as exc:
                status, answer = exc.status, {"error": exc.code, "message": exc.message, **exc.extra}
        if isinstance(answer, str):
            payload, content_type = answer.encode(), "text/plain; charset=utf-8"
        else:
            payload, content_type = (json.dumps(answer).encode() if status != 204 else b""), "application/json"
        phrase = HTTPStatus(status).phrase
        start_response(f"{status} {phrase}", [("Content-Type", content_type),
                                              ("Content-Length", str(len(payload))), *headers])
        return [payload]

    def _api(self, method: str, path: str, query: dict, body: dict, environ: dict):
        if environ.get("HTTP_AUTHORIZATION") != f"Bearer {self.api_key}":
            raise ApiError(401, "unauthorized", "Missing or invalid API key")
        write = method in WRITES
        failure = self.failures[0] if self.failures else None
        if failure == "transient" or (failure and write):
            self.failures.pop(0)
        else:
            failure = None
        if failure == "transient":
            return 503, "Inkwell Books is down for scheduled maintenance; try again shortly", [("Retry-After", "1")]
        if failure == "permanent":
            raise ApiError(422, "validation_failed", "Account 4000 is archived and cannot take new entries")
        key = environ.get("HTTP_IDEMPOTENCY_KEY") if method == "POST" else None
        request = f"{method} {path}"
        if key and key in self.replays:
            seen, status, answer = self.replays[key]
            if seen != request:
                raise ApiError(422, "idempotency_key_reused", f"Idempotency-Key {key} was used for {seen}")
            return status, answer, [("Idempotent-Replayed", "true")]
        status, answer = self._route(method, path.rstrip("/").split("/")[1:], query, body)
        if key and 200 <= status < 300:
            self.replays[key] = (request, status, answer)
        if failure == "lost_response":
            raise DropConnection(request)
        return status, answer, []

    def _route(self, method: str, parts: list[str], query: dict, body: dict) -> tuple[int, Any]:
        if parts[:1] != ["v1"]:
            raise ApiError(404, "not_found", "no such endpoint")
        route = (method, *parts[1:2], *(["{id}"] if len(parts) > 2 else []), *parts[3:])
        handlers = {
            ("GET", "company"): lambda: (200, self._company()),
            ("GET", "contacts"): lambda: (200, self._page(self._contacts(query), query)),
            ("POST", "contacts"): lambda: (201, self._create_contact(body)),
            ("GET", "invoices"): lambda: (200, self._page(self._invoice_list(query), query)),
            ("POST", "invoices"): lambda: (201, self._create_invoice(body)),
            ("GET", "invoices", "{id}"): lambda: (200, self._get(self.invoices, parts[2], "invoice")),
            ("PATCH", "invoices", "{id}"): lambda: (200, self._patch_invoice(parts[2], body)),
            ("POST", "invoices", "{id}", "void"): lambda: (200, self._void(parts[2])),
            ("GET", "payments"): lambda: (200, self._page(self._payment_list(query), query)),
            ("POST", "payments"): lambda: (201, self._create_payment(body)),
            ("GET", "payments", "{id}"): lambda: (200, self._get(self.payments, parts[2], "payment")),
            ("DELETE", "payments", "{id}"): lambda: (204, self._delete_payment(parts[2])),
            ("GET", "ledger"): lambda: (200, self._page(self._ledger(query), query)),
        }
        handler = handlers.get(route)
        if handler is None:
            raise ApiError(404 if method == "GET" else 405, "not_found", f"no endpoint {method} /{'/'.join(parts)}")
        return handler()

    # -- lists ----------------------------------------------------------------------------------------
    def _page(self, items: list[dict], query: dict) -> dict:
        cap = self.page_size or MAX_PAGE_SIZE
        try:
            limit = max(1, min(int(query.get("limit", self.page_size or DEFAULT_PAGE_SIZE)), cap))
        except ValueError:
            raise ApiError(400, "bad_request", "limit must be a whole number") from None
        try:
            after = _seq(query["cursor"]) if query.get("cursor") else 0
        except (ValueError, IndexError):
            raise ApiError(400, "bad_request", f"cursor: {query['cursor']!r} is not a cursor from this list") from None
        rest = [item for item in items if _seq(item["id"]) > after]
        page = rest[:limit]
        return {"items": page, "next_cursor": page[-1]["id"] if len(rest) > limit else None}

    def _get(self, table: dict, record_id: str, what: str) -> dict:
        if record_id not in table:
            raise ApiError(404, "not_found", f"no {what} {record_id}")
        return table[record_id]

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_{next(self.ids)}"

    @staticmethod
    def _window(query: dict, field: str, item: dict) -> bool:
        day = date.fromisoformat(item[field])
        if query.get("from") and day < _day(query["from"], "from"):
            return False
        if query.get("to") and day > _day(query["to"], "to"):
            return False
        return not query.get("updated_since") or _instant(item["updated_at"]) >= _instant(query["updated_since"])

    # -- company and contacts -----------------------------------------------------------------------
    def _company(self) -> dict:
        return {"name": self.company, "base_currency": self.base_currency, "financial_year_end": "06-30",
                "lock_date": self.lock_date.isoformat() if self.lock_date else None}

    def _contacts(self, query: dict) -> list[dict]:
        found = list(self.contacts.values())
        if query.get("number"):
            found = [c for c in found if c["number"] == query["number"]]
        if query.get("name"):
            found = [c for c in found if c["name"].casefold() == query["name"].casefold()]
        return found

    def _create_contact(self, body: dict) -> dict:
        name, number = _text(body, "name", required=True), _text(body, "number", limit=50)
        if number and any(c["number"] == number for c in self.contacts.values()):
            raise ApiError(422, "duplicate_number", f"A contact numbered {number} already exists")
        contact = {"id": self._new_id("con"), "name": name, "number": number, "email": _text(body, "email"),
                   "customer": bool(body.get("customer")), "supplier": bool(body.get("supplier")),
                   "updated_at": _now()}
        self.contacts[contact["id"]] = contact
        self.created["contact"] += 1
        return contact

    # -- invoices and bills -------------------------------------------------------------------------
    def _invoice_list(self, query: dict) -> list[dict]:
        found = [i for i in self.invoices.values() if self._window(query, "issue_date", i)]
        if query.get("kind"):
            found = [i for i in found if i["kind"] == query["kind"]]
        if query.get("number"):
            found = [i for i in found if i["number"] == query["number"]]
        return found

    def _validated(self, body: dict) -> dict:
        """The invoice fields of *body*, checked; totals computed from the lines."""
        kind = body.get("kind")
        if kind not in LINE_ACCOUNT_TYPE:
            raise ApiError(422, "validation_failed", "kind: must be sale or bill")
        contact = self.contacts.get(body.get("contact_id"))  # type: ignore[arg-type]
        if contact is None:
            raise ApiError(422, "validation_failed", f"contact_id: no contact {body.get('contact_id')!r}")
        issue, due = _day(body.get("issue_date"), "issue_date"), _day(body.get("due_date"), "due_date")
        if due < issue:
            raise ApiError(422, "validation_failed", "due_date: is before issue_date")
        posting = _day(body.get("posting_date") or body["issue_date"], "posting_date")
        currency = body.get("currency")
        if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha() and currency.isupper()):
            raise ApiError(422, "validation_failed", "currency: must be an ISO 4217 code such as AUD")
        rate = body.get("exchange_rate")
        if rate is not None:
            _money(rate, "exchange_rate", positive=True)
        tax_mode = body.get("tax_mode")
        if tax_mode not in ("exclusive", "inclusive", "none"):
            raise ApiError(422, "validation_failed", "tax_mode: must be exclusive, inclusive or none")
        lines = body.get("lines")
        if not isinstance(lines, list) or not 1 <= len(lines) <= 500:
            raise ApiError(422, "validation_failed", "lines: 1 to 500 lines are needed")
        subtotal = tax = Decimal(0)
        clean = []
        for n, line in enumerate(lines):
            where = f"lines[{n}]"
            if not isinstance(line, dict):
                raise ApiError(422, "validation_failed", f"{where}: must be an object")
            for field in ("quantity", "unit_price"):
                _money(line.get(field), f"{where}.{field}")
            amount, line_tax = _money(line.get("amount"), f"{where}.amount"), _money(line.get("tax"), f"{where}.tax")
            account = line.get("account")
            if CHART.get(account) != LINE_ACCOUNT_TYPE[kind]:
                raise ApiError(422, "validation_failed", f"{where}.account: {account!r} is not a "
                               f"{LINE_ACCOUNT_TYPE[kind]} account in the chart of accounts")
            if line.get("tax_code") is not None and line["tax_code"] not in TAX_CODES:
                raise ApiError(422, "validation_failed", f"{where}.tax_code: unknown tax code {line['tax_code']!r}")
            if tax_mode == "none" and line_tax:
                raise ApiError(422, "validation_failed", f"{where}.tax: must be 0 when tax_mode is none")
            subtotal, tax = subtotal + amount, tax + line_tax
            clean.append({"description": str(line.get("description") or ""), "quantity": line["quantity"],
                          "unit_price": line["unit_price"], "amount": line["amount"], "tax": line["tax"],
                          "account": account, "tax_code": line.get("tax_code"), "item": line.get("item")})
        total = subtotal + tax if tax_mode == "exclusive" else subtotal
        if _money(body.get("total"), "total") != total:
            raise ApiError(422, "validation_failed", f"total: {body.get('total')} does not agree with the lines "
                           f"({tax_mode}: lines {subtotal}, tax {tax}, total {total})")
        status = body.get("status", "open")
        if status not in ("draft", "open"):
            raise ApiError(422, "validation_failed", "status: must be draft or open")
        return {"kind": kind, "number": _text(body, "number", required=True, limit=50),
                "contact": {"id": contact["id"], "name": contact["name"]},
                "issue_date": issue.isoformat(), "due_date": due.isoformat(), "posting_date": posting.isoformat(),
                "currency": currency, "exchange_rate": rate, "tax_mode": tax_mode, "status": status,
                "reference": _text(body, "reference"), "external_ref": _text(body, "external_ref"),
                "lines": clean, "subtotal": str(subtotal), "tax": str(tax), "total": str(total)}

    @staticmethod
    def _settle(invoice: dict) -> dict:
        """Amount due and paid status from the total and what was paid."""
        due = Decimal(invoice["total"]) - Decimal(invoice["amount_paid"])
        invoice["amount_due"] = str(due)
        if invoice["status"] in ("open", "paid"):
            invoice["status"] = "paid" if due == 0 and Decimal(invoice["total"]) > 0 else "open"
        return invoice

    def _create_invoice(self, body: dict) -> dict:
        fields = self._validated(body)
        for existing in self.invoices.values():
            if existing["kind"] == fields["kind"] and existing["number"] == fields["number"]:
                raise ApiError(422, "duplicate_number", f"A {fields['kind']} numbered {fields['number']} "
                               f"already exists ({existing['id']})", existing_id=existing["id"])
        self._check_lock(fields["posting_date"], fields["number"])
        now = _now()
        invoice = {"id": self._new_id("inv"), **fields, "amount_paid": "0", "version": 1,
                   "created_at": now, "updated_at": now}
        self.invoices[invoice["id"]] = self._settle(invoice)
        self.created["invoice"] += 1
        return invoice

    def _check_lock(self, day: str, number: str) -> None:
        if self.lock_date and date.fromisoformat(day) <= self.lock_date:
            raise ApiError(423, "period_locked", f"{number} is dated {day}, on or before the lock date "
                           f"{self.lock_date}: the period is closed")

    def _editable(self, invoice_id: str) -> dict:
        invoice = self._get(self.invoices, invoice_id, "invoice")
        if invoice["status"] == "void":
            raise ApiError(409, "invoice_void", f"{invoice['number']} is void and can no longer be changed")
        self._check_lock(invoice["posting_date"], invoice["number"])
        return invoice

    def _patch_invoice(self, invoice_id: str, body: dict) -> dict:
        invoice = self._editable(invoice_id)
        if "number" in body and body["number"] != invoice["number"] or "kind" in body and body["kind"] != invoice["kind"]:
            raise ApiError(422, "validation_failed", "number and kind cannot change")
        if "lines" in body and "total" not in body:
            raise ApiError(422, "validation_failed", "total: send it with the lines")
        current = "open" if invoice["status"] == "paid" else invoice["status"]
        merged = {**invoice, "contact_id": invoice["contact"]["id"], "status": current, **body}
        fields = self._validated(merged)
        if fields["status"] == "draft" and invoice["status"] != "draft":
            raise ApiError(422, "validation_failed", "status: an open invoice cannot go back to draft")
        self._check_lock(fields["posting_date"], invoice["number"])
        if Decimal(fields["total"]) < Decimal(invoice["amount_paid"]):
            raise ApiError(422, "validation_failed", f"total: {fields['total']} is less than the "
                           f"{invoice['amount_paid']} already paid")
        invoice.update(fields, version=invoice["version"] + 1, updated_at=_now())
        return self._settle(invoice)

    def _void(self, invoice_id: str) -> dict:
        invoice = self._get(self.invoices, invoice_id, "invoice")
        if invoice["status"] == "void":
            return invoice
        self._check_lock(invoice["posting_date"], invoice["number"])
        if Decimal(invoice["amount_paid"]):
            raise ApiError(422, "has_payments", f"{invoice['number']} has payments: delete them before voiding")
        invoice.update(status="void", amount_due="0", version=invoice["version"] + 1, updated_at=_now())
        return invoice

    # -- payments -------------------------------------------------------------------------------------
    def _payment_list(self, query: dict) -> list[dict]:
        status = query.get("status", "active")
        found = [p for p in self.payments.values()
                 if self._window(query, "date", p) and status in ("all", p["status"])]
        for field in ("invoice_id", "external_ref"):
            if query.get(field):
                found = [p for p in found if (p["invoice"]["id"] if field == "invoice_id" else p[field]) == query[field]]
        return found

    def _create_payment(self, body: dict) -> dict:
        invoice = self.invoices.get(body.get("invoice_id"))  # type: ignore[arg-type]
        if invoice is None:
            raise ApiError(422, "validation_failed", f"invoice_id: no invoice {body.get('invoice_id')!r}")
        amount = _money(body.get("amount"), "amount", positive=True)
        day = _day(body.get("date"), "date")
        if CHART.get(body.get("account")) != "bank":  # type: ignore[arg-type]
            raise ApiError(422, "validation_failed", f"account: {body.get('account')!r} is not a bank account")
        if invoice["status"] != "open":
            raise ApiError(422, "invoice_not_open", f"{invoice['number']} is {invoice['status']}, not open for payment")
        if amount > Decimal(invoice["amount_due"]):
            raise ApiError(422, "overpayment", f"Payment of {amount} is more than the {invoice['amount_due']} "
                           f"due on {invoice['number']}")
        self._check_lock(day.isoformat(), f"payment on {invoice['number']}")
        now = _now()
        payment = {"id": self._new_id("pay"), "invoice": {"id": invoice["id"], "number": invoice["number"],
                                                          "kind": invoice["kind"], "contact_name": invoice["contact"]["name"]},
                   "date": day.isoformat(), "amount": str(amount), "currency": invoice["currency"],
                   "account": body["account"], "reference": _text(body, "reference"),
                   "external_ref": _text(body, "external_ref"), "status": "active", "created_at": now, "updated_at": now}
        self.payments[payment["id"]] = payment
        invoice.update(amount_paid=str(Decimal(invoice["amount_paid"]) + amount), updated_at=now)
        self._settle(invoice)
        self.created["payment"] += 1
        return payment

    def _delete_payment(self, payment_id: str) -> None:
        payment = self._get(self.payments, payment_id, "payment")
        if payment["status"] == "deleted":
            return None
        self._check_lock(payment["date"], f"payment {payment_id}")
        invoice = self.invoices[payment["invoice"]["id"]]
        invoice.update(amount_paid=str(Decimal(invoice["amount_paid"]) - Decimal(payment["amount"])), updated_at=_now())
        self._settle(invoice)
        payment.update(status="deleted", updated_at=_now())
        return None

    # -- general ledger -------------------------------------------------------------------------------
    def _postings(self) -> list[dict]:
        """Double entry for every open/paid document and active payment: debit positive."""
        rows: list[tuple[int, str, str, Decimal, str]] = []
        for invoice in self.invoices.values():
            if invoice["status"] in ("draft", "void"):
                continue
            sign = 1 if invoice["kind"] == "sale" else -1
            control = RECEIVABLE if invoice["kind"] == "sale" else PAYABLE
            source = f"{invoice['kind']} {invoice['number']}"
            day, seq = invoice["posting_date"], _seq(invoice["id"])
            rows.append((seq, day, control, sign * Decimal(invoice["total"]), source))
            for line in invoice["lines"]:
                net = Decimal(line["amount"]) - (Decimal(line["tax"]) if invoice["tax_mode"] == "inclusive" else 0)
                rows.append((seq, day, line["account"], -sign * net, source))
            if Decimal(invoice["tax"]):
                rows.append((seq, day, TAX, -sign * Decimal(invoice["tax"]), source))
        for payment in self.payments.values():
            if payment["status"] != "active":
                continue
            sign = 1 if payment["invoice"]["kind"] == "sale" else -1
            control = RECEIVABLE if payment["invoice"]["kind"] == "sale" else PAYABLE
            source, seq = f"payment {payment['id']} on {payment['invoice']['number']}", _seq(payment["id"])
            rows.append((seq, payment["date"], payment["account"], sign * Decimal(payment["amount"]), source))
            rows.append((seq, payment["date"], control, -sign * Decimal(payment["amount"]), source))
        rows.sort(key=lambda row: row[0])
        return [{"id": f"pst_{n}", "date": day, "account": account, "amount": str(amount), "source": source}
                for n, (_, day, account, amount, source) in enumerate(rows, 1)]

    def _ledger(self, query: dict) -> list[dict]:
        account = query.get("account")
        if account not in CHART:
            raise ApiError(422, "validation_failed", f"account: {account!r} is not in the chart of accounts")
        return [p for p in self._postings()
                if p["account"] == account and self._window({**query, "updated_since": None}, "date", p)]

    # -- admin --------------------------------------------------------------------------------------
    def _admin(self, method: str, action: str, body: dict) -> tuple[int, Any]:
        if (method, action) == ("POST", "fail"):
            self.control.fail_next(body.get("kind"), int(body.get("count", 1)))  # type: ignore[arg-type]
        elif (method, action) == ("POST", "page-size"):
            self.page_size = int(body["size"]) if body.get("size") else None
        elif (method, action) == ("POST", "lock-date"):
            self.lock_date = _day(body["date"], "date") if body.get("date") else None
        elif (method, action) == ("POST", "reset"):
            self.reset()
        elif (method, action) == ("GET", "documents"):
            return 200, {"contacts": list(self.contacts.values()), "invoices": list(self.invoices.values()),
                         "payments": list(self.payments.values())}
        elif (method, action) != ("GET", "counts"):
            raise ApiError(404, "not_found", f"no admin endpoint {method} /_sandbox/{action}")
        return 200, {**{kind: self.control.count(kind) for kind in ("contact", "invoice", "payment")},
                     "created": dict(self.created), "pending_failures": list(self.failures)}


class InkwellControl:
    """The conformance kit's levers (:class:`core.testing.SandboxControl`), acting on the state."""

    def __init__(self, sandbox: InkwellSandbox):
        self.sandbox = sandbox

    def fail_next(self, kind: str, count: int = 1) -> None:
        if kind not in FAILURE_KINDS:
            raise ApiError(422, "validation_failed", f"kind: must be one of {', '.join(FAILURE_KINDS)}")
        with self.sandbox.lock:
            self.sandbox.failures.extend([kind] * count)

    def set_page_size(self, size: int) -> None:
        with self.sandbox.lock:
            self.sandbox.page_size = size

    def lock_until(self, day: date) -> None:
        with self.sandbox.lock:
            self.sandbox.lock_date = day

    def count(self, document_type: str) -> int:
        """Live documents: contacts, invoices and bills not void, payments not deleted."""
        with self.sandbox.lock:
            if document_type == "contact":
                return len(self.sandbox.contacts)
            if document_type == "invoice":
                return sum(1 for i in self.sandbox.invoices.values() if i["status"] != "void")
            if document_type == "payment":
                return sum(1 for p in self.sandbox.payments.values() if p["status"] == "active")
        raise ValueError(f"unknown document type {document_type!r}")


# -- serving over loopback ---------------------------------------------------------------------------
class _DroppingHandler(ServerHandler):
    def handle_error(self) -> None:
        if isinstance(sys.exc_info()[1], DropConnection):
            return  # write nothing: the connection closes and the client never sees an answer
        super().handle_error()


class _RequestHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def handle(self) -> None:
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536 or not self.parse_request():
            return
        handler = _DroppingHandler(self.rfile, self.wfile, self.get_stderr(), self.get_environ(), multithread=False)
        handler.request_handler = self  # type: ignore[attr-defined]
        handler.run(self.server.get_app())  # type: ignore[attr-defined]


def _server(sandbox: InkwellSandbox, port: int) -> WSGIServer:
    return make_server("127.0.0.1", port, sandbox.app, handler_class=_RequestHandler)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ledgerbridge_inkwell.sandbox",
                                     description="Serve the Inkwell Books sandbox on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0, help="port (0: a free one)")
    parser.add_argument("--api-key", help="the API key to accept (default: a random one)")
    args = parser.parse_args(argv)
    sandbox = InkwellSandbox(api_key=args.api_key)
    server = _server(sandbox, args.port)
    print(json.dumps(sandbox.credentials(f"http://127.0.0.1:{server.server_port}")), flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
