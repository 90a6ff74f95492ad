"""The Accounting API resources: list/get/write handlers for each endpoint.

Each handler takes a :class:`Call` and returns ``(status, body)``. Lists follow Xero: without
``page`` every match is returned with ``LineItems: []``; with ``page`` a page of ``pageSize``
(default 100, at most 1000) with line items and a ``pagination`` block. Journals page by
``offset`` (JournalNumber greater than it, 100 at a time).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from . import contacts, invoices, payments, render
from .context import Context, Result
from .filters import QueryError, compile_where, sort_records
from .wire import WireError, api_exception, envelope, loads, parse_http_datetime, validation_exception

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
JOURNAL_PAGE = 100


class ApiError(Exception):
    """A request-level failure with its status and body."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(str(body))
        self.status, self.body = status, body


@dataclass
class Call:
    ctx: Context
    method: str
    ident: str | None
    params: dict[str, list[str]]
    headers: dict[str, str]
    raw: bytes

    def param(self, name: str) -> str | None:
        for key, values in self.params.items():
            if key.lower() == name.lower() and values:
                return values[-1]
        return None

    def many(self, name: str) -> set[str]:
        out: set[str] = set()
        for key, values in self.params.items():
            if key.lower() == name.lower():
                for value in values:
                    out.update(v.strip() for v in value.split(",") if v.strip())
        return out

    def flag(self, name: str, default: bool) -> bool:
        value = self.param(name)
        return default if value is None else value.strip().lower() == "true"

    def since(self) -> datetime | None:
        value = self.headers.get("if-modified-since")
        if not value:
            return None
        try:
            return parse_http_datetime(value)
        except WireError as exc:
            raise ApiError(400, api_exception(14, "PostDataInvalidException", str(exc))) from None

    def body(self, key: str) -> list[Any]:
        """The elements of a write: ``{key: [...]}`` or one bare object."""
        try:
            data = loads(self.raw) if self.raw.strip() else None
        except WireError as exc:
            raise ApiError(400, api_exception(14, "PostDataInvalidException", str(exc))) from None
        if isinstance(data, dict) and key in data:
            items = data[key]
            if not isinstance(items, list):
                raise ApiError(400, api_exception(14, "PostDataInvalidException", f"'{key}' must be an array"))
            return items
        if isinstance(data, dict) and data:
            return [data]
        raise ApiError(400, api_exception(14, "PostDataInvalidException", f"The request has no {key}"))


def _not_found() -> ApiError:
    return ApiError(404, "The resource you're looking for cannot be found")


def _query(call: Call, records: list[dict], entity: str, updated_key: str = "UpdatedDateUTC") -> list[dict]:
    since = call.since()
    if since is not None:
        records = [r for r in records if r.get(updated_key) and r[updated_key] >= since]
    try:
        where = call.param("where")
        if where and where.strip():
            test = compile_where(where, entity)
            records = [r for r in records if test(r)]
        return sort_records(records, call.param("order"), entity)
    except QueryError as exc:
        raise ApiError(400, api_exception(16, "QueryParseException", str(exc))) from None


def _int(call: Call, name: str, default: int) -> int:
    value = call.param(name)
    if value is None or not value.strip():
        return default
    try:
        return int(value)
    except ValueError:
        raise ApiError(400, api_exception(14, "PostDataInvalidException",
                                          f"The value '{value}' is not valid for {name}.")) from None


def _page(call: Call, key: str, records: list[dict], lines_key: str | None) -> tuple[int, dict]:
    if call.param("page") is None:
        if lines_key:
            for record in records:
                record[lines_key] = []
        return 200, envelope(call.ctx.now, key, records)
    page = max(1, _int(call, "page", 1))
    size = min(MAX_PAGE_SIZE, call.ctx.max_page_size, max(1, _int(call, "pageSize", DEFAULT_PAGE_SIZE)))
    count = len(records)
    chunk = records[(page - 1) * size: page * size]
    pagination = {"page": page, "pageSize": size, "pageCount": math.ceil(count / size), "itemCount": count}
    return 200, envelope(call.ctx.now, key, chunk, pagination=pagination)


