"""The local ledger: SQLModel tables (schema changes go through Alembic, ``core/db/migrations``).

Money columns are :class:`~core.db.types.ExactDecimal`; business dates are ``date``; timestamps are
timezone-aware UTC. Documents are keyed by the host app's ids (``host_id``) per tenant.
"""


from datetime import UTC, date, datetime
from datetime import date as Date
from decimal import Decimal
from typing import Optional

from sqlalchemy import BigInteger, Column, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, Relationship, SQLModel

from core.db.types import ExactDecimal, UTCDateTime

AMOUNT_SCALE = 4  # enough for every ISO 4217 minor unit (max 3) and 4-dp unit prices
RATE_SCALE = 10


def utcnow() -> datetime:
    return datetime.now(UTC)


def _money(nullable: bool = False) -> Column:
    return Column(ExactDecimal(18, AMOUNT_SCALE), nullable=nullable)


def _timestamp(nullable: bool = False, index: bool = False) -> Column:
    return Column(UTCDateTime(), nullable=nullable, index=index)


# --- tenants and documents -------------------------------------------------------------------------

class Tenant(SQLModel, table=True):
    """A business whose documents we sync; mirrors ``tenants.toml`` (which stays the authority)."""

    __tablename__ = "tenants"
    slug: str = Field(primary_key=True, max_length=63)
    name: str = Field(max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class Contact(SQLModel, table=True):
    """A customer and/or supplier of a tenant."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("tenant", "host_id", name="uq_contacts_tenant_host_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    tenant: str = Field(foreign_key="tenants.slug", max_length=63)
    host_id: str = Field(max_length=100)
    name: str = Field(max_length=255)
    email: Optional[str] = Field(default=None, max_length=255)
    number: Optional[str] = Field(default=None, max_length=50)
    is_customer: bool = False
    is_supplier: bool = False
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class Invoice(SQLModel, table=True):
    """A sales invoice (``ledger='sales'``, receivable) or a bill (``ledger='purchase'``, payable)."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("tenant", "host_id", name="uq_invoices_tenant_host_id"),
        Index("ix_invoices_tenant_ledger_number", "tenant", "ledger", "number"),
        Index("ix_invoices_tenant_accounting_date", "tenant", "accounting_date"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    tenant: str = Field(foreign_key="tenants.slug", max_length=63)
    host_id: str = Field(max_length=100)
    number: str = Field(max_length=255)
    ledger: str = Field(max_length=8)  # sales | purchase
    contact_id: int = Field(foreign_key="contacts.id", index=True)
    issue_date: date
    due_date: date
    accounting_date: date
    currency: str = Field(max_length=3)
    exchange_rate: Optional[Decimal] = Field(default=None, sa_column=Column(ExactDecimal(24, RATE_SCALE)))
    amounts_are: str = Field(max_length=10)  # exclusive | inclusive | no_tax
    subtotal: Decimal = Field(sa_column=_money())
    tax_total: Decimal = Field(sa_column=_money())
    total: Decimal = Field(sa_column=_money())
    status: str = Field(max_length=10)  # draft | authorised | voided
    reference: Optional[str] = Field(default=None, max_length=255)
    version: int = 1
    last_event_id: str = Field(max_length=36)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())

    contact: Optional[Contact] = Relationship()
    payments: list["Payment"] = Relationship(back_populates="invoice")
    lines: list["InvoiceLine"] = Relationship(
        back_populates="invoice",
        sa_relationship_kwargs={"cascade": "all, delete-orphan", "order_by": "InvoiceLine.position"},
    )


class InvoiceLine(SQLModel, table=True):
    __tablename__ = "invoice_lines"
    id: Optional[int] = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoices.id", index=True)
    position: int
    description: str = Field(sa_column=Column(Text, nullable=False))
    quantity: Decimal = Field(sa_column=_money())
    unit_price: Decimal = Field(sa_column=_money())
    line_amount: Decimal = Field(sa_column=_money())
    account_code: str = Field(max_length=30)
    tax_code: Optional[str] = Field(default=None, max_length=50)
    tax_amount: Decimal = Field(sa_column=_money())
    item_code: Optional[str] = Field(default=None, max_length=50)

    invoice: Optional[Invoice] = Relationship(back_populates="lines")


class Payment(SQLModel, table=True):
    """Money received against an invoice (or paid against a bill)."""

    __tablename__ = "payments"
    __table_args__ = (UniqueConstraint("tenant", "host_id", name="uq_payments_tenant_host_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    tenant: str = Field(foreign_key="tenants.slug", max_length=63)
    host_id: str = Field(max_length=100)
    invoice_id: int = Field(foreign_key="invoices.id", index=True)
    date: Date
    amount: Decimal = Field(sa_column=_money())
    currency: str = Field(max_length=3)
    account_code: str = Field(max_length=30)
    reference: Optional[str] = Field(default=None, max_length=255)
    discount: Decimal = Field(sa_column=_money())
    origin: str = Field(default="local", max_length=8)  # local | package
    status: str = Field(default="active", max_length=8)  # active | removed
    version: int = 1
    last_event_id: str = Field(max_length=36)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())

    invoice: Optional[Invoice] = Relationship(back_populates="payments")


# --- sync state ------------------------------------------------------------------------------------

class ExternalLink(SQLModel, table=True):
    """Where a local document lives in an accounting package, and whether it is in sync there.

    ``state`` is ``pending`` (to push: ``version`` is newer than ``pushed_version``), ``pushed`` or
    ``failed`` (rejected permanently; ``last_error`` holds the package's message).
    """

    __tablename__ = "external_links"
    __table_args__ = (
        UniqueConstraint("tenant", "document_type", "document_host_id", "package", name="uq_links_document_package"),
        Index("ix_links_tenant_state_next_attempt", "tenant", "state", "next_attempt_at"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    tenant: str = Field(foreign_key="tenants.slug", max_length=63)
    document_type: str = Field(max_length=10)  # contact | invoice | payment
    document_host_id: str = Field(max_length=100)  # the document's host_id
    package: str = Field(max_length=50)
    remote_id: Optional[str] = Field(default=None, max_length=100)
    remote_version: Optional[str] = Field(default=None, max_length=100)
    state: str = Field(default="pending", max_length=8)
    version: int = 1  # local document version this link must reach
    pushed_version: int = 0
    last_error: Optional[str] = Field(default=None, sa_column=Column(Text))
    attempts: int = 0
    next_attempt_at: Optional[datetime] = Field(default=None, sa_column=_timestamp(nullable=True))
    # a pusher is sending it until then (or died doing so): nobody else touches it meanwhile
    claimed_until: Optional[datetime] = Field(default=None, sa_column=_timestamp(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class ConnectionHealth(SQLModel, table=True):
    """The circuit breaker of one tenant's connection to its package, shared by every worker.

    ``state`` is ``up`` or ``down`` (``failures`` consecutive failed calls reached the threshold:
    pushes queue and a cheap probe checks at ``hold_until``). ``hold_until`` also holds a connection
    that is up back after a failure or a rate limit (``rate_limited``): nothing is sent before it.
    """

    __tablename__ = "connection_health"
    tenant: str = Field(primary_key=True, max_length=63)
    package: str = Field(primary_key=True, max_length=50)
    state: str = Field(default="up", max_length=8)
    failures: int = 0
    rate_limited: bool = False
    hold_until: Optional[datetime] = Field(default=None, sa_column=_timestamp(nullable=True))
    down_since: Optional[datetime] = Field(default=None, sa_column=_timestamp(nullable=True))
    last_error: Optional[str] = Field(default=None, sa_column=Column(Text))
    last_failure_at: Optional[datetime] = Field(default=None, sa_column=_timestamp(nullable=True))
    last_ok_at: Optional[datetime] = Field(default=None, sa_column=_timestamp(nullable=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


# --- messaging -------------------------------------------------------------------------------------

class OutboxMessage(SQLModel, table=True):
    """An event to publish, written in the same transaction as the change that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_unpublished", "published_at", "id"),)
    id: Optional[int] = Field(
        default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True))
    event_id: str = Field(max_length=36, unique=True)
    event_type: str = Field(max_length=50)
    tenant: str = Field(max_length=63)
    routing_key: str = Field(max_length=120)
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    published_at: Optional[datetime] = Field(default=None, sa_column=_timestamp(nullable=True))


class ProcessedEvent(SQLModel, table=True):
    """Tracking record: this event id has had its effect (handlers are idempotent on it)."""

    __tablename__ = "processed_events"
    event_id: str = Field(primary_key=True, max_length=36)
    event_type: str = Field(max_length=50)
    tenant: str = Field(max_length=63)
    processed_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class DeadLetter(SQLModel, table=True):
    """A message that could not be handled, kept with its original body and the reason."""

    __tablename__ = "dead_letters"
    id: Optional[int] = Field(default=None, primary_key=True)
    received_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp(index=True))
    source: str = Field(max_length=100)  # the queue (or other entry point) it came from
    routing_key: Optional[str] = Field(default=None, max_length=255)
    event_id: Optional[str] = Field(default=None, max_length=100, index=True)
    event_type: Optional[str] = Field(default=None, max_length=100)
    tenant: Optional[str] = Field(default=None, max_length=100, index=True)
    body: str = Field(sa_column=Column(Text, nullable=False))
    reason: str = Field(sa_column=Column(Text, nullable=False))
    replayed_at: Optional[datetime] = Field(default=None, sa_column=_timestamp(nullable=True))
    discarded_at: Optional[datetime] = Field(default=None, sa_column=_timestamp(nullable=True))


class ReconciliationRun(SQLModel, table=True):
    """A reconciliation asked for (CLI, bus, schedule) and, once run, its outcome."""

    __tablename__ = "reconciliation_runs"
    id: Optional[int] = Field(default=None, primary_key=True)
    tenant: str = Field(foreign_key="tenants.slug", max_length=63, index=True)
    kind: str = Field(max_length=20)  # invoices | payments | open-invoices
    date_from: date
    date_to: date
    fix: bool = False
    ledger: Optional[str] = Field(default=None, max_length=8)
    trigger: str = Field(max_length=10)  # cli | bus | schedule
    event_id: Optional[str] = Field(default=None, max_length=36)
    status: str = Field(default="requested", max_length=10)  # requested | running | done | failed | refused
    reason: Optional[str] = Field(default=None, sa_column=Column(Text))  # why refused or failed
    requested_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    started_at: Optional[datetime] = Field(default=None, sa_column=_timestamp(nullable=True))
    finished_at: Optional[datetime] = Field(default=None, sa_column=_timestamp(nullable=True))


# --- connections -----------------------------------------------------------------------------------

class Connection(SQLModel, table=True):
    """A tenant's authorised connection to its accounting package; tokens encrypted at rest.

    ``state``: ``connected``, ``needs_reauth`` (the package refused the refresh token: pushes wait
    until someone connects again) or ``disconnected``. ``remote_tenant`` is the package's own id for
    the company (Xero tenant id, QuickBooks realm id, MYOB business id).
    """

    __tablename__ = "connections"
    tenant: str = Field(primary_key=True, foreign_key="tenants.slug", max_length=63)
    package: str = Field(primary_key=True, max_length=50)
    state: str = Field(default="connected", max_length=12)
    remote_tenant: Optional[str] = Field(default=None, max_length=100)
    tokens: Optional[str] = Field(default=None, sa_column=Column(Text))  # Fernet ciphertext of the token set
    access_expires_at: Optional[datetime] = Field(default=None, sa_column=_timestamp(nullable=True))
    last_error: Optional[str] = Field(default=None, sa_column=Column(Text))
    connected_at: Optional[datetime] = Field(default=None, sa_column=_timestamp(nullable=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
