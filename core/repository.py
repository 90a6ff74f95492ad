"""Repositories: how handlers find and add ledger documents, without knowing about SQL.

:class:`SqlRepository` works on a SQLModel session and keeps what a batch has seen or added in
memory, so one batch of events is one flush of multi-row INSERTs rather than a query per
event. Tests use the in-memory fake in ``tests/fakes.py``, which has the same methods.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from sqlmodel import Session, select, tuple_

from core.db.models import (
    Contact, DeadLetter, ExternalLink, Invoice, OutboxMessage, Payment, ReconciliationRun,
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

    # -- preloading: one query per table for a whole batch ---------------------------------------
    def preload(self, contacts: Iterable[Key] = (), invoices: Iterable[Key] = (), payments: Iterable[Key] = ()) -> None:
        self._preload(Contact, self._contacts, contacts)
        loaded = self._preload(Invoice, self._invoices, invoices)
        self._preload(Payment, self._payments, payments)
        if loaded:
            keys = {("invoice", i.tenant, i.host_id) for i in loaded}
            self._preload_links(keys)

    def _preload(self, model: type, cache: dict, keys: Iterable[Key]) -> list:
        wanted = {k for k in keys if k not in cache}
        if not wanted:
            return []
        found = []
        for chunk in _chunks(sorted(wanted), 500):
            rows = self.session.exec(select(model).where(tuple_(model.tenant, model.host_id).in_(chunk))).all()
            found.extend(rows)
        for key in wanted:
            cache[key] = None
        for row in found:
            cache[(row.tenant, row.host_id)] = row
        return found

    def _preload_links(self, keys: set[tuple[str, str, str]]) -> None:
        for chunk in _chunks(sorted(keys), 500):
            stmt = select(ExternalLink).where(
                tuple_(ExternalLink.document_type, ExternalLink.tenant, ExternalLink.document_host_id).in_(chunk))
            for link in self.session.exec(stmt).all():
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


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
