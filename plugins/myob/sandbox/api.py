"""Business API resources under a company file: routing, lists (OData + paging) and writes.

Handlers take a :class:`Call` and return ``(status, body, headers)``. Lists answer
``{"Items": [...], "NextPageLink": url|null, "Count": n}``: ``$top`` defaults to 400 and is capped at
1000 (and at the sandbox's page-size cap), ``$skip`` offsets, ``NextPageLink`` is the same URL with
``$skip`` advanced while more items match. POST answers 201 with ``Location`` (and the entity when
``returnBody=true``); PUT 200 (entity with ``returnBody=true``); DELETE 200 with an empty body.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlencode

from . import contacts, errors, journals, payments, render, sales
from .errors import MyobError
from .odata import QueryError, compile_filter, sort
from .rules import Ctx
from .wire import WireError, loads

DEFAULT_TOP = 400
MAX_TOP = 1000
Result = tuple[int, Any, dict[str, str]]


@dataclass
class Call:
    ctx: Ctx
    method: str
    route: list[str]  # path segments after the company file id
    params: dict[str, str]
    url: str  # full request URL without query
    raw: bytes
    page_cap: int | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict:
        try:
            data = loads(self.raw) if self.raw.strip() else None
        except WireError as exc:
            raise MyobError(errors.SERIALIZATION, str(exc)) from None
        if not isinstance(data, dict):
            raise MyobError(errors.SERIALIZATION, "The request body must be a JSON object")
        return data

    @property
    def return_body(self) -> bool:
        return (self.params.get("returnBody") or "").lower() == "true"


def _int(call: Call, name: str, default: int) -> int:
    value = call.params.get(name)
    if value is None or not value.strip():
        return default
    try:
        number = int(value)
    except ValueError:
        raise MyobError(errors.QUERY, f"{name} must be an integer, not '{value}'", details=name) from None
    if number < 0:
        raise MyobError(errors.QUERY, f"{name} must not be negative", details=name)
    return number


def listing(call: Call, records: list[dict]) -> Result:
    """Filter, order and page rendered records into MYOB's envelope."""
    try:
        if (call.params.get("$filter") or "").strip():
            test = compile_filter(call.params["$filter"])
            records = [r for r in records if test(r)]
        records = sort(records, call.params.get("$orderby"))
    except QueryError as exc:
        raise MyobError(errors.QUERY, str(exc), details="$filter/$orderby") from None
    top = min(_int(call, "$top", DEFAULT_TOP) or DEFAULT_TOP, MAX_TOP, call.page_cap or MAX_TOP)
    skip = _int(call, "$skip", 0)
    page = records[skip: skip + top]
    link = None
    if skip + top < len(records):
        query = {k: v for k, v in call.params.items() if k not in ("$top", "$skip")}
        query.update({"$top": str(top), "$skip": str(skip + top)})
        link = f"{call.url}?{urlencode(query, safe='$')}"
    return 200, {"Items": page, "NextPageLink": link, "Count": len(records)}, {}


def _found(value: Any, what: str) -> Any:
    if value is None:
        raise MyobError(errors.NOT_FOUND, f"The {what} was not found")
    return value


def _created(call: Call, location: str, entity: dict) -> Result:
    return 201, (entity if call.return_body else None), {"Location": location}


def _saved(call: Call, entity: dict) -> Result:
    return 200, (entity if call.return_body else None), {}


