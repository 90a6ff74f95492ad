"""FakeBooks: an in-memory accounting package with a connector, for the core's own tests.

It follows the rules the real packages share — lookup before create, idempotency keys, payments
never above the amount due, a lock date, paging — and its :class:`FakeControl` implements the
conformance kit's :class:`core.testing.SandboxControl`. ``register(books)`` makes it a plugin.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from datetime import date

from core.accounting import (
    ALL, AccountingPackage, BaseConnector, Capability, ElementError, FixOutcome, PackageSettings,
    Posting, PushResult, Refusal, TransientError,
)
from core.plugins import hookimpl

RECEIVABLE, PAYABLE = "610", "800"


@dataclass
class FakeBooks:
    """The package's state (shared by every connector of the test, like a remote server)."""

    contacts: dict = field(default_factory=dict)   # remote id → Contact
    invoices: dict = field(default_factory=dict)   # remote id → Invoice
    payments: dict = field(default_factory=dict)   # remote id → Payment
    keys: dict = field(default_factory=dict)       # idempotency key → remote id
    failures: list = field(default_factory=list)
    page_size: int = 100
    lock_date: date | None = None
    calls: list = field(default_factory=list)      # (operation, tenant, count)
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def new_id(self, prefix: str) -> str:
        return f"{prefix}-{next(self.ids)}"

    def take_failure(self) -> str | None:
        return self.failures.pop(0) if self.failures else None


class FakeControl:
    def __init__(self, books: FakeBooks):
        self.books = books

    def fail_next(self, kind: str, count: int = 1) -> None:
        self.books.failures.extend([kind] * count)

    def set_page_size(self, size: int) -> None:
        self.books.page_size = size

    def lock_until(self, day: date) -> None:
        self.books.lock_date = day

    def count(self, document_type: str) -> int:
        if document_type == "contact":
            return len(self.books.contacts)
        if document_type == "invoice":
            return sum(1 for i in self.books.invoices.values() if i.status != "voided")
        return sum(1 for p in self.books.payments.values() if p.status == "active")


