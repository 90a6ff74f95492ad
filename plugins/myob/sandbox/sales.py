"""Sale/Invoice/{layout} and Purchase/Bill/{layout}: create, update (RowVersion), delete.

Lines: ``Transaction`` lines need ``Total`` (or ``UnitCount``/``ShipQuantity`` × ``UnitPrice``,
less ``DiscountPercent``), an ``Account`` (Item layout: an ``Item``, whose income account is
used) and a ``TaxCode``; ``Header``/``SubTotal`` lines carry text only. Totals follow
:mod:`.totals` — tax is never taken from the request. ``Number`` (≤ 13 characters) is generated
(``00000001`` …) when absent and, with ``unique_numbers`` (default), is unique per ledger.
A PUT must carry the document's current ``RowVersion`` and each kept line's ``RowID`` +
``RowVersion``; lines left out are removed. A document with payments applied cannot be
deleted, change its card, or drop below the amount already paid.
"""

from __future__ import annotations

from . import errors
from .errors import MyobError
from .rules import Ctx, a_date, check_changeable, check_date, check_row_version, decimal, link, money, need, \
    refuse_identity_on_post
from .store import ZERO, Line, Sale, new_uid
from .totals import HUNDRED, cents, compute
from .wire import row_version

SALE_LAYOUTS = ("Service", "Item", "Professional", "TimeBilling", "Miscellaneous")
BILL_LAYOUTS = ("Service", "Item", "Professional", "Miscellaneous")
_HEADER = {"UID", "URI", "RowVersion", "Number", "Date", "Customer", "Supplier", "IsTaxInclusive", "Lines",
           "Subtotal", "Freight", "FreightTaxCode", "TotalTax", "TotalAmount", "BalanceDueAmount", "Status",
           "LastPaymentDate", "AppliedToDate", "LastModified", "Created", "InvoiceType", "BillType"}
_LINE = {"RowID", "RowVersion", "Type", "Description", "Total", "Account", "TaxCode", "Job", "TotalForeign"}


def _line(ctx: Ctx, layout: str, raw: dict, n: int, existing: Line | None) -> Line:
    where = f"Lines[{n}]."
    kind = raw.get("Type") or "Transaction"
    if kind not in ("Transaction", "Header", "SubTotal"):
        raise MyobError(errors.INVALID_VALUE, f"{where}Type '{kind}' is not valid", details=f"{where}Type")
    row_id = existing.row_id if existing else 0
    extra = {k: v for k, v in raw.items() if k not in _LINE}
    if kind != "Transaction":
        return Line(row_id, row_version(), kind, raw.get("Description"), ZERO, None, None, extra)
    b = ctx.business
    account_uid = link(raw, "Account", required=layout != "Item")
    if layout == "Item":
        item = b.item(link(raw, "Item"))
        if item is None:
            raise MyobError(errors.REFERENCE_NOT_FOUND, f"{where}Item was not found", details=f"{where}Item.UID")
        account_uid = account_uid or item.income_account
    account = b.account(account_uid)
    if account is None:
        raise MyobError(errors.REFERENCE_NOT_FOUND, f"{where}Account was not found", details=f"{where}Account.UID")
    if account.is_header:
        raise MyobError(errors.INVALID_VALUE, "Header accounts cannot be posted to", details=f"{where}Account")
    tax = b.tax_code(link(raw, "TaxCode"))
    if tax is None:
        raise MyobError(errors.REFERENCE_NOT_FOUND, f"{where}TaxCode was not found", details=f"{where}TaxCode.UID")
    quantity_key = "ShipQuantity" if layout == "Item" else "UnitCount"
    if raw.get("Total") is not None:
        total = money(raw["Total"], f"{where}Total")
    elif raw.get(quantity_key) is not None and raw.get("UnitPrice") is not None:
        gross = decimal(raw[quantity_key], f"{where}{quantity_key}") * decimal(raw["UnitPrice"], f"{where}UnitPrice")
        discount = decimal(raw.get("DiscountPercent") or 0, f"{where}DiscountPercent")
        total = cents(gross * (HUNDRED - discount) / HUNDRED)
    else:
        raise MyobError(errors.REQUIRED, f"{where}Total is required", details=f"{where}Total")
    for key in ("UnitCount", "ShipQuantity", "UnitPrice", "DiscountPercent", "Hours", "Rate", "Units"):
        if extra.get(key) is not None:
            extra[key] = decimal(extra[key], f"{where}{key}")
    return Line(row_id, row_version(), "Transaction", raw.get("Description"), total, account.uid, tax.uid, extra)