def _write(call: Call, key: str, results: list[Result]) -> tuple[int, dict]:
    bad = [r.body for r in results if not r.ok]
    if bad and call.flag("summarizeErrors", True):
        return 400, validation_exception(bad)
    return 200, envelope(call.ctx.now, key, [r.body for r in results])


# -- Invoices ---------------------------------------------------------------------------------
def invoices_get(call: Call) -> tuple[int, dict]:
    ledger = call.ctx.ledger
    if call.ident:
        found = invoices.find(call.ctx, call.ident)
        if found is None:
            raise _not_found()
        return 200, envelope(call.ctx.now, "Invoices", [render.invoice(ledger, found, unitdp=call.ctx.unitdp)])
    records = [render.invoice(ledger, i, unitdp=call.ctx.unitdp)
               for i in sorted(ledger.invoices.values(), key=lambda i: i.seq)]
    ids = {i.lower() for i in call.many("IDs")}
    numbers, contact_ids, statuses = call.many("InvoiceNumbers"), call.many("ContactIDs"), call.many("Statuses")
    contact_ids = {c.lower() for c in contact_ids}
    records = [r for r in records
               if (not ids or r["InvoiceID"] in ids) and (not numbers or r.get("InvoiceNumber") in numbers)
               and (not contact_ids or r["Contact"]["ContactID"] in contact_ids)
               and (not statuses or r["Status"] in statuses)]
    term = (call.param("searchTerm") or "").strip().lower()
    if term:
        records = [r for r in records if term in (r.get("InvoiceNumber") or "").lower()
                   or term in (r.get("Reference") or "").lower()]
    records = _query(call, records, "Invoice")
    if call.flag("summaryOnly", False):
        for record in records:
            record["LineItems"] = []
    return _page(call, "Invoices", records, "LineItems")


def invoices_put(call: Call) -> tuple[int, dict]:
    return _write(call, "Invoices", [invoices.save(call.ctx, e, "create") for e in call.body("Invoices")])


def invoices_post(call: Call) -> tuple[int, dict]:
    if call.ident:
        target = invoices.find(call.ctx, call.ident)
        if target is None:
            raise _not_found()
        return _write(call, "Invoices", [invoices.save(call.ctx, call.body("Invoices")[0], "upsert", target)])
    return _write(call, "Invoices", [invoices.save(call.ctx, e, "upsert") for e in call.body("Invoices")])


# -- Contacts ---------------------------------------------------------------------------------
def contacts_get(call: Call) -> tuple[int, dict]:
    ctx = call.ctx
    if call.ident:
        found = contacts.find(ctx, call.ident)
        if found is None:
            raise _not_found()
        return 200, envelope(ctx.now, "Contacts", [render.contact(ctx.ledger, found, ctx.today)])
    found_all = sorted(ctx.ledger.contacts.values(), key=lambda c: c.seq)
    ids = {i.lower() for i in call.many("IDs")}
    archived = call.flag("includeArchived", False)
    records = [render.contact(ctx.ledger, c, ctx.today) for c in found_all
               if (not ids or c.contact_id in ids) and (archived or ids or c.status != "ARCHIVED")]
    term = (call.param("searchTerm") or "").strip().lower()
    if term:
        records = [r for r in records if any(term in str(r.get(k) or "").lower() for k in
                                             ("Name", "FirstName", "LastName", "ContactNumber", "EmailAddress"))]
    return _page(call, "Contacts", _query(call, records, "Contact"), None)


def contacts_put(call: Call) -> tuple[int, dict]:
    return _write(call, "Contacts", [contacts.save(call.ctx, e, "create") for e in call.body("Contacts")])


def contacts_post(call: Call) -> tuple[int, dict]:
    if call.ident:
        target = contacts.find(call.ctx, call.ident)
        if target is None:
            raise _not_found()
        return _write(call, "Contacts", [contacts.save(call.ctx, call.body("Contacts")[0], "upsert", target)])
    return _write(call, "Contacts", [contacts.save(call.ctx, e, "upsert") for e in call.body("Contacts")])


