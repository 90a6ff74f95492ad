"""Pushing: pending sync links of one tenant go to its accounting package through the connector.

Order is dependency order — contacts, then invoices and bills (creates and updates, then voids),
then payments (removals last) — so a payment never reaches the package before its invoice, nor a
void before its create. Each step sends batches (the connector decides how to split them further).

Outcomes per document:

* accepted → link ``pushed`` with the remote id/version (``pending`` again if the local document
  changed meanwhile, so the newer version follows);
* refused by the package, or not allowed by the edition → ``failed`` with the package's own text;
* the whole call failed for a passing reason (outage, timeout, 429) → the run for this tenant
  stops, the documents stay ``pending`` and the tenant's connection is held back by the circuit
  breaker (:mod:`core.health`): nothing more is sent until it has passed, and once the connection
  is ``down`` a cheap probe goes first; the backlog drains by itself when the package answers;
* one document's own transient trouble (a plugin bug, a per-element "try again") → stays
  ``pending``, ``attempts`` + 1 and a ``next_attempt_at`` on a capped exponential schedule
  (1 min → 6 h, honouring Retry-After); never dropped, never spinning;
* waiting for a dependency (its contact or invoice is not in the package yet) → stays ``pending``
  until the dependency's next attempt.

Nothing is held locked while the package is called: links are read in one short transaction and
results recorded in another, comparing versions so that a change made in between is not lost.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

import structlog
from sqlalchemy import update
from sqlmodel import Session, select

from core.accounting import (
    AccountingError, Capability, Connector, NeedsReauth, PushResult, TenantContext, TransientError, Unsupported,
)
from core.connections import NotConnectable, open_connector
from core.db.models import Contact, ExternalLink, Invoice, InvoiceLine, Payment, utcnow
from core.health import Breaker
from core.inbound import outbox_message
from core.local_documents import contact_document, invoice_document, payment_document

if TYPE_CHECKING:
    from core.bootstrap import App

log = structlog.get_logger(__name__)

FIRST_RETRY = timedelta(minutes=1)
LAST_RETRY = timedelta(hours=6)


def next_attempt(now: datetime, attempts: int, retry_after: float | None = None,
                 first: timedelta = FIRST_RETRY, last: timedelta = LAST_RETRY) -> datetime:
    """1, 2, 4 … minutes (±20 % jitter), at most 6 hours; never sooner than the package asked."""
    delay = min(last, first * 2 ** max(attempts - 1, 0)) * random.uniform(0.8, 1.2)
    if retry_after:
        delay = max(delay, timedelta(seconds=retry_after))
    return now + delay


@dataclass
class PushReport:
    tenant: str
    package: str | None = None
    pushed: Counter = field(default_factory=Counter)   # document type → count
    failed: Counter = field(default_factory=Counter)
    waiting: Counter = field(default_factory=Counter)  # transient trouble or a dependency not there yet
    skipped: str | None = None  # why nothing was attempted
    held_until: datetime | None = None  # the connection is held back until then (circuit breaker)
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (type, host id, message)
    failures: list[tuple[str, str, str, int]] = field(default_factory=list)  # (type, host id, message, attempts)

    @property
    def total_pushed(self) -> int:
        return sum(self.pushed.values())


@dataclass
class _Item:
    """One link to push, with the document as the connector sees it (or why it cannot go yet)."""

    link: ExternalLink
    document: object = None
    operation: str = ""        # connector method
    capability: Capability | None = None
    nothing_to_do: bool = False  # e.g. voided before it was ever pushed
    waiting_for: str | None = None
    retry_at: datetime | None = None


class Pusher:
    """Pushes what is due for one tenant. Stateless between calls; safe to call repeatedly."""

    def __init__(self, app: "App", now: Callable[[], datetime] = utcnow, batch_size: int | None = None,
                 stopping: Callable[[], bool] = lambda: False):
        settings = app.settings.push
        self.app = app
        self.now = now
        self.batch_size = batch_size or settings.batch_size
        self.lease = timedelta(seconds=settings.lease_seconds)
        self.first_retry = timedelta(seconds=settings.retry_min_seconds)
        self.last_retry = timedelta(seconds=settings.retry_max_seconds)
        self.breaker = Breaker(app, now)
        self._unhealthy = False
        self.stopping = stopping  # checked between batches: a worker asked to stop finishes the batch only

    def push(self, tenant: str) -> PushReport:
        report = PushReport(tenant)
        try:
            context, connector = open_connector(self.app, tenant)
        except (NotConnectable, Unsupported) as exc:
            report.skipped = str(exc)
            log.info("nothing pushed", tenant=tenant, reason=str(exc))
            return report
        report.package = context.package
        try:
            gate = self.breaker.gate(tenant, context.package)
            if gate.action == "wait" or (gate.action == "probe" and not self._probe(context, connector, report)):
                report.skipped = report.skipped or f"connection {gate.reason}"
                report.held_until = report.held_until or gate.until
                return report
            self._unhealthy = not gate.clean
            for document_type in ("contact", "invoice", "payment"):
                if not self._push_type(context, connector, document_type, report):
                    break
        finally:
            connector.close()
        if report.total_pushed or report.failed or report.waiting:
            log.info("pushed", tenant=tenant, package=context.package, pushed=dict(report.pushed),
                     failed=dict(report.failed), waiting=dict(report.waiting))
        return report

    def _probe(self, context: TenantContext, connector: Connector, report: PushReport) -> bool:
        """The connection is down and its hold has passed: does the package answer now?"""
        try:
            connector.probe()
        except TransientError as exc:
            row = self.breaker.failed(context.slug, context.package, exc)
            report.skipped, report.held_until = f"connection still down: {exc.message}", row.hold_until
            return False
        except NeedsReauth as exc:
            report.skipped = exc.message
            return False
        except AccountingError:
            pass  # it answered, if only to say no: the documents will say why
        self.breaker.succeeded(context.slug, context.package)
        return True

    def _answered(self, context: TenantContext) -> None:
        """A call went through: clear the failures on record (one write per run at most)."""
        if self._unhealthy:
            self.breaker.succeeded(context.slug, context.package)
            self._unhealthy = False

    # -- one document type ------------------------------------------------------------------------
    def _push_type(self, context: TenantContext, connector: Connector, document_type: str,
                   report: PushReport) -> bool:
        """Push every due link of this type; False when the connection needs attention (stop)."""
        after = 0  # id cursor: each link is looked at once per run
        while not self.stopping():
            candidates = self._candidates(context, document_type, after)
            if not candidates:
                return True
            after = candidates[-1]
            claimed = self._claim(candidates)
            if not claimed:
                continue  # another worker has them
            with self.app.session() as session:
                links = list(session.exec(select(ExternalLink).where(ExternalLink.id.in_(claimed))
                                          .order_by(ExternalLink.id)).all())
                build = {"contact": self._contacts, "invoice": self._invoices, "payment": self._payments}
                items = build[document_type](session, context, links)
            results: dict[int, PushResult | AccountingError] = {}
            groups: dict[str, list[_Item]] = {}
            for item in items:
                if item.operation and not item.waiting_for and item.capability in context.capabilities:
                    groups.setdefault(item.operation, []).append(item)
            for operation, group in sorted(groups.items(), key=lambda kv: _OPERATION_ORDER.index(kv[0])):
                try:
                    answers = getattr(connector, operation)([item.document for item in group])
                except NeedsReauth as exc:
                    self._record(context, items, results, report, stop=exc)
                    return False
                except TransientError as exc:  # the connection, not the documents: hold it back
                    row = self.breaker.failed(context.slug, context.package, exc)
                    results.update({item.link.id: exc for item in group})
                    report.held_until = row.hold_until
                    self._record(context, items, results, report, stop=exc, hold=row.hold_until)
                    return False
                except AccountingError as exc:
                    answers = [exc] * len(group)
                except Exception as exc:  # a plugin bug must not lose documents: retry later, loudly
                    log.exception("connector failed", tenant=context.slug, operation=operation)
                    answers = [TransientError(f"plugin error in {operation}: {exc!r}")] * len(group)
                else:
                    self._answered(context)
                    if len(answers) != len(group):
                        log.error("connector answered the wrong number of results", tenant=context.slug,
                                  operation=operation, answers=len(answers), documents=len(group))
                        answers = [TransientError(f"plugin error: {operation} answered {len(answers)} results "
                                                  f"for {len(group)} documents")] * len(group)
                results.update({item.link.id: answer for item, answer in zip(group, answers)})  # type: ignore[misc]
            self._record(context, items, results, report)
            if len(candidates) < self.batch_size:
                return True
        return False

    def _candidates(self, context: TenantContext, document_type: str, after: int) -> list[int]:
        """Ids of due links of this type after the cursor, oldest first."""
        now = self.now()
        with self.app.session() as session:
            return list(session.exec(
                select(ExternalLink.id)
                .where(ExternalLink.tenant == context.slug, ExternalLink.package == context.package,
                       ExternalLink.document_type == document_type, ExternalLink.state == "pending",
                       ExternalLink.id > after,
                       (ExternalLink.next_attempt_at == None) | (ExternalLink.next_attempt_at <= now))  # noqa: E711
                .order_by(ExternalLink.id).limit(self.batch_size)).all())

    def _claim(self, ids: list[int]) -> list[int]:
        """Claim due links for this run: count the attempt and lease them, in one committed UPDATE.

        Only links still due are taken, so two pushers never send the same document at once; the
        attempt is counted *before* anything is sent, so after a crash the next run knows the
        document may already be in the package and looks it up before creating it."""
        now = self.now()
        with self.app.session() as session, session.begin():
            return list(session.execute(
                update(ExternalLink)
                .where(ExternalLink.id.in_(ids), ExternalLink.state == "pending",
                       (ExternalLink.next_attempt_at == None) | (ExternalLink.next_attempt_at <= now),  # noqa: E711
                       (ExternalLink.claimed_until == None) | (ExternalLink.claimed_until <= now))  # noqa: E711
                .values(attempts=ExternalLink.attempts + 1, next_attempt_at=now + self.lease,
                        claimed_until=now + self.lease)
                .returning(ExternalLink.id)).scalars().all())

    def _contacts(self, session: Session, context: TenantContext, links: list[ExternalLink]) -> list[_Item]:
        rows = _by_host_id(session, Contact, context.slug, [link.document_host_id for link in links])
        items = []
        for link in links:
            contact = rows[link.document_host_id]
            # a customer goes with invoices, a supplier with bills; one that is both with either
            wanted = ([Capability.PUSH_INVOICES] if contact.is_customer else []) + \
                     ([Capability.PUSH_BILLS] if contact.is_supplier else [])
            capability = next((c for c in wanted if c in context.capabilities), (wanted or [Capability.PUSH_INVOICES])[0])
            items.append(_Item(link, contact_document(contact, link), "push_contacts", capability))
        return items

    def _invoices(self, session: Session, context: TenantContext, links: list[ExternalLink]) -> list[_Item]:
        invoices = _by_host_id(session, Invoice, context.slug, [link.document_host_id for link in links])
        ids = [invoice.id for invoice in invoices.values()]
        lines: dict[int, list[InvoiceLine]] = {}
        for line in session.exec(select(InvoiceLine).where(InvoiceLine.invoice_id.in_(ids))).all():
            lines.setdefault(line.invoice_id, []).append(line)
        contacts = {c.id: c for c in session.exec(select(Contact).where(
            Contact.id.in_([invoice.contact_id for invoice in invoices.values()]))).all()}
        contact_links = _links(session, context, "contact", [c.host_id for c in contacts.values()])
        items = []
        for link in links:
            invoice = invoices[link.document_host_id]
            contact = contacts[invoice.contact_id]
            contact_link = contact_links.get(contact.host_id)
            document = invoice_document(invoice, lines.get(invoice.id, []),  # type: ignore[arg-type]
                                        contact_document(contact, contact_link), link)
            item = _Item(link, document)
            if invoice.status == "voided":
                if link.remote_id is None:
                    item.nothing_to_do = True
                else:
                    item.operation, item.capability = "void_invoices", Capability.VOID_INVOICES
            else:
                item.operation = "push_invoices"
                item.capability = (Capability.UPDATE_INVOICES if link.remote_id else
                                   Capability.PUSH_INVOICES if invoice.ledger == "sales" else Capability.PUSH_BILLS)
                _needs(item, f"contact {contact.host_id}", contact_link)
            items.append(item)
        return items

    def _payments(self, session: Session, context: TenantContext, links: list[ExternalLink]) -> list[_Item]:
        payments = _by_host_id(session, Payment, context.slug, [link.document_host_id for link in links])
        invoices = {i.id: i for i in session.exec(select(Invoice).where(
            Invoice.id.in_([p.invoice_id for p in payments.values()]))).all()}
        invoice_links = _links(session, context, "invoice", [i.host_id for i in invoices.values()])
        items = []
        for link in links:
            payment = payments[link.document_host_id]
            invoice = invoices[payment.invoice_id]
            invoice_link = invoice_links.get(invoice.host_id)
            item = _Item(link, payment_document(payment, invoice, invoice_link, link))
            if payment.status == "removed":
                if link.remote_id is None:
                    item.nothing_to_do = True
                else:
                    item.operation, item.capability = "remove_payments", Capability.PUSH_PAYMENTS
            else:
                item.operation, item.capability = "push_payments", Capability.PUSH_PAYMENTS
                _needs(item, f"invoice {invoice.host_id}", invoice_link)
            items.append(item)
        return items

    # -- recording outcomes ---------------------------------------------------------------------------
    def _record(self, context: TenantContext, items: list[_Item], results: dict, report: PushReport,
                stop: AccountingError | None = None, hold: datetime | None = None) -> None:
        """Write every item's outcome. *stop*: the run ends on this connection-level error; items
        not sent wait for the connection (until *hold*), items whose call it broke likewise."""
        now = self.now()
        failed_before = len(report.failures)
        with self.app.session() as session, session.begin():
            fresh = {link.id: link for link in session.exec(select(ExternalLink).where(
                ExternalLink.id.in_([item.link.id for item in items]))).all()}
            for item in items:
                link = fresh.get(item.link.id)
                if link is None:
                    continue
                link.claimed_until = None
                kind = item.link.document_type
                if stop is not None and (link.id not in results or results[link.id] is stop):
                    if link.id not in results:
                        link.attempts = max(link.attempts - 1, 0)  # claimed, but never sent
                    self._wait(link, now, f"waiting for the connection: {stop.message}", hold or now + self.first_retry)
                    report.waiting[kind] += 1
                    if link.id in results:
                        report.errors.append((kind, link.document_host_id, stop.message))
                    continue
                pushed_version = item.link.version
                if item.nothing_to_do:
                    self._done(link, now, pushed_version, link.remote_id, link.remote_version)
                    report.pushed[kind] += 1
                elif item.capability and item.capability not in context.capabilities:
                    message = str(Unsupported(context.package, context.edition, item.capability, tenant=context.slug))
                    self._fail(link, now, message, report, kind)
                elif item.waiting_for:
                    link.attempts = max(link.attempts - 1, 0)  # claimed, but never sent
                    self._wait(link, now, f"waiting for {item.waiting_for}", item.retry_at)
                    report.waiting[kind] += 1
                else:
                    answer = results.get(link.id)  # type: ignore[arg-type]
                    if isinstance(answer, PushResult) and answer.ok:
                        self._done(link, now, pushed_version, answer.remote_id or link.remote_id,
                                   answer.remote_version)
                        report.pushed[kind] += 1
                    elif isinstance(answer, PushResult) and answer.error and answer.error.kind == "permanent":
                        self._fail(link, now, answer.error.message, report, kind)
                    elif isinstance(answer, AccountingError) and not isinstance(answer, TransientError):
                        self._fail(link, now, answer.message, report, kind)
                    else:
                        message = (answer.error.message if isinstance(answer, PushResult) and answer.error
                                   else getattr(answer, "message", "no answer from the connector"))
                        retry_after = answer.retry_after if isinstance(answer, TransientError) else None
                        self._wait(link, now, message, next_attempt(now, max(link.attempts, 1), retry_after,
                                                                   self.first_retry, self.last_retry))
                        report.waiting[kind] += 1
                        report.errors.append((kind, link.document_host_id, message))
            notices = [outbox_message("push-failed", context.slug, {
                "document_type": kind, "document_id": host_id, "package": context.package, "message": message,
                "attempts": attempts}, now) for kind, host_id, message, attempts in report.failures[failed_before:]]
            session.add_all(notices)
        if notices and self.app.plugins.observing:  # committed: tell the observers
            for notice in notices:
                self.app.plugins.observe(context.slug, json.loads(notice.body))

    @staticmethod
    def _done(link: ExternalLink, now: datetime, version: int, remote_id: str | None,
              remote_version: str | None) -> None:
        link.remote_id, link.remote_version = remote_id, remote_version
        link.pushed_version = max(link.pushed_version, version)
        link.state = "pushed" if link.version <= version else "pending"  # changed meanwhile: push again
        link.attempts, link.last_error, link.next_attempt_at, link.updated_at = 0, None, None, now

    @staticmethod
    def _fail(link: ExternalLink, now: datetime, message: str, report: PushReport, kind: str) -> None:
        """Refused for good: ``failed`` with the package's words, and a ``push-failed`` notification."""
        link.state, link.last_error, link.next_attempt_at, link.updated_at = "failed", message, None, now
        report.failed[kind] += 1
        report.failures.append((kind, link.document_host_id, message, link.attempts))
        report.errors.append((kind, link.document_host_id, message))

    def _wait(self, link: ExternalLink, now: datetime, message: str, until: datetime | None) -> None:
        link.last_error, link.updated_at = message, now
        link.next_attempt_at = until or now + self.first_retry


