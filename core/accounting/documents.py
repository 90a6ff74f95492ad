"""The documents a connector sends and receives: plain, immutable, Decimal money.

The same types describe a local document about to be pushed and a document fetched from the
package, so reconciliation compares like with like. Fields a side does not know are ``None``
(a package document that never came from ledgerbridge has no ``host_id``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

Ledger = Literal["sales", "purchase"]
AmountsAre = Literal["exclusive", "inclusive", "no_tax"]


@dataclass(frozen=True, slots=True)
class Period:
    """An inclusive range of business dates."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class Contact:
    """A customer or supplier."""

    name: str
    host_id: str | None = None
    number: str | None = None
    email: str | None = None
    is_customer: bool = False
    is_supplier: bool = False
    remote_id: str | None = None
    idempotency_key: str | None = None
    previous_attempts: int = 0


@dataclass(frozen=True, slots=True)
class Line:
    description: str
    quantity: Decimal
    unit_price: Decimal
    line_amount: Decimal
    account_code: str
    tax_amount: Decimal
    tax_code: str | None = None
    item_code: str | None = None


@dataclass(frozen=True, slots=True)
class Invoice:
    """A sales invoice (``ledger="sales"``) or a bill (``ledger="purchase"``).

    ``status`` is ``draft``, ``authorised``, ``paid`` or ``voided`` (``deleted`` for a remote
    document removed in the package). ``amount_due`` is known for remote documents only.
    ``idempotency_key`` is stable for one version of one document: reuse it on every retry.
    ``previous_attempts`` counts earlier sends of this version that may have reached the package
    (0: never sent, so there is nothing to look up before creating it).
    """

    number: str
    ledger: Ledger
    contact: Contact
    issue_date: date
    due_date: date
    accounting_date: date
    currency: str
    exchange_rate: Decimal | None
    amounts_are: AmountsAre
    lines: tuple[Line, ...]
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    status: str
    reference: str | None = None
    host_id: str | None = None
    version: int | None = None
    remote_id: str | None = None
    remote_version: str | None = None
    amount_due: Decimal | None = None
    updated_at: datetime | None = None
    idempotency_key: str | None = None
    previous_attempts: int = 0


@dataclass(frozen=True, slots=True)
class InvoiceRef:
    """Which invoice or bill a payment settles, as each side knows it."""

    number: str
    ledger: Ledger
    host_id: str | None = None
    remote_id: str | None = None
    contact_name: str | None = None


@dataclass(frozen=True, slots=True)
class Payment:
    """Money received for an invoice or paid for a bill. ``status`` is ``active`` or ``removed``."""

    invoice: InvoiceRef
    date: date
    amount: Decimal
    currency: str
    account_code: str
    reference: str | None = None
    discount: Decimal = Decimal(0)
    exchange_rate: Decimal | None = None
    status: str = "active"
    host_id: str | None = None
    version: int | None = None
    remote_id: str | None = None
    remote_version: str | None = None
    origin: Literal["local", "package"] = "local"
    updated_at: datetime | None = None
    idempotency_key: str | None = None
    previous_attempts: int = 0


@dataclass(frozen=True, slots=True)
class Posting:
    """One line of the general ledger on a control account: debit positive, credit negative."""

    date: date
    account_code: str
    amount: Decimal
    source: str = ""  # what caused it, in the package's words (e.g. "ACCREC INV-0001")
    remote_id: str | None = None


@dataclass(frozen=True, slots=True)
class OrganisationFacts:
    """What the core needs to know about the company file: lock date, financial year, currency."""

    name: str
    base_currency: str
    lock_date: date | None = None  # nothing on or before this date may change
    financial_year_end: tuple[int, int] | None = None  # (month, day)
    extra: dict[str, str] = field(default_factory=dict)
