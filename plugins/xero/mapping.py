"""Documents ↔ Xero's JSON (PascalCase, MS-JSON dates, exact Decimal amounts).

Requests: dates as ``YYYY-MM-DD`` (Xero accepts them), amounts as JSON numbers from Decimal,
``Contact`` by ``ContactID`` only (sending more would update the contact), ``CurrencyRate`` only
when the document has one (never a default of 1), line ``TaxAmount`` as computed locally so
Xero's per-line rounding agrees with ours. Responses are read back into the same documents.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from core.accounting import Contact, Invoice, InvoiceRef, Line, Payment, Posting

LINE_AMOUNT_TYPES = {"exclusive": "Exclusive", "inclusive": "Inclusive", "no_tax": "NoTax"}
AMOUNTS_ARE = {value: key for key, value in LINE_AMOUNT_TYPES.items()}
TYPES = {"sales": "ACCREC", "purchase": "ACCPAY"}
LEDGERS = {value: key for key, value in TYPES.items()}
STATUSES = {"DRAFT": "draft", "SUBMITTED": "draft", "AUTHORISED": "authorised", "PAID": "paid",
            "VOIDED": "voided", "DELETED": "deleted"}
CONTACT_NUMBER_MAX = 50

_MS_DATE = re.compile(r"/Date\((-?\d+)([+-]\d{4})?\)/")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# --- amounts ----------------------------------------------------------------------------------------

def money(value: Any) -> Decimal:
    """A JSON amount as Decimal (ints and Decimals arrive; a float never does with :func:`loads`)."""
    if value is None:
        return Decimal(0)
    if isinstance(value, float):
        raise TypeError("amounts must not pass through float")
    return Decimal(value) if not isinstance(value, Decimal) else value


# --- dates ------------------------------------------------------------------------------------------

def parse_datetime(value: str | None) -> datetime | None:
    """An MS-JSON ``/Date(ms+zzzz)/`` or ISO value as an aware UTC datetime."""
    if not value:
        return None
    match = _MS_DATE.fullmatch(value.strip())
    if match:
        return _EPOCH + timedelta(milliseconds=int(match.group(1)))
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_date(value: str | None) -> date | None:
    moment = parse_datetime(value)
    return moment.date() if moment else None


def where_date(day: date) -> str:
    return f"DateTime({day.year},{day.month:02d},{day.day:02d})"


def quote(value: str) -> str:
    """A string literal for a ``where`` clause."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- to Xero ----------------------------------------------------------------------------------------

def contact_number(contact: Contact) -> str | None:
    """The key Xero can find the contact by: its number, else our host id when it fits."""
    candidate = contact.number or contact.host_id
    return candidate if candidate and len(candidate) <= CONTACT_NUMBER_MAX else None


def contact_payload(contact: Contact) -> dict[str, Any]:
    payload: dict[str, Any] = {"Name": contact.name}
    if number := contact_number(contact):
        payload["ContactNumber"] = number
    if contact.email:
        payload["EmailAddress"] = contact.email
    return payload


def line_payload(line: Line) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "Description": line.description, "Quantity": line.quantity, "UnitAmount": line.unit_price,
        "AccountCode": line.account_code, "TaxAmount": line.tax_amount, "LineAmount": line.line_amount,
    }
    if line.tax_code:
        payload["TaxType"] = line.tax_code
    if line.item_code:
        payload["ItemCode"] = line.item_code
    return payload


def invoice_payload(invoice: Invoice) -> dict[str, Any]:
    """A create/update body for one invoice or bill (its contact must have its ContactID)."""
    payload: dict[str, Any] = {
        "Type": TYPES[invoice.ledger],
        "Contact": {"ContactID": invoice.contact.remote_id},
        "InvoiceNumber": invoice.number,
        "Date": invoice.issue_date.isoformat(),
        "DueDate": invoice.due_date.isoformat(),
        "LineAmountTypes": LINE_AMOUNT_TYPES[invoice.amounts_are],
        "CurrencyCode": invoice.currency,
        "Status": "DRAFT" if invoice.status == "draft" else "AUTHORISED",
        "LineItems": [line_payload(line) for line in invoice.lines],
    }
    if invoice.remote_id:
        payload["InvoiceID"] = invoice.remote_id
    if invoice.reference and invoice.ledger == "sales":  # Reference is ACCREC only
        payload["Reference"] = invoice.reference
    if invoice.exchange_rate is not None:
        payload["CurrencyRate"] = invoice.exchange_rate
    return payload