_OPERATION_ORDER = ["push_contacts", "push_invoices", "void_invoices", "push_payments", "remove_payments"]


def _needs(item: _Item, what: str, dependency: ExternalLink | None) -> None:
    """Mark *item* as waiting unless *dependency* is already in the package."""
    if dependency is not None and dependency.remote_id is not None:
        return
    item.waiting_for = what if dependency is None or dependency.state != "failed" else \
        f"{what}, which failed: {dependency.last_error}"
    if dependency is not None and dependency.next_attempt_at is not None:
        item.retry_at = dependency.next_attempt_at


def _by_host_id(session: Session, model, tenant: str, host_ids: Sequence[str]) -> dict:
    rows = session.exec(select(model).where(model.tenant == tenant, model.host_id.in_(list(host_ids)))).all()
    return {row.host_id: row for row in rows}


def _links(session: Session, context: TenantContext, document_type: str, host_ids: Sequence[str]) -> dict:
    rows = session.exec(select(ExternalLink).where(
        ExternalLink.tenant == context.slug, ExternalLink.package == context.package,
        ExternalLink.document_type == document_type,
        ExternalLink.document_host_id.in_(list(host_ids)))).all()
    return {row.document_host_id: row for row in rows}


def due_tenants(app: "App", now: datetime) -> list[str]:
    """Tenants with documents due for a push (new, or their next attempt has come)."""
    with app.session() as session:
        return sorted(session.exec(
            select(ExternalLink.tenant).distinct()
            .where(ExternalLink.state == "pending",
                   (ExternalLink.next_attempt_at == None) | (ExternalLink.next_attempt_at <= now))).all())  # noqa: E711