# -- contacts -------------------------------------------------------------------------------------
def contact_resource(call: Call, kind: str | None, uid: str | None) -> Result:
    ctx, b = call.ctx, call.ctx.business
    if uid is None:
        if call.method == "POST" and kind:
            contact = contacts.create(ctx, kind, call.body())
            return _created(call, f"{ctx.cf}/Contact/{kind}/{contact.uid}", render.contact(b, contact, ctx.cf))
        chosen = sorted((c for c in b.contacts.values() if kind is None or c.kind == kind), key=lambda c: c.seq)
        return listing(call, [render.contact(b, c, ctx.cf) for c in chosen])
    contact = b.contacts.get(uid.lower())
    if contact is None or (kind and contact.kind != kind):
        raise MyobError(errors.PUT_NOT_FOUND if call.method == "PUT" else errors.NOT_FOUND)
    if call.method == "GET":
        return 200, render.contact(b, contact, ctx.cf), {}
    if call.method == "PUT":
        return _saved(call, render.contact(b, contacts.update(ctx, contact, call.body()), ctx.cf))
    contacts.delete(ctx, contact)
    return 200, None, {}


# -- invoices and bills ---------------------------------------------------------------------------
def sale_resource(call: Call, ledger: str, layout: str | None, uid: str | None) -> Result:
    ctx, b = call.ctx, call.ctx.business
    if uid is None:
        if call.method == "POST":
            sale = sales.create(ctx, ledger, layout, call.body())  # type: ignore[arg-type]
            return _created(call, render.sale_uri(sale, ctx.cf), render.sale(b, sale, ctx.cf))
        chosen = sorted((s for s in b.sales.values() if s.ledger == ledger and (layout is None or s.layout == layout)),
                        key=lambda s: s.seq)
        return listing(call, [render.sale(b, s, ctx.cf, with_type=layout is None) for s in chosen])
    sale = b.sales.get(uid.lower())
    if sale is None or sale.ledger != ledger or (layout and sale.layout != layout):
        raise MyobError(errors.PUT_NOT_FOUND if call.method == "PUT" else errors.NOT_FOUND)
    if call.method == "GET":
        return 200, render.sale(b, sale, ctx.cf, with_type=layout is None), {}
    if call.method == "PUT":
        return _saved(call, render.sale(b, sales.update(ctx, sale, call.body()), ctx.cf))
    sales.delete(ctx, sale)
    return 200, None, {}


# -- payments -------------------------------------------------------------------------------------
def payment_resource(call: Call, ledger: str, route: str, uid: str | None) -> Result:
    ctx, b = call.ctx, call.ctx.business
    if uid is None:
        if call.method == "POST":
            payment = payments.create(ctx, ledger, call.body())
            return _created(call, f"{ctx.cf}/{route}/{payment.uid}", render.payment(b, payment, ctx.cf))
        chosen = sorted((p for p in b.payments.values() if p.ledger == ledger), key=lambda p: p.seq)
        return listing(call, [render.payment(b, p, ctx.cf) for p in chosen])
    payment = b.payments.get(uid.lower())
    if payment is None or payment.ledger != ledger:
        raise MyobError(errors.NOT_FOUND)
    if call.method == "GET":
        return 200, render.payment(b, payment, ctx.cf), {}
    payments.delete(ctx, payment)
    return 200, None, {}


# -- read-only resources --------------------------------------------------------------------------
def read_only(records: Callable[[Call], list[dict]]) -> Callable[[Call, str | None], Result]:
    def handler(call: Call, uid: str | None) -> Result:
        items = records(call)
        if uid is None:
            return listing(call, items)
        return 200, _found(next((r for r in items if r["UID"] == uid.lower()), None), "resource"), {}
    return handler


accounts = read_only(lambda c: [render.account(c.ctx.business, a, c.ctx.cf) for a in c.ctx.business.accounts])
tax_codes = read_only(lambda c: [render.tax_code(c.ctx.business, t, c.ctx.cf) for t in c.ctx.business.tax_codes])
items = read_only(lambda c: [render.item(c.ctx.business, i, c.ctx.cf) for i in c.ctx.business.items])
journal_transactions = read_only(lambda c: journals.journals(c.ctx.business, c.ctx.cf))


