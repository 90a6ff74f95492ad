"""Applying a batch of inbound messages to the ledger in one transaction.

For each message: validate (bad JSON or schema → dead letter), check the tenant (unknown or
disabled → dead letter), skip event ids already processed (counted as duplicates), run the
handler (a :class:`~core.handlers.HandlingError` → dead letter), record the event id as
processed, and record the events the change causes in the outbox — all in the same
transaction. If anything unexpected fails, the batch is rolled back and its messages are
applied one at a time, so one poison message cannot hold the others back.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import uuid4

import structlog
from structlog.contextvars import bind_contextvars, reset_contextvars
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from core.config import Settings
from core.db.bulk import insert_rows
from core.db.engine import one_of, planned_for_values
from core.db.models import DeadLetter, OutboxMessage, ProcessedEvent, utcnow
from core.events import model
from core.events.parse import EventError, parse_event
from core.handlers import HANDLERS, Context, HandlingError
from core.repository import SqlRepository

log = structlog.get_logger("ledgerbridge.inbound")


@dataclass(frozen=True)
class Inbound:
    """One message as it came off the bus (or out of a dead letter being replayed)."""

    body: bytes | str
    source: str
    routing_key: str | None = None


@dataclass
class Outcome:
    applied: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    reasons: list[str] = field(default_factory=list)

    def add(self, other: "Outcome") -> None:
        self.applied += other.applied
        self.duplicates += other.duplicates
        self.dead_lettered += other.dead_lettered
        self.reasons.extend(other.reasons)


def _text(body: bytes | str) -> str:
    if isinstance(body, str):
        return body
    return body.decode("utf-8", errors="replace")


def dead_letter(message: Inbound, reason: str, error: EventError | None = None, event: model.Event | None = None) -> DeadLetter:
    """A dead-letter row keeping the original body and the reason."""
    known = event or error
    return DeadLetter(
        source=message.source, routing_key=message.routing_key, body=_text(message.body), reason=reason,
        event_id=getattr(known, "event_id", None) or getattr(known, "id", None),
        event_type=getattr(known, "event_type", None) or getattr(known, "type", None),
        tenant=getattr(known, "tenant", None), received_at=utcnow(),
    )


def outbox_message(event_type: str, tenant: str, data: dict[str, Any], now: datetime) -> OutboxMessage:
    """An internal event (same envelope as host events) to publish after commit."""
    event_id = str(uuid4())
    body = json.dumps({"id": event_id, "type": event_type, "tenant": tenant, "occurred_at": now.isoformat(),
                       "schema_version": 1, "data": data}, separators=(",", ":"))
    return OutboxMessage(event_id=event_id, event_type=event_type, tenant=tenant,
                         routing_key=model.routing_key(event_type, tenant), body=body, created_at=now)


class InboundProcessor:
    """Applies batches of inbound messages; one instance per worker."""

    def __init__(self, settings: Settings, session_factory: Callable[[], Session], plugins: Any = None):
        self.settings = settings
        self.session_factory = session_factory
        self.plugins = plugins  # refusals by capability, and event observers (core.plugins.Plugins)

    def process(self, messages: Sequence[Inbound]) -> Outcome:
        """Apply ``messages`` (commits); returns what happened. Database outages propagate."""
        if not messages:
            return Outcome()
        try:
            return self._apply(messages)
        except OperationalError:
            raise
        except Exception:  # noqa: BLE001 — isolate the poison message
            if len(messages) == 1:
                log.exception("message failed", source=messages[0].source, routing_key=messages[0].routing_key)
                return self._apply_failed(messages[0])
            log.warning("batch failed; applying its messages one by one", size=len(messages), exc_info=True)
            total = Outcome()
            for message in messages:
                total.add(self.process([message]))
            return total

    # -- one transaction ---------------------------------------------------------------------------
    def _apply(self, messages: Sequence[Inbound]) -> Outcome:
        outcome = Outcome()
        now = utcnow()
        observing = self.plugins is not None and self.plugins.observing
        observed: list[tuple[str, str | bytes]] = []  # (tenant, body) shown to observers after commit
        with self.session_factory() as session, session.begin(), session.no_autoflush:
            repo = SqlRepository(session)
            accepted: list[tuple[Inbound, model.Event]] = []
            seen: set[str] = set()
            for message in messages:
                event = self._validate(message, session, outcome)
                if event is None:
                    continue
                if event.id in seen:
                    outcome.duplicates += 1
                    continue
                seen.add(event.id)
                accepted.append((message, event))

            with planned_for_values(session):
                done = set(session.exec(select(ProcessedEvent.event_id).where(one_of(
                    ProcessedEvent.event_id, [e.id for _, e in accepted], session.get_bind().dialect.name)))) if accepted else set()
                fresh = [(m, e) for m, e in accepted if e.id not in done]
                _preload(repo, [e for _, e in fresh], self.settings)
            outcome.duplicates += len(accepted) - len(fresh)

            syncs: set[tuple[str, str]] = set()
            processed: list[tuple[str, str, str, datetime]] = []
            for message, event in fresh:
                ctx = Context(repo=repo, tenant=self.settings.tenants[event.tenant], now=now)
                if self.plugins is not None:
                    ctx.refusal = self.plugins.refusal
                bound = bind_contextvars(**event.log_context())  # cheaper than bound_contextvars(), same effect
                try:
                    HANDLERS[event.type](event, ctx)
                except HandlingError as exc:
                    self._dead(session, outcome, dead_letter(message, str(exc), event=event))
                    continue
                finally:
                    reset_contextvars(**bound)
                processed.append((event.id, event.type, event.tenant, now))
                syncs.update((event.tenant, package) for package in ctx.to_sync)
                if observing:
                    observed.append((event.tenant, message.body))
                for event_type, data in ctx.emitted:
                    row = outbox_message(event_type, event.tenant, data, now)
                    session.add(row)
                    if observing:
                        observed.append((event.tenant, row.body))
                outcome.applied += 1
            for tenant, package in sorted(syncs):
                session.add(outbox_message("sync-requested", tenant, {"package": package}, now))
            repo.save()
            insert_rows(session, ProcessedEvent.__table__, _PROCESSED_COLUMNS, processed)
        for tenant, body in observed:  # committed: now the world may know
            self.plugins.observe(tenant, json.loads(body))
        return outcome

    def _validate(self, message: Inbound, session: Session, outcome: Outcome) -> model.Event | None:
        try:
            event = parse_event(message.body)
        except EventError as exc:
            self._dead(session, outcome, dead_letter(message, exc.reason, error=exc))
            return None
        tenant = self.settings.tenants.get(event.tenant)
        if tenant is None:
            reason = f"tenant {event.tenant!r} is not in tenants.toml"
        elif not tenant.enabled:
            reason = f"tenant {event.tenant!r} is disabled in tenants.toml; replay this dead letter after enabling it"
        else:
            return event
        self._dead(session, outcome, dead_letter(message, reason, event=event))
        return None

    @staticmethod
    def _dead(session: Session, outcome: Outcome, row: DeadLetter) -> None:
        session.add(row)
        outcome.dead_lettered += 1
        outcome.reasons.append(row.reason)
        log.warning("dead-lettered", reason=row.reason, event_id=row.event_id, tenant=row.tenant, source=row.source)

    def _apply_failed(self, message: Inbound) -> Outcome:
        """A single message whose transaction failed: duplicate after a race, or a handler bug."""
        try:
            event = parse_event(message.body)
        except EventError:
            event = None
        with self.session_factory() as session, session.begin():
            if event is not None and session.get(ProcessedEvent, event.id) is not None:
                return Outcome(duplicates=1)
            outcome = Outcome()
            reason = "handler failed unexpectedly (see worker log); replay after the fix"
            self._dead(session, outcome, dead_letter(message, reason, event=event))
            return outcome


_PROCESSED_COLUMNS = ("event_id", "event_type", "tenant", "processed_at")


def _preload(repo: SqlRepository, events: list[model.Event], settings: Settings) -> None:
    contacts, invoices, payments = set(), set(), set()
    packages = {settings.tenants[e.tenant].accounting for e in events} - {None}
    for event in events:
        payload = event.payload
        if isinstance(payload, model.InvoiceData):
            contacts.add((event.tenant, payload.contact.id))
            invoices.add((event.tenant, payload.invoice_id))
        elif isinstance(payload, model.InvoiceVoidedData):
            invoices.add((event.tenant, payload.invoice_id))
        elif isinstance(payload, model.PaymentData):
            invoices.add((event.tenant, payload.invoice_id))
            payments.add((event.tenant, payload.payment_id))
        elif isinstance(payload, model.PaymentRemovedData):
            payments.add((event.tenant, payload.payment_id))
    repo.preload(contacts=contacts, invoices=invoices, payments=payments, packages=packages)