def _apply(ctx: Ctx, sale: Sale, body: dict, old_lines: dict[int, Line]) -> None:
    b = ctx.business
    party = "Customer" if sale.ledger == "sale" else "Supplier"
    contact_uid = link(body, party)
    contact = b.contacts.get(contact_uid or "")
    if contact is None or contact.kind != party:
        raise MyobError(errors.REFERENCE_NOT_FOUND, f"{party} was not found", details=f"{party}.UID")
    if sale.applied and sale.contact_uid and contact_uid != sale.contact_uid:
        raise MyobError(errors.HAS_PAYMENTS, f"The {party.lower()} cannot be changed while payments are applied")
    when = a_date(need(body, "Date"))
    check_date(ctx, when)
    raw_lines = body.get("Lines")
    if not isinstance(raw_lines, list) or not raw_lines:
        raise MyobError(errors.REQUIRED, "At least one line is required", details="Lines")
    lines = []
    for n, raw in enumerate(raw_lines):
        if not isinstance(raw, dict):
            raise MyobError(errors.SERIALIZATION, f"Lines[{n}] must be an object", details=f"Lines[{n}]")
        existing = None
        if raw.get("RowID") is not None:
            existing = old_lines.get(int(raw["RowID"])) if str(raw["RowID"]).lstrip("-").isdigit() else None
            if existing is None:
                raise MyobError(errors.ROW_VERSION, details=f"Lines[{n}].RowID {raw['RowID']} does not exist")
            check_row_version(existing.row_version, raw.get("RowVersion"), f"Lines[{n}].RowVersion")
        lines.append(_line(ctx, sale.layout, raw, n, existing))
    next_row = max([l.row_id for l in old_lines.values()] + [0])
    for line in lines:
        if not line.row_id:
            next_row += 1
            line.row_id = next_row
    freight = money(body.get("Freight") or 0, "Freight")
    freight_code = link(body, "FreightTaxCode", required=False)
    if freight and b.tax_code(freight_code) is None:
        raise MyobError(errors.REQUIRED, "FreightTaxCode is required when Freight is used", details="FreightTaxCode")
    inclusive = bool(body.get("IsTaxInclusive", False))
    rate = {t.uid: t.rate for t in b.tax_codes}
    totals = compute([(l.total, rate[l.tax_code_uid]) for l in lines if l.type == "Transaction"], inclusive,
                     freight, rate.get(freight_code or "", ZERO))
    if totals.total < sale.applied:
        raise MyobError(errors.HAS_PAYMENTS, "The total cannot be less than the amount already paid")
    number = body.get("Number")
    if number is None or not str(number).strip():
        number = sale.number or b.next_number(sale.ledger)
    number = str(number).strip()
    if len(number) > 13:
        raise MyobError(errors.INVALID_VALUE, "Number cannot be longer than 13 characters", details="Number")
    if b.unique_numbers and any(s.number == number and s.ledger == sale.ledger and s.uid != sale.uid
                                for s in b.sales.values()):
        raise MyobError(errors.DUPLICATE, f"The number '{number}' is already in use", details="Number")
    sale.number, sale.date, sale.contact_uid, sale.is_tax_inclusive, sale.lines = number, when, contact_uid, inclusive, lines
    sale.freight, sale.freight_tax_code_uid = freight, freight_code if freight else None
    sale.subtotal, sale.total_tax, sale.total = totals.subtotal, totals.total_tax, totals.total
    sale.fields = {k: v for k, v in body.items() if k not in _HEADER}


def create(ctx: Ctx, ledger: str, layout: str, body: dict) -> Sale:
    refuse_identity_on_post(body, "Lines")
    b = ctx.business
    sale = Sale(new_uid(), ledger, layout, "", ctx.now.date(), "", False, [], b.next_seq(), ctx.now, ctx.now,
                row_version())
    _apply(ctx, sale, body, {})
    b.sales[sale.uid] = sale
    return sale


def update(ctx: Ctx, sale: Sale, body: dict) -> Sale:
    check_row_version(sale.row_version, body.get("RowVersion"))
    check_changeable(ctx, sale.date)
    staged = Sale(sale.uid, sale.ledger, sale.layout, sale.number, sale.date, sale.contact_uid, sale.is_tax_inclusive,
                  [], sale.seq, sale.created, sale.last_modified, sale.row_version, applied=sale.applied,
                  last_payment_date=sale.last_payment_date)
    _apply(ctx, staged, body, {l.row_id: l for l in sale.lines})
    staged.last_modified, staged.row_version = ctx.now, row_version()
    ctx.business.sales[sale.uid] = staged
    return staged


def delete(ctx: Ctx, sale: Sale) -> None:
    check_changeable(ctx, sale.date, deleting=True)
    if any(a.sale_uid == sale.uid for p in ctx.business.payments.values() for a in p.allocations):
        raise MyobError(errors.HAS_PAYMENTS)
    del ctx.business.sales[sale.uid]
