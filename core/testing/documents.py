"""Sample documents for the conformance kit and for plugin authors' own tests (Decimal money)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from core.accounting import Contact, Invoice, InvoiceRef, Line, Payment

ISSUED = date(2026, 3, 2)


def sample_contact(name: str = "Harbourside Dental", *, supplier: bool = False, remote_id: str | None = None) -> Contact:
    return Contact(name=name, host_id=f"host-{name.lower().replace(' ', '-')}", number=None,
                   email="accounts@example.com", is_customer=not supplier, is_supplier=supplier,
                   remote_id=remote_id, idempotency_key=str(uuid.uuid4()))


def sample_invoice(number: str, contact: Contact, *, ledger: str = "sales", issued: date = ISSUED,
                   reference: str | None = "Job 1042", version: int = 1, remote_id: str | None = None,
                   key: str | None = None, account: str = "200", tax_code: str | None = "OUTPUT") -> Invoice:
    """A two-line invoice in AUD, 10 % tax exclusive, with awkward Decimal amounts."""
    lines = (
        Line(description="Labour", quantity=Decimal("1.5"), unit_price=Decimal("86.6700"),
             line_amount=Decimal("130.01"), account_code=account, tax_amount=Decimal("13.00"), tax_code=tax_code),
        Line(description="Parts: 3 x 0.1 m pipe", quantity=Decimal("3"), unit_price=Decimal("0.1000"),
             line_amount=Decimal("0.30"), account_code=account, tax_amount=Decimal("0.03"), tax_code=tax_code),
    )
    subtotal = sum((line.line_amount for line in lines), Decimal("0"))
    tax = sum((line.tax_amount for line in lines), Decimal("0"))
    return Invoice(
        number=number, ledger=ledger, contact=contact, issue_date=issued,  # type: ignore[arg-type]
        due_date=issued + timedelta(days=14), accounting_date=issued, currency="AUD", exchange_rate=None,
        amounts_are="exclusive", lines=lines, subtotal=subtotal, tax_total=tax, total=subtotal + tax,
        status="authorised", reference=reference, host_id=f"host-{number}", version=version, remote_id=remote_id,
        idempotency_key=key or str(uuid.uuid4()))


def sample_payment(invoice: Invoice, remote_invoice_id: str, amount: Decimal = Decimal("50.00"), *,
                   paid: date | None = None, key: str | None = None, account: str = "090") -> Payment:
    return Payment(
        invoice=InvoiceRef(number=invoice.number, ledger=invoice.ledger, host_id=invoice.host_id,
                           remote_id=remote_invoice_id),
        date=paid or invoice.issue_date + timedelta(days=3), amount=amount, currency=invoice.currency,
        account_code=account, reference="EFT", host_id=f"pay-{invoice.number}-{amount}", version=1,
        idempotency_key=key or str(uuid.uuid4()))
