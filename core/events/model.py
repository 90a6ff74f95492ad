"""Typed event payloads: what the handlers receive after validation at the edge."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class ContactData:
    id: str
    name: str
    email: str | None = None
    number: str | None = None


@dataclass(frozen=True)
class LineData:
    description: str
    quantity: Decimal
    unit_price: Decimal
    account_code: str
    tax_amount: Decimal
    line_amount: Decimal
    tax_code: str | None = None
    item_code: str | None = None


@dataclass(frozen=True)
class InvoiceData:
    invoice_id: str
    number: str
    ledger: str
    contact: ContactData
    issue_date: date
    due_date: date
    accounting_date: date
    currency: str
    exchange_rate: Decimal | None
    amounts_are: str
    lines: tuple[LineData, ...]
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    status: str
    reference: str | None = None


@dataclass(frozen=True)
class InvoiceVoidedData:
    invoice_id: str
    reason: str | None = None


@dataclass(frozen=True)
class PaymentData:
    payment_id: str
    invoice_id: str
    date: date
    amount: Decimal
    currency: str
    account_code: str
    reference: str | None = None
    discount: Decimal = Decimal(0)


@dataclass(frozen=True)
class PaymentRemovedData:
    payment_id: str
    reason: str | None = None


@dataclass(frozen=True)
class ReconciliationRequestData:
    kind: str
    date_from: date
    date_to: date
    fix: bool
    ledger: str | None = None


Payload = InvoiceData | InvoiceVoidedData | PaymentData | PaymentRemovedData | ReconciliationRequestData


@dataclass(frozen=True)
class Event:
    """A validated event: the envelope plus its typed payload and the original JSON text."""

    id: str
    type: str
    tenant: str
    occurred_at: datetime
    schema_version: int
    payload: Payload
    raw: str = field(repr=False, compare=False)

    @property
    def routing_key(self) -> str:
        return routing_key(self.type, self.tenant)

    def log_context(self) -> dict[str, Any]:
        return {"event_id": self.id, "event_type": self.type, "tenant": self.tenant}


def routing_key(event_type: str, tenant: str) -> str:
    """Routing key on the ``ledgerbridge.events`` topic exchange: ``<type>.<tenant>``."""
    return f"{event_type}.{tenant}"