# -- routing ---------------------------------------------------------------------------------------
_LAYOUTS = {"Sale/Invoice": ("sale", sales.SALE_LAYOUTS), "Purchase/Bill": ("purchase", sales.BILL_LAYOUTS)}
_PAYMENTS = {"Sale/CustomerPayment": "sale", "Purchase/SupplierPayment": "purchase"}
_READ_ONLY = {"GeneralLedger/Account": accounts, "GeneralLedger/TaxCode": tax_codes, "Inventory/Item": items,
              "GeneralLedger/JournalTransaction": journal_transactions}
SCOPES = {"Contact/Customer": "sme-contacts-customer", "Contact/Supplier": "sme-contacts-supplier",
          "Contact": "sme-contacts-customer", "Sale": "sme-sales", "Purchase": "sme-purchases",
          "GeneralLedger": "sme-general-ledger", "Company": "sme-company-settings", "Inventory": "sme-inventory",
          "": "sme-company-file"}


def scope_for(route: list[str]) -> str:
    """The granular scope an endpoint needs (``CompanyFile`` covers all)."""
    joined = "/".join(route[:2])
    return SCOPES.get(joined) or SCOPES.get(route[0] if route else "", "sme-company-file")


def _method(call: Call, allowed: tuple[str, ...]) -> None:
    if call.method not in allowed:
        raise MyobError(errors.METHOD_NOT_ALLOWED, details=f"Allowed: {', '.join(allowed)}")


def dispatch(call: Call, root: Callable[[Call], Result]) -> Result:
    """Route ``call.route`` (segments after the company file id) to its handler."""
    route = [s for s in call.route if s]
    joined2, rest2 = "/".join(route[:2]), route[2:]
    if not route:
        _method(call, ("GET",))
        return root(call)
    if route[0] == "Contact" and (len(route) == 1 or route[1] in ("Customer", "Supplier")):
        kind = route[1] if len(route) > 1 else None
        uid = route[2] if len(route) > 2 else None
        if len(route) > 3:
            raise MyobError(errors.NOT_FOUND)
        _method(call, ("GET",) if kind is None else (("GET", "POST") if uid is None else ("GET", "PUT", "DELETE")))
        return contact_resource(call, kind, uid)
    if joined2 in _LAYOUTS:
        ledger, layouts = _LAYOUTS[joined2]
        layout = rest2[0] if rest2 and rest2[0] in layouts else None
        tail = rest2[1:] if layout else rest2
        if len(tail) > 1 or (rest2 and layout is None and len(rest2) != 1):
            raise MyobError(errors.NOT_FOUND)
        uid = tail[0] if tail else None
        if layout is None:
            _method(call, ("GET",))  # the all-layouts endpoint is read-only
        else:
            _method(call, ("GET", "POST") if uid is None else ("GET", "PUT", "DELETE"))
        return sale_resource(call, ledger, layout, uid)
    if joined2 in _PAYMENTS and len(rest2) <= 1:
        uid = rest2[0] if rest2 else None
        _method(call, ("GET", "POST") if uid is None else ("GET", "DELETE"))
        return payment_resource(call, _PAYMENTS[joined2], joined2, uid)
    if joined2 in _READ_ONLY and len(rest2) <= 1:
        _method(call, ("GET",))
        return _READ_ONLY[joined2](call, rest2[0] if rest2 else None)
    if joined2 == "GeneralLedger/AccountingProperties" and not rest2:
        _method(call, ("GET",))
        return listing(call, [render.accounting_properties(call.ctx.business)])
    if joined2 == "Company/Preferences" and not rest2:
        _method(call, ("GET",))
        return 200, render.preferences(call.ctx.business), {}
    if route == ["Company"]:
        _method(call, ("GET",))
        b = call.ctx.business
        return 200, {"CompanyName": b.name, "ABNOrTFN": "53 004 085 616", "SerialNumber": b.serial_number,
                     "URI": f"{call.ctx.cf}/Company", "RowVersion": "1"}, {}
    raise MyobError(errors.NOT_FOUND, f"The resource '{'/'.join(route)}' was not found")
