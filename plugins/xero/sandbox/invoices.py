"""Invoices (ACCREC sales invoices, ACCPAY bills): create, update, status moves, totals.

Status moves (Xero support, research §2): DRAFT → SUBMITTED/AUTHORISED/DELETED;
SUBMITTED → DRAFT/AUTHORISED/DELETED; AUTHORISED → VOIDED; PAID only through payments;
VOIDED and DELETED are final. An invoice with payments cannot have its contact, date, currency or
lines changed, nor be voided. Approving or editing a posted invoice dated on or before a lock date
is refused. ACCREC numbers are unique among invoices that are not DELETED (voided numbers stay
taken); ACCPAY numbers are free.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from . import contacts, journals, render
from .context import Context, Invalid, Result, a_date, edit_lock_error, failed, lock_error, number, succeeded
from .store import Invoice, Line, new_id
from .totals import AMOUNT_TYPES, ZERO, invoice_totals, line_amount, line_tax, money, round_to

TYPES = ("ACCREC", "ACCPAY")
MOVES = {
    "DRAFT": {"SUBMITTED", "AUTHORISED", "DELETED"},
    "SUBMITTED": {"DRAFT", "AUTHORISED", "DELETED"},
    "AUTHORISED": {"VOIDED"},
    "PAID": set(),
    "VOIDED": set(),
    "DELETED": set(),
}
CREATE_STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED")
ONE = Decimal("1.000000")
_EXTRA = ("Url", "ExpectedPaymentDate", "PlannedPaymentDate", "BrandingThemeID")


def find(ctx: Context, ident: str) -> Invoice | None:
    """By InvoiceID, else by InvoiceNumber (GET /Invoices/{InvoiceID or InvoiceNumber})."""
    found = ctx.ledger.invoices.get(ident.lower())
    if found is None:
        matches = [i for i in ctx.ledger.invoices.values() if i.number == ident]
        found = next((i for i in matches if i.status != "DELETED"), matches[0] if matches else None)
    return found


def _number_taken(ctx: Context, number_: str, exclude: str | None = None) -> bool:
    return any(i.type == "ACCREC" and i.number == number_ and i.status != "DELETED" and i.invoice_id != exclude
               for i in ctx.ledger.invoices.values())


def save(ctx: Context, data: Any, mode: str, target: Invoice | None = None) -> Result:
    """PUT (``"create"``) or POST (``"upsert"``) one invoice; ``target`` for POST /Invoices/{id}."""
    if not isinstance(data, dict):
        return failed({}, ["An invoice must be a JSON object"], "HasErrors")
    errors: list[str] = []
    warnings: list[str] = []
    existing = target
    if existing is None and data.get("InvoiceID"):
        existing = ctx.ledger.invoices.get(str(data["InvoiceID"]).lower())
        if existing is None:
            return failed(data, [ctx.texts.DOCUMENT_ID_NOT_FOUND], "HasErrors")
    if (existing is None and mode == "upsert" and data.get("InvoiceNumber")
            and data.get("Type", "ACCREC") == "ACCREC"):
        existing = next((i for i in ctx.ledger.invoices.values() if i.type == "ACCREC"
                         and i.number == data["InvoiceNumber"] and i.status != "DELETED"), None)
    try:
        if existing is None:
            invoice = _create(ctx, data, errors, warnings)
        else:
            invoice = _update(ctx, existing, data, errors, warnings)
    except Invalid as exc:
        errors.append(str(exc))
    if errors:
        return failed(data, errors, "HasErrors")
    journals.sync_invoice(ctx.ledger, invoice, ctx.now)
    return succeeded(render.invoice(ctx.ledger, invoice, unitdp=ctx.unitdp), warnings)


def _currency(ctx: Context, data: dict[str, Any], current: tuple[str, Any] | None,
              errors: list[str], warnings: list[str]) -> tuple[str, Any]:
    org = ctx.ledger.org
    code = data.get("CurrencyCode", current[0] if current else org.base_currency)
    if code == org.base_currency:
        return code, ONE
    if code not in org.currency_rates:
        errors.append(ctx.texts.currency_not_subscribed(code))
        return org.base_currency, ONE
    if data.get("CurrencyRate") is not None:
        rate = number(data["CurrencyRate"], "CurrencyRate")
        if rate <= 0:
            raise Invalid("CurrencyRate must be greater than zero")
        if rate == 1:
            warnings.append(ctx.texts.CURRENCY_RATE_OF_ONE)
    elif current and current[0] == code:
        rate = current[1]
    else:
        rate = org.currency_rates[code]
    return code, round_to(rate, 6)


def _lines(ctx: Context, raw: Any, amount_types: str, currency: str, status: str, previous: list[Line],
           errors: list[str]) -> list[Line]:
    if not isinstance(raw, list) or not raw:
        errors.append(ctx.texts.LINE_ITEMS_REQUIRED)
        return []
    by_id = {l.line_item_id: l for l in previous}
    out = []
    for item in raw:
        if not isinstance(item, dict):
            errors.append("A line item must be a JSON object")
            continue
        try:
            quantity = number(item.get("Quantity", 1), "Quantity")
            if item.get("UnitAmount") is not None:
                unit = round_to(number(item["UnitAmount"], "UnitAmount"), ctx.unitdp)
            elif item.get("LineAmount") is not None:
                unit = round_to(number(item["LineAmount"], "LineAmount") / (quantity or 1), ctx.unitdp)
            else:
                unit = ZERO
            discount = number(item["DiscountRate"], "DiscountRate") if item.get("DiscountRate") is not None else None
            amount = line_amount(quantity, unit, currency, discount)
        except Invalid as exc:
            errors.append(str(exc))
            continue
        code = item.get("AccountCode")
        account = ctx.ledger.account_by_code(code)
        if code is not None and account is None:
            errors.append(ctx.texts.account_code_removed(str(code)))
        elif code is None and status in ("SUBMITTED", "AUTHORISED"):
            errors.append(ctx.texts.ACCOUNT_CODE_REQUIRED)
        tax_type = item.get("TaxType") or (account.tax_type if account else None)
        rate = ctx.ledger.tax_rates.get(tax_type) if tax_type else None
        if tax_type and rate is None:
            errors.append(ctx.texts.tax_type_not_allowed(tax_type, code))
        if item.get("TaxAmount") is not None and amount_types != "NoTax":
            try:
                tax = money(number(item["TaxAmount"], "TaxAmount"), currency)
            except Invalid as exc:
                errors.append(str(exc))
                tax = ZERO
        else:
            tax = line_tax(amount, rate.rate if rate else ZERO, amount_types, currency)
        line_id = str(item.get("LineItemID") or "").lower()
        out.append(Line(line_id if line_id in by_id else new_id(), item.get("Description"), quantity, unit,
                        code, tax_type, tax, amount, discount, item.get("ItemCode"), list(item.get("Tracking") or [])))
    return out


def _apply_totals(invoice: Invoice) -> None:
    totals = invoice_totals([(l.line_amount, l.tax_amount) for l in invoice.lines], invoice.line_amount_types,
                            invoice.currency_code)
    invoice.sub_total, invoice.total_tax, invoice.total = totals.sub_total, totals.total_tax, totals.total


def _amount_types(ctx: Context, data: dict[str, Any], current: str) -> str:
    value = data.get("LineAmountTypes", current)
    if value not in AMOUNT_TYPES:
        raise Invalid(f"LineAmountTypes must be one of {', '.join(AMOUNT_TYPES)}")
    return value


def _create(ctx: Context, data: dict[str, Any], errors: list[str], warnings: list[str]) -> Invoice | None:
    kind = data.get("Type")
    if kind not in TYPES:
        errors.append(ctx.texts.INVOICE_TYPE_REQUIRED)
    status = data.get("Status", "DRAFT")
    if status not in CREATE_STATUSES:
        errors.append(ctx.texts.INVALID_STATUS_FOR_CREATION)
    contact, new_contact = None, None
    try:
        contact, new_contact = contacts.resolve(ctx, data.get("Contact"))
    except Invalid as exc:
        errors.append(str(exc))
    amount_types = _amount_types(ctx, data, "Exclusive")
    currency, rate = _currency(ctx, data, None, errors, warnings)
    when = a_date(data["Date"], "Date") if data.get("Date") else ctx.today
    due = a_date(data["DueDate"], "DueDate") if data.get("DueDate") else None
    lines = _lines(ctx, data.get("LineItems"), amount_types, currency, status, [], errors)
    number_ = data.get("InvoiceNumber") or None
    if kind == "ACCREC" and number_ and _number_taken(ctx, number_):
        errors.append(ctx.texts.INVOICE_NUMBER_NOT_UNIQUE)
    if status == "AUTHORISED" and (message := lock_error(ctx, when)):
        errors.append(message)
    if errors:
        return None
    if new_contact is not None:
        contact = contacts.create_from_invoice(ctx, new_contact)
    if kind == "ACCREC" and not number_:
        number_ = ctx.ledger.next_invoice_number()
    invoice = Invoice(new_id(), kind, contact.contact_id, when, status, amount_types, currency, rate, lines,
                      ctx.now, ctx.ledger.next_seq(), number_, data.get("Reference"), due,
                      sent_to_contact=bool(data.get("SentToContact", False)),
                      extra={k: data[k] for k in _EXTRA if k in data})
    _apply_totals(invoice)
    ctx.ledger.invoices[invoice.invoice_id] = invoice
    return invoice


def _money_view(invoice: Invoice) -> tuple:
    return (invoice.contact_id, invoice.date, invoice.currency_code, invoice.currency_rate, invoice.line_amount_types,
            tuple((l.description, l.quantity, l.unit_amount, l.account_code, l.tax_type, l.tax_amount, l.line_amount,
                   l.discount_rate) for l in invoice.lines))


def _update(ctx: Context, invoice: Invoice, data: dict[str, Any], errors: list[str],
            warnings: list[str]) -> Invoice | None:
    texts = ctx.texts
    if data.get("Type") not in (None, invoice.type):
        raise Invalid(texts.INVALID_STATUS_FOR_MODIFICATION)
    status = data.get("Status", invoice.status)
    if status != invoice.status and status not in MOVES[invoice.status]:
        raise Invalid(texts.INVALID_STATUS_FOR_MODIFICATION)
    if invoice.status in ("VOIDED", "DELETED"):
        raise Invalid(texts.INVALID_STATUS_FOR_MODIFICATION)
    before = _money_view(invoice)
    contact_id = invoice.contact_id
    new_contact = None
    if "Contact" in data:
        ref = data["Contact"]
        same = isinstance(ref, dict) and str(ref.get("ContactID", "")).lower() == invoice.contact_id
        if not same:
            found, new_contact = contacts.resolve(ctx, ref)
            contact_id = found.contact_id if found else contact_id
    amount_types = _amount_types(ctx, data, invoice.line_amount_types)
    currency, rate = _currency(ctx, data, (invoice.currency_code, invoice.currency_rate), errors, warnings)
    when = a_date(data["Date"], "Date") if data.get("Date") else invoice.date
    due = a_date(data["DueDate"], "DueDate") if data.get("DueDate") else invoice.due_date
    if "LineItems" in data:
        lines = _lines(ctx, data["LineItems"], amount_types, currency, status, invoice.lines, errors)
    elif amount_types == invoice.line_amount_types and currency == invoice.currency_code:
        lines = invoice.lines
    else:  # re-price the kept lines under the new amount type or currency
        raw = [{"LineItemID": l.line_item_id, "Description": l.description, "Quantity": l.quantity,
                "UnitAmount": l.unit_amount, "AccountCode": l.account_code, "TaxType": l.tax_type,
                "DiscountRate": l.discount_rate, "ItemCode": l.item_code, "Tracking": l.tracking} for l in invoice.lines]
        lines = _lines(ctx, raw, amount_types, currency, status, invoice.lines, errors)
    number_ = data.get("InvoiceNumber", invoice.number) or invoice.number
    if invoice.type == "ACCREC" and number_ != invoice.number and _number_taken(ctx, number_, invoice.invoice_id):
        errors.append(texts.INVOICE_NUMBER_NOT_UNIQUE)
    if errors:
        return None
    candidate = Invoice(invoice.invoice_id, invoice.type, contact_id, when, status, amount_types, currency, rate,
                        lines if status not in ("VOIDED", "DELETED") else invoice.lines, ctx.now, invoice.seq)
    money_changed = new_contact is not None or _money_view(candidate) != before
    allocated = invoice.amount_paid > 0 or invoice.amount_credited > 0
    if allocated and status == "VOIDED":
        raise Invalid(texts.INVALID_STATUS_FOR_MODIFICATION)
    if allocated and money_changed:
        raise Invalid(texts.HAS_PAYMENT_ALLOCATED)
    posted = invoice.status in journals.POSTING_STATUSES
    if posted and (money_changed or status != invoice.status) and (message := edit_lock_error(ctx, invoice.date)):
        raise Invalid(message)
    if status in journals.POSTING_STATUSES and (money_changed or not posted) and (message := lock_error(ctx, when)):
        raise Invalid(message)
    if new_contact is not None:
        contact_id = contacts.create_from_invoice(ctx, new_contact).contact_id
    invoice.contact_id, invoice.date, invoice.due_date, invoice.status = contact_id, when, due, status
    invoice.line_amount_types, invoice.currency_code, invoice.currency_rate = amount_types, currency, rate
    invoice.lines = candidate.lines
    invoice.number = number_
    if "Reference" in data:
        invoice.reference = data["Reference"]
    if "SentToContact" in data:
        invoice.sent_to_contact = bool(data["SentToContact"])
    invoice.extra.update({k: data[k] for k in _EXTRA if k in data})
    invoice.updated = ctx.now
    _apply_totals(invoice)
    return invoice
