"""Repositories: how handlers find and add ledger documents, without knowing about SQL.

:class:`SqlRepository` works on a SQLModel session and keeps what a batch has seen or added in
memory, so one batch of events is one flush of multi-row INSERTs rather than a query per
event. Tests use the in-memory fake in ``tests/fakes.py``, which has the same methods.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Protocol

from sqlalchemy.exc import SAWarning
from sqlmodel import Session, select

from core.db.bulk import insert_rows
from core.db.engine import one_of
from core.db.ids import allocate_ids

from core.db.models import (
    Contact, DeadLetter, ExternalLink, Invoice, InvoiceLine, OutboxMessage, Payment, ReconciliationRun,
)

Key = tuple[str, str]  # (tenant, host_id)


class Repository(Protocol):
    def get_contact(self, tenant: str, host_id: str) -> Contact | None: ...
    def get_invoice(self, tenant: str, host_id: str) -> Invoice | None: ...
    def get_payment(self, tenant: str, host_id: str) -> Payment | None: ...
    def get_link(self, tenant: str, document_type: str, host_id: str, package: str) -> ExternalLink | None: ...
    def add(self, obj: object) -> None: ...


class SqlRepository:
    """Batch-friendly repository over a session (autoflush off; one flush at commit)."""

    def __init__(self, session: Session):
        self.session = session
        self._contacts: dict[Key, Contact | None] = {}
        self._invoices: dict[Key, Invoice | None] = {}
        self._payments: dict[Key, Payment | None] = {}
        self._links: dict[tuple[str, str, str, str], ExternalLink | None] = {}
        self._new: list[object] = []
        self._dialect = session.get_bind().dialect.name

    # -- preloading: one query per table for a whole batch ---------------------------------------
    def preload(self, contacts: Iterable[Key] = (), invoices: Iterable[Key] = (), payments: Iterable[Key] = (),
                packages: Iterable[str] = ()) -> None:
        """Load a batch's documents, and their links to ``packages``, in one query per table."""
        contacts, invoices, payments = set(contacts), set(invoices), set(payments)
        self._preload(Contact, self._contacts, contacts)
        self._preload(Invoice, self._invoices, invoices)
        self._preload(Payment, self._payments, payments)
        documents = ({("contact", *k) for k in contacts} | {("invoice", *k) for k in invoices}
                     | {("payment", *k) for k in payments})
        self._preload_links(documents, set(packages))

    def _preload(self, model: type, cache: dict, keys: Iterable[Key]) -> None:
        wanted = {k for k in keys if k not in cache}
        for key in wanted:
            cache[key] = None
        for tenant, host_ids in _by_tenant(wanted):
            for row in self.session.exec(select(model).where(model.tenant == tenant, one_of(model.host_id, host_ids, self._dialect))):
                cache[(row.tenant, row.host_id)] = row

    def _preload_links(self, documents: set[tuple[str, str, str]], packages: set[str]) -> None:
        wanted = {(tenant, kind, host_id, package) for kind, tenant, host_id in documents for package in packages}
        wanted -= self._links.keys()
        for key in wanted:
            self._links[key] = None
        for kind in {k[1] for k in wanted}:
            for tenant, host_ids in _by_tenant({(t, h) for t, d, h, _ in wanted if d == kind}):
                stmt = select(ExternalLink).where(ExternalLink.tenant == tenant, ExternalLink.document_type == kind,
                                                  one_of(ExternalLink.document_host_id, host_ids, self._dialect))
                for link in self.session.exec(stmt):
                    self._links[(link.tenant, link.document_type, link.document_host_id, link.package)] = link

    # -- lookups -----------------------------------------------------------------------------------
    def get_contact(self, tenant: str, host_id: str) -> Contact | None:
        return self._get(Contact, self._contacts, tenant, host_id)

    def get_invoice(self, tenant: str, host_id: str) -> Invoice | None:
        return self._get(Invoice, self._invoices, tenant, host_id)

    def get_payment(self, tenant: str, host_id: str) -> Payment | None:
        return self._get(Payment, self._payments, tenant, host_id)

    def get_link(self, tenant: str, document_type: str, host_id: str, package: str) -> ExternalLink | None:
        key = (tenant, document_type, host_id, package)
        if key not in self._links:
            with self.session.no_autoflush:
                self._links[key] = self.session.exec(select(ExternalLink).where(
                    ExternalLink.tenant == tenant, ExternalLink.document_type == document_type,
                    ExternalLink.document_host_id == host_id, ExternalLink.package == package)).first()
        return self._links[key]

    def _get(self, model: type, cache: dict, tenant: str, host_id: str):
        key = (tenant, host_id)
        if key not in cache:
            with self.session.no_autoflush:
                cache[key] = self.session.exec(
                    select(model).where(model.tenant == tenant, model.host_id == host_id)).first()
        return cache[key]

    # -- changes -----------------------------------------------------------------------------------
    def add(self, obj: object) -> None:
        """A new row; written by :meth:`save`."""
        if isinstance(obj, _BULK):
            self._new.append(obj)
        else:
            self.session.add(obj)
        if isinstance(obj, Contact):
            self._contacts[(obj.tenant, obj.host_id)] = obj
        elif isinstance(obj, Invoice):
            self._invoices[(obj.tenant, obj.host_id)] = obj
        elif isinstance(obj, Payment):
            self._payments[(obj.tenant, obj.host_id)] = obj
        elif isinstance(obj, ExternalLink):
            self._links[(obj.tenant, obj.document_type, obj.document_host_id, obj.package)] = obj
        elif not isinstance(obj, (OutboxMessage, DeadLetter, ReconciliationRun)):
            raise TypeError(f"cannot add {type(obj).__name__} to the ledger repository")

    def save(self) -> None:
        """Write the batch: changes to loaded rows through the ORM flush, new rows as bulk INSERTs.

        New rows never went through the session, so the ORM's unit of work is skipped for them:
        contacts and invoices get their ids up front (other new rows refer to them), the rest are
        numbered by the database, and each table gets one bulk insert (COPY on PostgreSQL). A new
        row that reached the session anyway (by cascade from a loaded row, e.g. a payment appended
        to a loaded invoice) is left to the flush. The flush goes first: new rows may refer to rows
        it inserts, never the other way round.
        """
        fresh = [obj for obj in self._new if obj not in self.session]
        allocate_ids(self.session, [*self.session.new, *(obj for obj in fresh if isinstance(obj, _NUMBERED))])
        with warnings.catch_warnings():
            # A new payment appended to a loaded invoice's collection is one of `fresh`, inserted
            # below; the flush need not (and does not) add it.
            warnings.filterwarnings("ignore", r".*not in session, add operation along", SAWarning)
            self.session.flush()
        rows: dict[type, list[tuple]] = {model: [] for model in _INSERT_ORDER}
        for obj in fresh:
            model = type(obj)
            values = obj.__dict__
            if model is Invoice:
                values = {**values, "contact_id": obj.contact.id}
                lines = rows[InvoiceLine]
                for line in obj.lines:
                    lines.append((*map(line.__dict__.get, _COLUMNS[InvoiceLine][:-1]), obj.id))
            elif model is Payment:
                values = {**values, "invoice_id": obj.invoice.id}
            rows[model].append(tuple(map(values.get, _COLUMNS[model])))
        for model, batch in rows.items():
            insert_rows(self.session, model.__table__, _COLUMNS[model], batch)
        self._new.clear()