# -- Payments ---------------------------------------------------------------------------------
def payments_get(call: Call) -> tuple[int, dict]:
    ledger = call.ctx.ledger
    if call.ident:
        found = payments.find(call.ctx, call.ident)
        if found is None:
            raise _not_found()
        return 200, envelope(call.ctx.now, "Payments", [render.payment(ledger, found)])
    records = [render.payment(ledger, p) for p in sorted(ledger.payments.values(), key=lambda p: p.seq)]
    return _page(call, "Payments", _query(call, records, "Payment"), None)


def payments_put(call: Call) -> tuple[int, dict]:
    return _write(call, "Payments", [payments.create(call.ctx, e) for e in call.body("Payments")])


def payments_post(call: Call) -> tuple[int, dict]:
    if call.ident:
        target = payments.find(call.ctx, call.ident)
        if target is None:
            raise _not_found()
        elements = call.body("Payments")
        return _write(call, "Payments", [payments.update(call.ctx, target, elements[0])])
    return _write(call, "Payments", [payments.create(call.ctx, e) for e in call.body("Payments")])


# -- Accounts, Organisation, Journals -----------------------------------------------------------
def accounts_get(call: Call) -> tuple[int, dict]:
    accounts = call.ctx.ledger.accounts
    if call.ident:
        found = next((a for a in accounts if a.account_id == call.ident.lower()), None)
        if found is None:
            raise _not_found()
        return 200, envelope(call.ctx.now, "Accounts", [render.account(found)])
    records = _query(call, [render.account(a) for a in accounts], "Account")
    return 200, envelope(call.ctx.now, "Accounts", records)


def organisation_get(call: Call) -> tuple[int, dict]:
    return 200, envelope(call.ctx.now, "Organisations", [render.organisation(call.ctx.ledger.org)])


def journals_get(call: Call) -> tuple[int, dict]:
    journals = call.ctx.ledger.journals
    if call.ident:
        ident = call.ident.lower()
        found = next((j for j in journals if j.journal_id == ident or str(j.number) == ident), None)
        if found is None:
            raise _not_found()
        return 200, envelope(call.ctx.now, "Journals", [render.journal(found, call.ctx.ledger.org.base_currency, with_source=False)])
    offset = _int(call, "offset", 0)
    since = call.since()
    chosen = [j for j in journals if j.number > offset and (since is None or j.created >= since)]
    if call.flag("paymentsOnly", False):
        chosen = [j for j in chosen if j.source_type.endswith("PAYMENT")]
    return 200, envelope(call.ctx.now, "Journals", [render.journal(j, call.ctx.ledger.org.base_currency) for j in chosen[:JOURNAL_PAGE]])


# resource (lower case) → method → (handler, scopes that allow it)
_TX = ("accounting.transactions",)
_TX_READ = _TX + ("accounting.transactions.read",)
ROUTES: dict[str, dict[str, tuple[Callable[[Call], tuple[int, Any]], tuple[str, ...]]]] = {
    "invoices": {"GET": (invoices_get, _TX_READ + ("accounting.invoices", "accounting.invoices.read")),
                 "PUT": (invoices_put, _TX + ("accounting.invoices",)),
                 "POST": (invoices_post, _TX + ("accounting.invoices",))},
    "contacts": {"GET": (contacts_get, ("accounting.contacts", "accounting.contacts.read")),
                 "PUT": (contacts_put, ("accounting.contacts",)),
                 "POST": (contacts_post, ("accounting.contacts",))},
    "payments": {"GET": (payments_get, _TX_READ + ("accounting.payments", "accounting.payments.read")),
                 "PUT": (payments_put, _TX + ("accounting.payments",)),
                 "POST": (payments_post, _TX + ("accounting.payments",))},
    "accounts": {"GET": (accounts_get, ("accounting.settings", "accounting.settings.read"))},
    "organisation": {"GET": (organisation_get, ("accounting.settings", "accounting.settings.read"))},
    "journals": {"GET": (journals_get, ("accounting.journals.read",))},
}
