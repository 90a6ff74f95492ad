"""``ledgerbridge ingest``: JSON lines → validated events in the outbox, ready for the bus.

Every valid line is kept; every rejected line is reported with its line number and reason;
an event id already seen (earlier in the file, in the outbox, or already processed) is counted
as a duplicate and not stored again. Lines are validated exactly as bus messages are; an event
for a disabled tenant is accepted here and dead-lettered by the worker (kept for replay).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import select

from core.bootstrap import App
from core.db.engine import one_of, planned_for_values
from core.db.models import OutboxMessage, ProcessedEvent, utcnow
from core.events.parse import EventError, parse_event


@dataclass(frozen=True)
class Rejection:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class IngestReport:
    source: str
    lines: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    disabled_tenant_events: int = 0

    def as_dict(self) -> dict:
        return {"source": self.source, "lines": self.lines, "accepted": self.accepted,
                "duplicates": self.duplicates, "rejected": len(self.rejected),
                "disabled_tenant_events": self.disabled_tenant_events,
                "rejections": [{"line": r.line, "reason": r.reason} for r in self.rejected]}


def ingest_lines(app: App, lines: Iterable[str], source: str, *, batch_size: int = 1000,
                 on_progress: Callable[[int], None] | None = None) -> IngestReport:
    """Validate ``lines`` and store the valid events in the outbox, ``batch_size`` per transaction."""
    report = IngestReport(source=source)
    seen: set[str] = set()
    batch: list[dict] = []
    for number, line in enumerate(lines, start=1):
        report.lines = number
        text = line.strip()
        if not text:
            continue
        try:
            event = parse_event(text)
        except EventError as exc:
            report.rejected.append(Rejection(number, exc.reason))
            continue
        tenant = app.settings.tenants.get(event.tenant)
        if tenant is None:
            report.rejected.append(Rejection(number, f"tenant: {event.tenant!r} is not in tenants.toml"))
            continue
        if event.id in seen:
            report.duplicates += 1
            continue
        seen.add(event.id)
        batch.append({"event_id": event.id, "event_type": event.type, "tenant": event.tenant,
                      "routing_key": event.routing_key, "body": text})
        if len(batch) >= batch_size:
            _store(app, batch, report)
            batch = []
            if on_progress:
                on_progress(number)
    if batch:
        _store(app, batch, report)
    if on_progress:
        on_progress(report.lines)
    return report


def _store(app: App, batch: list[dict], report: IngestReport) -> None:
    """Outbox rows for the batch's events not seen before (one executemany INSERT)."""
    ids = [m["event_id"] for m in batch]
    now = utcnow()
    with app.session() as session, session.begin():
        dialect = session.get_bind().dialect.name
        with planned_for_values(session):
            known = set(session.exec(select(OutboxMessage.event_id).where(one_of(OutboxMessage.event_id, ids, dialect))))
            known |= set(session.exec(select(ProcessedEvent.event_id).where(one_of(ProcessedEvent.event_id, ids, dialect))))
        rows = [{**m, "created_at": now} for m in batch if m["event_id"] not in known]
        if rows:
            dialect_module = postgresql if dialect == "postgresql" else sqlite
            # A concurrent ingest of the same ids loses the race quietly: the row exists either way.
            statement = dialect_module.insert(OutboxMessage.__table__).on_conflict_do_nothing(index_elements=["event_id"])
            session.exec(statement, params=rows)
    report.accepted += len(rows)
    report.duplicates += len(batch) - len(rows)
    report.disabled_tenant_events += sum(1 for row in rows if not app.settings.tenants[row["tenant"]].enabled)