class FakeConnector(BaseConnector):
    package = "fakebooks"

    def __init__(self, books: FakeBooks, context):
        super().__init__(context)
        self.books, self.tenant = books, context.slug

    def _write(self, operation: str, documents, apply) -> list[PushResult]:
        self.allow(operation)
        self.books.calls.append((operation, self.tenant, len(documents)))
        failure = self.books.take_failure()
        if failure == "transient":
            raise TransientError("503 Service Unavailable: the books are closed for maintenance", status=503)
        if failure == "rate_limited":
            raise TransientError("429 Too Many Requests", status=429, retry_after=90, rate_limited=True)
        if failure == "element_transient":
            return [PushResult(error=ElementError("transient", "try again shortly")) for _ in documents]
        if failure == "permanent":
            return [PushResult(error=ElementError("permanent", "A validation error occurred: Account code is invalid"))
                    for _ in documents]
        results = [apply(document) for document in documents]
        if failure == "lost_response":
            raise TransientError("connection reset by peer")
        return results

    def _keyed(self, document, create) -> PushResult:
        if document.idempotency_key in self.books.keys:
            return PushResult(self.books.keys[document.idempotency_key], "1")
        result = create(document)
        if result.ok:
            self.books.keys[document.idempotency_key] = result.remote_id
        return result

    def push_contacts(self, contacts):
        def apply(contact):
            for remote_id, known in self.books.contacts.items():
                if (contact.number and known.number == contact.number) or known.name == contact.name:
                    return PushResult(remote_id, "1")
            remote_id = self.books.new_id("C")
            self.books.contacts[remote_id] = replace(contact, remote_id=remote_id)
            return PushResult(remote_id, "1")
        return self._write("push_contacts", contacts, apply)

    def push_invoices(self, invoices):
        def create(invoice):
            self.allow("push_invoices", Capability.UPDATE_INVOICES if invoice.remote_id else
                       Capability.PUSH_INVOICES if invoice.ledger == "sales" else Capability.PUSH_BILLS)
            if invoice.remote_id:
                current = self.books.invoices[invoice.remote_id]
                self.books.invoices[invoice.remote_id] = replace(invoice, amount_due=current.amount_due)
                return PushResult(invoice.remote_id, str(invoice.version))
            for remote_id, known in self.books.invoices.items():
                if known.number == invoice.number and known.ledger == invoice.ledger:
                    return PushResult(remote_id, "1")  # lookup before create
            if not invoice.contact.remote_id:
                return PushResult(error=ElementError("permanent", "Contact is required"))
            remote_id = self.books.new_id("I")
            self.books.invoices[remote_id] = replace(invoice, remote_id=remote_id, amount_due=invoice.total)
            return PushResult(remote_id, "1")
        return self._write("push_invoices", invoices, lambda invoice: self._keyed(invoice, create))

    def void_invoices(self, invoices):
        def apply(invoice):
            self.books.invoices[invoice.remote_id] = replace(self.books.invoices[invoice.remote_id], status="voided")
            return PushResult(invoice.remote_id, str(invoice.version))
        return self._write("void_invoices", invoices, apply)

    def push_payments(self, payments):
        def create(payment):
            invoice = self.books.invoices.get(payment.invoice.remote_id)
            if invoice is None:
                return PushResult(error=ElementError("permanent", "Invoice could not be found"))
            if payment.amount > invoice.amount_due:
                return PushResult(error=ElementError("permanent", "Payment amount exceeds the amount outstanding"))
            remote_id = self.books.new_id("P")
            self.books.invoices[invoice.remote_id] = replace(invoice, amount_due=invoice.amount_due - payment.amount)
            self.books.payments[remote_id] = replace(payment, remote_id=remote_id)
            return PushResult(remote_id, "1")
        return self._write("push_payments", payments, lambda payment: self._keyed(payment, create))

    def remove_payments(self, payments):
        def apply(payment):
            stored = self.books.payments[payment.remote_id]
            invoice = self.books.invoices[stored.invoice.remote_id]
            self.books.invoices[invoice.remote_id] = replace(invoice, amount_due=invoice.amount_due + stored.amount)
            self.books.payments[payment.remote_id] = replace(stored, status="removed")
            return PushResult(payment.remote_id, "2")
        return self._write("remove_payments", payments, apply)

    def _pages(self, items):
        for start in range(0, len(items), self.books.page_size):  # one "request" a page
            yield from items[start:start + self.books.page_size]

    def fetch_invoices(self, period, ledger=None, *, modified_since=None):
        self.allow("fetch_invoices")
        found = [i for i in self.books.invoices.values()
                 if (period is None or i.issue_date in period) and ledger in (None, i.ledger)]
        return self._pages(found)

    def fetch_payments(self, period, *, modified_since=None):
        self.allow("fetch_payments")
        return self._pages([p for p in self.books.payments.values() if period is None or p.date in period])

    def ledger_postings(self, period, accounts):
        self.allow("ledger_postings")
        return self._postings(period, accounts)

    def _postings(self, period, accounts):
        for invoice in self.books.invoices.values():
            if invoice.status != "voided" and invoice.accounting_date <= period.end:
                account, sign = (RECEIVABLE, 1) if invoice.ledger == "sales" else (PAYABLE, -1)
                if account in accounts:
                    yield Posting(invoice.accounting_date, account, sign * invoice.total, f"invoice {invoice.number}")

    def fix_invoice(self, local, remote):
        self.allow("fix_invoice")
        if self.books.lock_date and remote.accounting_date <= self.books.lock_date:
            return FixOutcome.refused(Refusal.LOCKED_PERIOD, f"The period is locked up to {self.books.lock_date}")
        self.books.invoices[remote.remote_id] = replace(local, remote_id=remote.remote_id, amount_due=remote.amount_due)
        return FixOutcome.done("updated")

    def probe(self) -> None:
        if self.books.failures and self.books.failures[0] == "transient":
            self.books.failures.pop(0)
            raise TransientError("503 Service Unavailable")


class FakeSettings(PackageSettings):
    region: str = "au"


def package(books: FakeBooks, name: str = "fakebooks") -> AccountingPackage:
    return AccountingPackage(
        name=name, title="FakeBooks",
        editions={"full": ALL - {Capability.WEBHOOKS},
                  "lite": {Capability.PUSH_INVOICES, Capability.PUSH_PAYMENTS}},
        default_edition="full", settings=FakeSettings,
        connect=lambda context: FakeConnector(books, context))


class FakeBooksPlugin:
    def __init__(self, books: FakeBooks):
        self.books = books

    @hookimpl
    def ledgerbridge_packages(self):
        return [package(self.books)]


def register(books: FakeBooks) -> list[tuple[str, object]]:
    """``extra=`` argument for :func:`core.plugins.load_plugins`."""
    return [("fakebooks", FakeBooksPlugin(books))]

