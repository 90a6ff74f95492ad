"""The legacy Essentials API (``x-myobapi-version: v0``): camelCase JSON, page-number paging.

Routes under ``/{region}/essentials``: ``GET businesses[/{uid}]``, ``GET tax/types``, and per
business ``contacts`` (GET/POST, GET one), ``generalledger/accounts`` (GET), ``sale/invoices``
(GET/POST, GET/PUT/DELETE one) and ``sale/payments`` (GET/POST, GET/DELETE one). Numeric string
uids; dates ``YYYY-MM-DD``; lists ``{"items", "_links": [{rel, href}], "page": {size,
totalElements, totalPages, number}}`` with ``?page=N`` (1-based; ``pageNumber`` also accepted) and
``?size=M`` (default 400, at most 1000). ``filter`` takes the sandbox's OData subset over the
camelCase fields (the real parameter's syntax is not documented in the sources), plus
``fromDate``/``toDate`` on ``issueDate``/``date``. Writes reuse the Business API rules (tax,
dates, balances); a business being upgraded answers 423, an upgraded one 418.

Payment shape ``{contact{uid}, date, account{uid}, lines[{invoice{uid}, amount}], notes}`` is the
sandbox's (no source gives the legacy payment fields).
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from . import contacts, errors, payments, sales
from .errors import MyobError
from .odata import QueryError, compile_filter
from .rules import Ctx
from .store import Business, Contact, Payment, Sale, ZERO
from .wire import WireError, loads

DEFAULT_SIZE, MAX_SIZE = 400, 1000
FIRST_LEGACY_UID = 35608700
Result = tuple[int, Any, dict[str, str]]


def legacy_uid(business: Business, record_uid: str) -> str:
    """The numeric uid of a record, assigned on first sight."""
    for numeric, uid in business.legacy_ids.items():
        if uid == record_uid:
            return numeric
    numeric = str(FIRST_LEGACY_UID + len(business.legacy_ids))
    business.legacy_ids[numeric] = record_uid
    return numeric


def _record(business: Business, numeric: Any) -> str:
    uid = business.legacy_ids.get(str(numeric).strip()) if numeric is not None else None
    if uid is None:
        raise MyobError(errors.REFERENCE_NOT_FOUND, f"No entity with uid '{numeric}'")
    return uid


def _d(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _ref(base: str, business: Business, record_uid: str | None, path: str, **extra: Any) -> dict | None:
    if record_uid is None:
        return None
    numeric = legacy_uid(business, record_uid)
    return {"uid": numeric, "uri": f"{base}/businesses/{business.id}/{path}/{numeric}", **extra}


def render_business(base: str, b: Business) -> dict:
    return {"uid": b.id, "uri": f"{base}/businesses/{b.id}", "name": b.name, "abn": "53086760303",
            "serialNumber": b.serial_number, "status": "ACTIVE", "gstRegistered": True,
            "financialYearStart": "July", "financialYearEnd": "June", "_links": []}


def render_contact(base: str, b: Business, c: Contact) -> dict:
    ref = _ref(base, b, c.uid, "contacts")
    return {**ref, "name": c.name, "types": [c.kind], "firstName": c.first_name or "", "lastName": c.last_name or "",
            "email": c.fields.get("email", ""), "notes": c.fields.get("notes", ""), "active": c.is_active,
            "individual": c.is_individual, "_links": [{"rel": "self", "href": ref["uri"]}]}


def render_account(base: str, b: Business, a) -> dict:
    return {"uid": a.legacy_uid, "uri": f"{base}/businesses/{b.id}/generalledger/accounts/{a.legacy_uid}",
            "name": a.name, "displayId": a.display_id, "classification": a.classification, "type": a.type,
            "active": a.is_active, "_links": []}


def render_invoice(base: str, b: Business, s: Sale, today: str = "9999-12-31") -> dict:
    ref = _ref(base, b, s.uid, "sale/invoices")
    contact = b.contacts.get(s.contact_uid)
    lines = []
    for line in s.lines:
        account = b.account(line.account_uid)
        tax = b.tax_code(line.tax_code_uid)
        lines.append({
            "account": account and {"uid": account.legacy_uid, "name": account.name, "displayId": account.display_id,
                                    "uri": f"{base}/businesses/{b.id}/generalledger/accounts/{account.legacy_uid}"},
            "taxType": tax and {"uid": tax.legacy_uid, "code": tax.code, "name": tax.description,
                                "uri": f"{base}/tax/types/{tax.legacy_uid}"},
            "description": line.description, "quantity": line.fields.get("UnitCount"),
            "unitPrice": line.fields.get("UnitPrice"), "total": line.total, "links": []})
    due = (s.fields.get("Terms") or {}).get("DueDate")
    overdue = bool(due) and s.balance_due > 0 and str(due) < today
    return {**ref, "invoiceNumber": s.number,
            "contact": _ref(base, b, s.contact_uid, "contacts", name=contact.name if contact else None),
            "issueDate": _d(s.date), "dueDate": due, "gstInclusive": s.is_tax_inclusive, "lines": lines,
            "notes": s.fields.get("Comment"), "purchaseOrderNumber": s.fields.get("CustomerPurchaseOrderNumber"),
            "total": s.total, "gst": s.total_tax, "amountPaid": s.applied, "amountDue": s.balance_due,
            "status": "Open" if s.balance_due > 0 else "Paid",
            "displayStatus": "Paid" if s.balance_due <= 0 else ("Overdue" if overdue else "Open"),
            "_links": [{"rel": "self", "href": ref["uri"]}]}


def render_payment(base: str, b: Business, p: Payment) -> dict:
    ref = _ref(base, b, p.uid, "sale/payments")
    account = b.account(p.account_uid)
    return {**ref, "contact": _ref(base, b, p.contact_uid, "contacts",
                                   name=b.contacts[p.contact_uid].name if p.contact_uid in b.contacts else None),
            "date": _d(p.date), "account": account and {"uid": account.legacy_uid, "name": account.name},
            "total": p.amount, "notes": p.fields.get("Memo"),
            "lines": [{"invoice": _ref(base, b, a.sale_uid, "sale/invoices",
                                       invoiceNumber=b.sales[a.sale_uid].number if a.sale_uid in b.sales else None),
                       "amount": a.amount} for a in p.allocations],
            "_links": [{"rel": "self", "href": ref["uri"]}]}


def page(params: dict[str, str], url: str, items: list[dict], cap: int | None) -> Result:
    try:
        number = int(params.get("page") or params.get("pageNumber") or 1)
        size = int(params.get("size") or params.get("pageSize") or DEFAULT_SIZE)
    except ValueError:
        raise MyobError(errors.QUERY, "page and size must be integers") from None
    size = max(1, min(size, MAX_SIZE, cap or MAX_SIZE))
    number = max(1, number)
    total = len(items)
    pages = max(1, math.ceil(total / size))
    chosen = items[(number - 1) * size: number * size]

    def href(n: int) -> str:
        query = {k: v for k, v in params.items() if k not in ("page", "pageNumber", "size", "pageSize")}
        return f"{url}?{urlencode({**query, 'page': n, 'size': size})}"

    links = [{"rel": "self", "href": href(number)}]
    if number < pages:
        links.append({"rel": "next", "href": href(number + 1)})
    if number > 1:
        links.append({"rel": "previous", "href": href(number - 1)})
    return 200, {"items": chosen, "_links": links,
                 "page": {"size": size, "totalElements": total, "totalPages": pages, "number": number}}, {}


def _filtered(params: dict[str, str], items: list[dict], date_key: str | None) -> list[dict]:
    if params.get("filter", "").strip():
        try:
            test = compile_filter(params["filter"])
            items = [i for i in items if test(i)]
        except QueryError as exc:
            raise MyobError(errors.QUERY, str(exc)) from None
    if date_key:
        low, high = params.get("fromDate"), params.get("toDate")
        items = [i for i in items if (not low or (i[date_key] or "") >= low) and (not high or (i[date_key] or "") <= high)]
    return items


def _body(raw: bytes) -> dict:
    try:
        data = loads(raw) if raw.strip() else None
    except WireError as exc:
        raise MyobError(errors.SERIALIZATION, str(exc)) from None
    if not isinstance(data, dict):
        raise MyobError(errors.SERIALIZATION, "The request body must be a JSON object")
    return data


def _link_uid(b: Business, body: dict, key: str) -> dict | None:
    value = body.get(key)
    if not isinstance(value, dict) or value.get("uid") in (None, ""):
        return None
    return {"UID": _record(b, value["uid"])}


def _invoice_body(b: Business, data: dict) -> dict:
    lines = []
    for raw in data.get("lines") or []:
        raw = raw if isinstance(raw, dict) else {}
        line = {"Type": "Transaction", "Description": raw.get("description"), "Account": _link_uid(b, raw, "account"),
                "TaxCode": _link_uid(b, raw, "taxType")}
        if raw.get("total") is not None:
            line["Total"] = raw["total"]
        for src, dst in (("quantity", "UnitCount"), ("unitPrice", "UnitPrice")):
            if raw.get(src) is not None:
                line[dst] = raw[src]
        lines.append(line)
    return {"Number": data.get("invoiceNumber"), "Customer": _link_uid(b, data, "contact"),
            "Date": data.get("issueDate"), "IsTaxInclusive": bool(data.get("gstInclusive", False)), "Lines": lines,
            "Terms": {"DueDate": data.get("dueDate")}, "Comment": data.get("notes"),
            "CustomerPurchaseOrderNumber": data.get("purchaseOrderNumber")}


def _payment_body(b: Business, data: dict) -> dict:
    lines = [line if isinstance(line, dict) else {} for line in data.get("lines") or []]
    applied = [{"UID": (_link_uid(b, line, "invoice") or {}).get("UID"), "AmountApplied": line.get("amount")}
               for line in lines]
    amounts = [a["AmountApplied"] for a in applied if isinstance(a["AmountApplied"], (int, Decimal))]
    return {"Customer": _link_uid(b, data, "contact"), "DepositTo": "Account", "Account": _link_uid(b, data, "account"),
            "Date": data.get("date"), "AmountReceived": data.get("total", sum(amounts, ZERO)), "Invoices": applied,
            "Memo": data.get("notes")}


def dispatch(ctx: Ctx, base: str, method: str, route: list[str], params: dict[str, str], raw: bytes, url: str) -> Result:
    """Route one legacy call (``route``: segments after ``businesses/{uid}``)."""
    b = ctx.business
    today = ctx.now.date().isoformat()
    joined = "/".join(route[:2]) if route and route[0] != "contacts" else "contacts"
    tail = route[2:] if joined != "contacts" else route[1:]
    uid = tail[0] if tail else None
    if len(tail) > 1:
        raise MyobError(errors.NOT_FOUND)

    def allowed(*methods: str) -> None:
        if method not in methods:
            raise MyobError(errors.METHOD_NOT_ALLOWED)

    if not route:
        allowed("GET")
        return 200, render_business(base, b), {}
    if joined == "contacts":
        if uid is None:
            allowed("GET", "POST")
            if method == "POST":
                data = _body(raw)
                kind = "Supplier" if "Supplier" in (data.get("types") or []) else "Customer"
                body = {"CompanyName": data.get("name"), "FirstName": data.get("firstName"),
                        "LastName": data.get("lastName"), "IsIndividual": bool(data.get("individual", False)),
                        "IsActive": data.get("active", True), "email": data.get("email"), "notes": data.get("notes")}
                if body["IsIndividual"] and not body["LastName"]:
                    body["LastName"] = data.get("name")
                contact = contacts.create(ctx, kind, body)
                rendered = render_contact(base, b, contact)
                return 201, rendered, {"Location": rendered["uri"]}
            items = [render_contact(base, b, c) for c in sorted(b.contacts.values(), key=lambda c: c.seq)]
            return page(params, url, _filtered(params, items, None), b.page_cap)
        allowed("GET")
        return 200, render_contact(base, b, b.contacts[_found(b, uid)]), {}
    if joined == "generalledger/accounts":
        allowed("GET")
        items = [render_account(base, b, a) for a in b.accounts if not a.is_header]
        if uid is None:
            return page(params, url, _filtered(params, items, None), b.page_cap)
        return 200, one_of(items, uid), {}
    if joined == "sale/invoices":
        if uid is None:
            allowed("GET", "POST")
            if method == "POST":
                sale = sales.create(ctx, "sale", "Service", _invoice_body(b, _body(raw)))
                rendered = render_invoice(base, b, sale, today)
                return 201, rendered, {"Location": rendered["uri"]}
            items = [render_invoice(base, b, s, today) for s in sorted(b.sales.values(), key=lambda s: s.seq)]
            return page(params, url, _filtered(params, items, "issueDate"), b.page_cap)
        allowed("GET", "PUT", "DELETE")
        sale = b.sales[_found(b, uid, b.sales)]
        if method == "GET":
            return 200, render_invoice(base, b, sale, today), {}
        if method == "DELETE":
            sales.delete(ctx, sale)
            return 200, None, {}
        body = _invoice_body(b, _body(raw))
        body["RowVersion"] = sale.row_version  # the legacy API has no optimistic concurrency
        body["Number"] = body["Number"] or sale.number
        return 200, render_invoice(base, b, sales.update(ctx, sale, body), today), {}
    if joined == "sale/payments":
        if uid is None:
            allowed("GET", "POST")
            if method == "POST":
                payment = payments.create(ctx, "sale", _payment_body(b, _body(raw)))
                rendered = render_payment(base, b, payment)
                return 201, rendered, {"Location": rendered["uri"]}
            items = [render_payment(base, b, p) for p in sorted(b.payments.values(), key=lambda p: p.seq)]
            return page(params, url, _filtered(params, items, "date"), b.page_cap)
        allowed("GET", "DELETE")
        payment = b.payments[_found(b, uid, b.payments)]
        if method == "GET":
            return 200, render_payment(base, b, payment), {}
        payments.delete(ctx, payment)
        return 200, None, {}
    raise MyobError(errors.NOT_FOUND)


def _found(b: Business, numeric: str, among: dict | None = None) -> str:
    uid = b.legacy_ids.get(numeric)
    if uid is None or (among is not None and uid not in among) or (among is None and uid not in b.contacts):
        raise MyobError(errors.NOT_FOUND)
    return uid


def one_of(items: list[dict], uid: str) -> dict:
    found = next((i for i in items if i["uid"] == uid), None)
    if found is None:
        raise MyobError(errors.NOT_FOUND)
    return found


def tax_types(base: str, b: Business) -> list[dict]:
    return [{"uid": t.legacy_uid, "uri": f"{base}/tax/types/{t.legacy_uid}", "code": t.code, "name": t.description,
             "rate": t.rate, "_links": []} for t in b.tax_codes]
