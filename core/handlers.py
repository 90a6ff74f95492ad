"""What each host event does to the local ledger.

Handlers take the event and a :class:`Context` (repository, tenant config, clock) and change
documents through the repository. A handler that cannot apply an event raises
:class:`HandlingError` *before* changing anything; the caller dead-letters the event with that
reason. Idempotency on the event id is the caller's job (``core/inbound.py``); handlers are also
safe to re-run: re-applying identical content is a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Callable

from core.config import TenantConfig
from core.db.build import build
from core.db.models import Contact, ExternalLink, Invoice, InvoiceLine, Payment, ReconciliationRun
from core.events import model
from core.repository import Repository


class HandlingError(Exception):
    """The event is valid JSON and schema, but cannot be applied to the ledger (dead letter)."""


def _allowed(tenant: TenantConfig, capability: str) -> str | None:
    """Without plugins nothing is refused here (the package's own check comes when acting)."""
    return None


@dataclass
class Context:
    repo: Repository
    tenant: TenantConfig
    now: datetime
    to_sync: set[str] = field(default_factory=set)  # packages with newly pending documents
    emitted: list[tuple[str, dict]] = field(default_factory=list)  # notifications to publish after commit
    refusal: Callable[[TenantConfig, str], str | None] = _allowed  # why the tenant's edition cannot, or None


# --- shared steps ----------------------------------------------------------------------------------

def _needs_push(ctx: Context, document_type: str, host_id: str, version: int) -> None:
    """Mark a document version as to be pushed to the tenant's accounting package, if it has one."""
    package = ctx.tenant.accounting
    if not package:
        return
    link = ctx.repo.get_link(ctx.tenant.slug, document_type, host_id, package)
    if link is None:
        ctx.repo.add(build(ExternalLink, 
            tenant=ctx.tenant.slug, document_type=document_type, document_host_id=host_id, package=package,
            version=version, state="pending", created_at=ctx.now, updated_at=ctx.now))
    else:
        link.version = version
        link.state = "pending"
        if link.remote_id is not None:
            link.attempts = 0  # an earlier send that never recorded its outcome may still be out there
        link.next_attempt_at = None
        link.updated_at = ctx.now
    ctx.to_sync.add(package)


def _bump(document: Invoice | Payment, event: model.Event, ctx: Context) -> None:
    """A document changed: new version, caused by ``event``."""
    document.version += 1
    document.last_event_id = event.id
    document.updated_at = ctx.now


def _contact(ctx: Context, data: model.ContactData, ledger: str) -> Contact:
    contact = ctx.repo.get_contact(ctx.tenant.slug, data.id)
    role = "is_customer" if ledger == "sales" else "is_supplier"
    if contact is None:
        contact = build(Contact, tenant=ctx.tenant.slug, host_id=data.id, name=data.name, email=data.email,
                          number=data.number, created_at=ctx.now, updated_at=ctx.now, **{role: True})
        ctx.repo.add(contact)
        _needs_push(ctx, "contact", contact.host_id, contact.version)
        return contact
    wanted = {"name": data.name, "email": data.email, "number": data.number, role: True}
    if any(getattr(contact, k) != v for k, v in wanted.items()):
        for key, value in wanted.items():
            setattr(contact, key, value)
        contact.version += 1
        contact.updated_at = ctx.now
        _needs_push(ctx, "contact", contact.host_id, contact.version)
    return contact


def _invoice_fields(data: model.InvoiceData) -> dict:
    return {
        "number": data.number, "ledger": data.ledger, "issue_date": data.issue_date, "due_date": data.due_date,
        "accounting_date": data.accounting_date, "currency": data.currency, "exchange_rate": data.exchange_rate,
        "amounts_are": data.amounts_are, "subtotal": data.subtotal, "tax_total": data.tax_total,
        "total": data.total, "status": data.status, "reference": data.reference,
    }


def _line_rows(data: model.InvoiceData) -> list[InvoiceLine]:
    return [
        build(InvoiceLine, position=i, description=l.description, quantity=l.quantity, unit_price=l.unit_price,
                    line_amount=l.line_amount, account_code=l.account_code, tax_code=l.tax_code,
                    tax_amount=l.tax_amount, item_code=l.item_code)
        for i, l in enumerate(data.lines)
    ]


def _line_key(line: InvoiceLine) -> tuple:
    return (line.description, Decimal(line.quantity), Decimal(line.unit_price), line.account_code,
            line.tax_code, Decimal(line.tax_amount), line.item_code)


def _same_invoice(invoice: Invoice, contact: Contact, data: model.InvoiceData) -> bool:
    fields = _invoice_fields(data)
    return (invoice.contact is contact
            and all(getattr(invoice, k) == v for k, v in fields.items())
            and [_line_key(l) for l in invoice.lines] == [_line_key(l) for l in _line_rows(data)])


# --- handlers --------------------------------------------------------------------------------------

def invoice_upserted(event: model.Event, ctx: Context) -> None:
    """invoice-created / invoice-updated: store the document (a full replacement) and queue the push."""
    data: model.InvoiceData = event.payload  # type: ignore[assignment]
    repo, tenant = ctx.repo, ctx.tenant.slug
    invoice = repo.get_invoice(tenant, data.invoice_id)
    if invoice is None and event.type == "invoice-updated":
        raise HandlingError(f"invoice {data.invoice_id!r} is unknown in tenant {tenant!r}; send invoice-created first")
    if invoice is not None:
        if invoice.status == "voided":
            raise HandlingError(f"invoice {data.invoice_id!r} is voided and cannot change")
        if invoice.ledger != data.ledger:
            raise HandlingError(f"invoice {data.invoice_id!r} is in the {invoice.ledger} ledger, not {data.ledger}")
        # the same rules payment_received enforces must survive an update of a paid invoice
        paid = sum((p.amount + p.discount for p in invoice.payments if p.status == "active"), Decimal(0))
        if paid and (data.status != "authorised" or data.currency != invoice.currency or data.total < paid):
            raise HandlingError(
                f"invoice {data.invoice_id!r} has payments of {paid} {invoice.currency}; it must stay authorised, "
                f"in {invoice.currency} and total at least {paid} (got {data.status}, {data.currency} {data.total}); "
                "send payment-removed first")
    contact = _contact(ctx, data.contact, data.ledger)
    if invoice is None:
        invoice = build(Invoice, tenant=tenant, host_id=data.invoice_id, contact=contact, last_event_id=event.id,
                          created_at=ctx.now, updated_at=ctx.now, lines=_line_rows(data), **_invoice_fields(data))
        repo.add(invoice)
    elif _same_invoice(invoice, contact, data):
        return
    else:
        for key, value in _invoice_fields(data).items():
            setattr(invoice, key, value)
        invoice.contact = contact
        # clear, then extend: assigning a new list would let SQLAlchemy drop new lines equal (by value, as
        # SQLModel compares) to unsaved old ones — an update in the same batch as the create lost lines
        invoice.lines.clear()
        invoice.lines.extend(_line_rows(data))
        _bump(invoice, event, ctx)
    _needs_push(ctx, "invoice", invoice.host_id, invoice.version)


def invoice_voided(event: model.Event, ctx: Context) -> None:
    data: model.InvoiceVoidedData = event.payload  # type: ignore[assignment]
    invoice = ctx.repo.get_invoice(ctx.tenant.slug, data.invoice_id)
    if invoice is None:
        raise HandlingError(f"invoice {data.invoice_id!r} is unknown in tenant {ctx.tenant.slug!r}")
    if invoice.status == "voided":
        return
    if any(p.status == "active" for p in invoice.payments):
        raise HandlingError(f"invoice {data.invoice_id!r} has payments; send payment-removed for them before voiding")
    invoice.status = "voided"
    _bump(invoice, event, ctx)
    _needs_push(ctx, "invoice", invoice.host_id, invoice.version)


def payment_received(event: model.Event, ctx: Context) -> None:
    data: model.PaymentData = event.payload  # type: ignore[assignment]
    tenant = ctx.tenant.slug
    invoice = ctx.repo.get_invoice(tenant, data.invoice_id)
    if invoice is None:
        raise HandlingError(f"payment {data.payment_id!r} is for invoice {data.invoice_id!r}, which is unknown in tenant {tenant!r}")
    if invoice.status != "authorised":
        raise HandlingError(f"payment {data.payment_id!r}: invoice {data.invoice_id!r} is {invoice.status}; only authorised invoices take payments")
    if data.currency != invoice.currency:
        raise HandlingError(f"payment {data.payment_id!r} is in {data.currency} but invoice {data.invoice_id!r} is in {invoice.currency}")
    payment = ctx.repo.get_payment(tenant, data.payment_id)
    if payment is not None and payment.invoice is not invoice:
        raise HandlingError(f"payment {data.payment_id!r} already belongs to another invoice")
    others = sum((p.amount + p.discount for p in invoice.payments
                  if p.status == "active" and p is not payment), Decimal(0))
    if others + data.amount + data.discount > invoice.total:
        raise HandlingError(
            f"payment {data.payment_id!r} of {data.amount} (discount {data.discount}) would overpay invoice "
            f"{data.invoice_id!r}: total {invoice.total}, already paid {others}")
    fields = {"date": data.date, "amount": data.amount, "currency": data.currency, "account_code": data.account_code,
              "reference": data.reference, "discount": data.discount, "status": "active"}
    if payment is None:
        payment = build(Payment, tenant=tenant, host_id=data.payment_id, invoice=invoice, origin="local",
                          last_event_id=event.id, created_at=ctx.now, updated_at=ctx.now, **fields)
        ctx.repo.add(payment)
    elif all(getattr(payment, k) == v for k, v in fields.items()):
        return
    else:
        for key, value in fields.items():
            setattr(payment, key, value)
        _bump(payment, event, ctx)
    if payment.origin == "local":
        _needs_push(ctx, "payment", payment.host_id, payment.version)


def payment_removed(event: model.Event, ctx: Context) -> None:
    data: model.PaymentRemovedData = event.payload  # type: ignore[assignment]
    payment = ctx.repo.get_payment(ctx.tenant.slug, data.payment_id)
    if payment is None:
        raise HandlingError(f"payment {data.payment_id!r} is unknown in tenant {ctx.tenant.slug!r}")
    if payment.status == "removed":
        return
    payment.status = "removed"
    _bump(payment, event, ctx)
    if payment.origin == "local":
        _needs_push(ctx, "payment", payment.host_id, payment.version)


#: What each reconciliation kind needs the tenant's package edition to do.
RECONCILIATION_CAPABILITIES = {"invoices": "reconcile_invoices", "payments": "reconcile_payments",
                               "open-invoices": "ledger_postings"}


def reconciliation_requested(event: model.Event, ctx: Context) -> None:
    """Record the request; one the tenant's package edition cannot serve is refused at once, with a
    ``reconciliation-completed`` notification saying why (never a silent no-op)."""
    data: model.ReconciliationRequestData = event.payload  # type: ignore[assignment]
    if not ctx.tenant.accounting:
        reason = f"tenant {ctx.tenant.slug!r} has no accounting package to reconcile with"
    else:
        reason = ctx.refusal(ctx.tenant, RECONCILIATION_CAPABILITIES[data.kind])
        if reason is None and data.fix:
            reason = ctx.refusal(ctx.tenant, "fix_discrepancies")
    status = "refused" if reason else "requested"
    ctx.repo.add(build(ReconciliationRun,
        tenant=ctx.tenant.slug, kind=data.kind, date_from=data.date_from, date_to=data.date_to, fix=data.fix,
        ledger=data.ledger, trigger="bus", event_id=event.id, status=status, reason=reason, requested_at=ctx.now))
    if reason:
        ctx.emitted.append(("reconciliation-completed", {
            "run_id": None, "requested_by": event.id, "kind": data.kind, "from": data.date_from.isoformat(),
            "to": data.date_to.isoformat(), "ledger": data.ledger, "fix": data.fix, "status": "refused",
            "reason": reason, "summary": {}}))


HANDLERS: dict[str, Callable[[model.Event, Context], None]] = {
    "invoice-created": invoice_upserted,
    "invoice-updated": invoice_upserted,
    "invoice-voided": invoice_voided,
    "payment-received": payment_received,
    "payment-removed": payment_removed,
    "reconciliation-requested": reconciliation_requested,
}