_INSERT_ORDER = (Contact, Invoice, InvoiceLine, Payment, ExternalLink, ReconciliationRun)
_BULK = (Contact, Invoice, Payment, ExternalLink, ReconciliationRun)
_NUMBERED = (Contact, Invoice)  # new rows that other new rows refer to: ids allocated before the insert


def _insert_columns(model: type) -> tuple[str, ...]:
    """The columns a new row is inserted with; the database numbers the rows nothing refers to."""
    columns = [c for c in model.__table__.columns.keys() if c != "id" or issubclass(model, _NUMBERED)]
    if model is InvoiceLine:  # the parent's id last: save() appends it to each line
        columns.remove("invoice_id")
        columns.append("invoice_id")
    return tuple(columns)


_COLUMNS = {model: _insert_columns(model) for model in _INSERT_ORDER}


def _by_tenant(keys: Iterable[Key], size: int = 1000) -> Iterable[tuple[str, list[str]]]:
    """(tenant, host ids) groups, at most ``size`` ids each: index-friendly ``IN`` lists."""
    grouped: dict[str, list[str]] = {}
    for tenant, host_id in keys:
        grouped.setdefault(tenant, []).append(host_id)
    for tenant, host_ids in sorted(grouped.items()):
        host_ids.sort()
        for start in range(0, len(host_ids), size):
            yield tenant, host_ids[start:start + size]
