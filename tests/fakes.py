"""Test doubles and builders for unit tests (no database, no broker).

* :class:`FakeRepository` — the :class:`core.repository.Repository` methods over plain dicts. It
  stores the SQLModel objects themselves; unsaved (transient) objects behave like real rows for
  the handlers, and relationships such as ``invoice.payments`` back-populate in memory.
  :meth:`FakeRepository.snapshot` captures everything it holds, so a test can prove that a refused
  event changed nothing.
* :func:`tenant` — a :class:`core.config.TenantConfig`.
* Event builders — the ``*_data`` functions and :func:`envelope` live in :mod:`tests.builders`
  (re-exported here); :func:`make_event` parses an event through the real edge validation, and
  shortcuts such as :func:`invoice_created` build and parse in one go.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import inspect as sa_inspect

from core.config import TenantConfig
from core.db.models import (
    Contact, DeadLetter, ExternalLink, Invoice, OutboxMessage, Payment, ReconciliationRun,
)
from core.events.model import Event
from core.events.parse import parse_event
from core.handlers import Context
from tests.builders import (  # noqa: F401  (re-exported for the unit tests)
    contact_data, envelope, invoice_data, invoice_total, line_data, new_event_id, payment_data, reconciliation_data,
)

TENANT = "acme"
NOW = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)


# --- repository ------------------------------------------------------------------------------------

class FakeRepository:
    """In-memory :class:`~core.repository.Repository` with the same lookups and ``add`` rules."""

    def __init__(self) -> None:
        self.contacts: dict[tuple[str, str], Contact] = {}
        self.invoices: dict[tuple[str, str], Invoice] = {}
        self.payments: dict[tuple[str, str], Payment] = {}
        self.links: dict[tuple[str, str, str, str], ExternalLink] = {}
        self.runs: list[ReconciliationRun] = []
        self.others: list[object] = []  # outbox messages, dead letters
        self.added: list[object] = []  # everything passed to add(), in order

    # -- Repository protocol -----------------------------------------------------------------------
    def get_contact(self, tenant: str, host_id: str) -> Contact | None:
        return self.contacts.get((tenant, host_id))

    def get_invoice(self, tenant: str, host_id: str) -> Invoice | None:
        return self.invoices.get((tenant, host_id))

    def get_payment(self, tenant: str, host_id: str) -> Payment | None:
        return self.payments.get((tenant, host_id))

    def get_link(self, tenant: str, document_type: str, host_id: str, package: str) -> ExternalLink | None:
        return self.links.get((tenant, document_type, host_id, package))

    def add(self, obj: object) -> None:
        if isinstance(obj, Contact):
            self._insert(self.contacts, (obj.tenant, obj.host_id), obj)
        elif isinstance(obj, Invoice):
            self._insert(self.invoices, (obj.tenant, obj.host_id), obj)
        elif isinstance(obj, Payment):
            self._insert(self.payments, (obj.tenant, obj.host_id), obj)
        elif isinstance(obj, ExternalLink):
            self._insert(self.links, (obj.tenant, obj.document_type, obj.document_host_id, obj.package), obj)
        elif isinstance(obj, ReconciliationRun):
            self.runs.append(obj)
        elif isinstance(obj, (OutboxMessage, DeadLetter)):
            self.others.append(obj)
        else:
            raise TypeError(f"cannot add {type(obj).__name__} to the ledger repository")
        self.added.append(obj)

    @staticmethod
    def _insert(table: dict, key: tuple, obj: object) -> None:
        # The database's unique constraints: adding a second row with the same key is a bug.
        if key in table and table[key] is not obj:
            raise AssertionError(f"duplicate {type(obj).__name__} {key}: the handler should have updated it")
        table[key] = obj

    # -- test helpers -----------------------------------------------------------------------------
    def link(self, document_type: str, host_id: str, package: str = "xero", tenant: str = TENANT) -> ExternalLink:
        found = self.get_link(tenant, document_type, host_id, package)
        assert found is not None, f"no {package} link for {document_type} {host_id!r}"
        return found

    def snapshot(self) -> list[tuple]:
        """Every stored object's columns and relationships, as plain comparable values."""
        return [_state(obj) for obj in self.added]


def _columns(obj: object) -> dict[str, Any]:
    return {attr.key: getattr(obj, attr.key) for attr in sa_inspect(type(obj)).column_attrs}


def _state(obj: object) -> tuple:
    related: dict[str, Any] = {}
    if isinstance(obj, Invoice):
        related["contact"] = id(obj.contact)
        related["lines"] = [(_columns(line), id(line.invoice)) for line in obj.lines]
        related["payments"] = [id(p) for p in obj.payments]
    elif isinstance(obj, Payment):
        related["invoice"] = id(obj.invoice)
    return (type(obj).__name__, id(obj), _columns(obj), related)


# --- tenants and handler context ---------------------------------------------------------------------

def tenant(slug: str = TENANT, accounting: str | None = "xero", enabled: bool = True, **fields: Any) -> TenantConfig:
    """A tenant's config; ``accounting=None`` is a tenant that only records documents."""
    fields.setdefault("name", f"{slug.title()} Pty Ltd")
    fields.setdefault("base_currency", "AUD")
    return TenantConfig(slug=slug, accounting=accounting, enabled=enabled, **fields)


def context(repo: FakeRepository, config: TenantConfig | None = None, now: datetime = NOW) -> Context:
    return Context(repo=repo, tenant=config or tenant(), now=now)


# --- event builders ------------------------------------------------------------------------------------

def make_event(event_type: str, data: dict[str, Any], **envelope_fields: Any) -> Event:
    """A validated :class:`Event`, through the real :func:`parse_event`."""
    envelope_fields.setdefault("tenant", TENANT)
    envelope_fields.setdefault("event_id", new_event_id())
    return parse_event(json.dumps(envelope(event_type, data, **envelope_fields)))


def invoice_created(invoice_id: str = "inv-1", **fields: Any) -> Event:
    return make_event("invoice-created", invoice_data(invoice_id, **fields))


def invoice_updated(invoice_id: str = "inv-1", **fields: Any) -> Event:
    return make_event("invoice-updated", invoice_data(invoice_id, **fields))


def invoice_voided(invoice_id: str = "inv-1", **fields: Any) -> Event:
    return make_event("invoice-voided", {"invoice_id": invoice_id, **fields})


def payment_received(payment_id: str = "pay-1", invoice_id: str = "inv-1", amount: str = "100.00",
                     **fields: Any) -> Event:
    return make_event("payment-received", payment_data(payment_id, invoice_id, amount, **fields))


def payment_removed(payment_id: str = "pay-1", **fields: Any) -> Event:
    return make_event("payment-removed", {"payment_id": payment_id, **fields})


def reconciliation_requested(**fields: Any) -> Event:
    return make_event("reconciliation-requested", reconciliation_data(**fields))


__all__ = [
    "NOW", "TENANT", "FakeRepository", "context", "contact_data", "envelope", "invoice_created",
    "invoice_data", "invoice_total", "invoice_updated", "invoice_voided", "line_data", "make_event",
    "new_event_id", "payment_data", "payment_received", "payment_removed", "reconciliation_data",
    "reconciliation_requested", "tenant",
]