def payment_payload(payment: Payment) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "Invoice": {"InvoiceID": payment.invoice.remote_id},
        "Account": {"Code": payment.account_code},
        "Date": payment.date.isoformat(),
        "Amount": payment.amount,
    }
    if payment.reference:
        payload["Reference"] = payment.reference
    if payment.exchange_rate is not None:
        payload["CurrencyRate"] = payment.exchange_rate
    return payload


# --- from Xero --------------------------------------------------------------------------------------

def contact_from(data: dict[str, Any]) -> Contact:
    return Contact(name=data.get("Name", ""), number=data.get("ContactNumber"), email=data.get("EmailAddress"),
                   is_customer=bool(data.get("IsCustomer")), is_supplier=bool(data.get("IsSupplier")),
                   remote_id=data.get("ContactID"))


def line_from(data: dict[str, Any]) -> Line:
    return Line(description=data.get("Description") or "", quantity=money(data.get("Quantity")),
                unit_price=money(data.get("UnitAmount")), line_amount=money(data.get("LineAmount")),
                account_code=data.get("AccountCode") or "", tax_amount=money(data.get("TaxAmount")),
                tax_code=data.get("TaxType"), item_code=data.get("ItemCode"))


def invoice_from(data: dict[str, Any]) -> Invoice:
    issued = parse_date(data.get("DateString") or data.get("Date")) or date.min
    rate = data.get("CurrencyRate")
    updated = parse_datetime(data.get("UpdatedDateUTC"))
    return Invoice(
        number=data.get("InvoiceNumber") or "", ledger=LEDGERS.get(data.get("Type", ""), "sales"),  # type: ignore[arg-type]
        contact=contact_from(data.get("Contact") or {}), issue_date=issued,
        due_date=parse_date(data.get("DueDateString") or data.get("DueDate")) or issued, accounting_date=issued,
        currency=data.get("CurrencyCode") or "", exchange_rate=money(rate) if rate is not None else None,
        amounts_are=AMOUNTS_ARE.get(data.get("LineAmountTypes", "Exclusive"), "exclusive"),  # type: ignore[arg-type]
        lines=tuple(line_from(line) for line in data.get("LineItems") or []),
        subtotal=money(data.get("SubTotal")), tax_total=money(data.get("TotalTax")), total=money(data.get("Total")),
        status=STATUSES.get(data.get("Status", ""), (data.get("Status") or "").lower()),
        reference=data.get("Reference") or None, remote_id=data.get("InvoiceID"),
        remote_version=data.get("UpdatedDateUTC"), amount_due=money(data.get("AmountDue")), updated_at=updated)


def payment_from(data: dict[str, Any]) -> Payment:
    invoice = data.get("Invoice") or {}
    rate = data.get("CurrencyRate")
    return Payment(
        invoice=InvoiceRef(number=invoice.get("InvoiceNumber") or "",
                           ledger=LEDGERS.get(invoice.get("Type", ""), "sales"),  # type: ignore[arg-type]
                           remote_id=invoice.get("InvoiceID"),
                           contact_name=(invoice.get("Contact") or {}).get("Name")),
        date=parse_date(data.get("Date")) or date.min, amount=money(data.get("Amount")),
        currency=invoice.get("CurrencyCode") or "", account_code=(data.get("Account") or {}).get("Code") or "",
        reference=data.get("Reference") or None, exchange_rate=money(rate) if rate is not None else None,
        status="removed" if data.get("Status") == "DELETED" else "active", remote_id=data.get("PaymentID"),
        remote_version=data.get("UpdatedDateUTC"), origin="package",
        updated_at=parse_datetime(data.get("UpdatedDateUTC")))


def postings_from(journal: dict[str, Any], accounts: set[str]) -> list[Posting]:
    """The journal's lines on *accounts* (NetAmount: debit positive, credit negative)."""
    day = parse_date(journal.get("JournalDate")) or date.min
    source = f"{journal.get('SourceType', '')} journal {journal.get('JournalNumber', '')}".strip()
    return [Posting(day, line.get("AccountCode") or "", money(line.get("NetAmount")), source,
                    journal.get("SourceID"))
            for line in journal.get("JournalLines") or [] if line.get("AccountCode") in accounts]