class PushLoop(threading.Thread):
    """The worker's pusher: pushes the tenants it is asked to (``sync-requested`` messages) and,
    every ``scan_interval`` seconds, every tenant whose documents are due — so retries after an
    outage happen by themselves. The database is the source of truth; requests are only nudges.
    """

    def __init__(self, app: "App", scan_interval: float | None = None, now: Callable[[], datetime] = utcnow):
        super().__init__(name="ledgerbridge-push", daemon=True)
        self.app, self.now = app, now
        self.scan_interval = scan_interval or app.settings.push.scan_seconds
        self.pusher = Pusher(app, now=now, stopping=lambda: self._stopping.is_set())
        self.pushed = 0
        self._wanted: set[str] = set()
        self._busy = False
        self._wake = threading.Condition()
        self._stopping = threading.Event()
        self._next_scan = 0.0  # scan at once on start

    def request(self, tenants: Iterable[str]) -> None:
        with self._wake:
            self._wanted.update(tenants)
            self._wake.notify()

    @property
    def idle(self) -> bool:
        with self._wake:
            return not self._wanted and not self._busy and time.monotonic() < self._next_scan

    def stop(self, timeout: float = 60.0) -> None:
        """Finish the batch in progress, then end."""
        self._stopping.set()
        with self._wake:
            self._wake.notify()
        self.join(timeout)

    def run(self) -> None:
        while not self._stopping.is_set():
            with self._wake:
                while not self._wanted and time.monotonic() < self._next_scan and not self._stopping.is_set():
                    self._wake.wait(max(self._next_scan - time.monotonic(), 0.01))
                tenants, self._wanted = self._wanted, set()
                scan = time.monotonic() >= self._next_scan
                self._busy = True
            try:
                if scan:
                    tenants |= set(due_tenants(self.app, self.now()))
                for tenant in sorted(tenants):
                    if self._stopping.is_set():
                        break
                    self.pushed += self.pusher.push(tenant).total_pushed
            except Exception:  # noqa: BLE001 — database trouble or a bug: log, keep the loop alive
                log.exception("push round failed; the documents stay pending and are tried again")
            finally:
                with self._wake:
                    self._busy = False
                    if scan:
                        self._next_scan = time.monotonic() + self.scan_interval
