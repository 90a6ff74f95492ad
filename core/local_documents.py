"""Local ledger rows as :mod:`core.accounting` documents: what connectors push and reports compare."""

from __future__ import annotations

import uuid

from core.accounting import documents as doc
from core.db.models import Contact, ExternalLink, Invoice, InvoiceLine, Payment

_KEYS = uuid.UUID("5b0f4c8e-6a59-4f57-9f0e-1c7e2f3a9d11")


def idempotency_key(tenant: str, document_type: str, host_id: str, version: int, event_id: str = "") -> str:
    """Stable for one version of one document (and the event that made it): reuse it on every retry."""
    return str(uuid.uuid5(_KEYS, f"{tenant}/{document_type}/{host_id}/v{version}/{event_id}"))


def _previous(link: ExternalLink | None) -> int:
    """Earlier sends of this version (the pusher counts the current one when it claims the link)."""
    return max(link.attempts - 1, 0) if link is not None else 0


def contact_document(contact: Contact, link: ExternalLink | None = None) -> doc.Contact:
    return doc.Contact(
        name=contact.name, host_id=contact.host_id, number=contact.number, email=contact.email,
        is_customer=contact.is_customer, is_supplier=contact.is_supplier,
        remote_id=link.remote_id if link else None, previous_attempts=_previous(link),
        idempotency_key=idempotency_key(contact.tenant, "contact", contact.host_id, contact.version))


def line_document(line: InvoiceLine) -> doc.Line:
    return doc.Line(
        description=line.description, quantity=line.quantity, unit_price=line.unit_price,
        line_amount=line.line_amount, account_code=line.account_code, tax_amount=line.tax_amount,
        tax_code=line.tax_code, item_code=line.item_code)


def invoice_document(invoice: Invoice, lines: list[InvoiceLine], contact: doc.Contact,
                     link: ExternalLink | None = None) -> doc.Invoice:
    return doc.Invoice(
        number=invoice.number, ledger=invoice.ledger, contact=contact,  # type: ignore[arg-type]
        issue_date=invoice.issue_date, due_date=invoice.due_date, accounting_date=invoice.accounting_date,
        currency=invoice.currency, exchange_rate=invoice.exchange_rate,
        amounts_are=invoice.amounts_are,  # type: ignore[arg-type]
        lines=tuple(line_document(line) for line in sorted(lines, key=lambda line: line.position)),
        subtotal=invoice.subtotal, tax_total=invoice.tax_total, total=invoice.total, status=invoice.status,
        reference=invoice.reference, host_id=invoice.host_id, version=invoice.version,
        remote_id=link.remote_id if link else None, remote_version=link.remote_version if link else None,
        updated_at=invoice.updated_at, previous_attempts=_previous(link),
        idempotency_key=idempotency_key(invoice.tenant, "invoice", invoice.host_id, invoice.version,
                                        invoice.last_event_id))


def payment_document(payment: Payment, invoice: Invoice, invoice_link: ExternalLink | None,
                     link: ExternalLink | None = None) -> doc.Payment:
    return doc.Payment(
        invoice=doc.InvoiceRef(number=invoice.number, ledger=invoice.ledger,  # type: ignore[arg-type]
                               host_id=invoice.host_id,
                               remote_id=invoice_link.remote_id if invoice_link else None),
        date=payment.date, amount=payment.amount, currency=payment.currency, account_code=payment.account_code,
        reference=payment.reference, discount=payment.discount,
        status=payment.status, host_id=payment.host_id, version=payment.version,
        remote_id=link.remote_id if link else None, remote_version=link.remote_version if link else None,
        origin=payment.origin,  # type: ignore[arg-type]
        updated_at=payment.updated_at, previous_attempts=_previous(link),
        idempotency_key=idempotency_key(payment.tenant, "payment", payment.host_id, payment.version,
                                        payment.last_event_id))
