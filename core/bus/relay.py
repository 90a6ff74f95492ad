"""The outbox relay: publishes committed outbox rows, oldest first, and marks them published.

Rows are marked only after the broker confirmed them, so a crash or broker outage in between
publishes them again (at-least-once; consumers are idempotent on the event id). On PostgreSQL a
transaction-scoped advisory lock keeps concurrent relays from publishing out of order.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, text, update
from sqlmodel import Session, select

from core.bus.publisher import BatchPublisher, Outgoing
from core.db.models import OutboxMessage, utcnow

RELAY_LOCK_KEY = 0x4C42_0001  # pg_advisory lock id for "ledgerbridge outbox relay"


class OutboxRelay:
    def __init__(self, session_factory: Callable[[], Session], publisher: BatchPublisher, batch_size: int = 500):
        self.session_factory = session_factory
        self.publisher = publisher
        self.batch_size = batch_size

    def publish_pending(self) -> int:
        """Publish up to one batch of unpublished rows; return how many were published."""
        with self.session_factory() as session, session.begin():
            if session.get_bind().dialect.name == "postgresql":
                locked = session.exec(text("SELECT pg_try_advisory_xact_lock(:key)"),
                                      params={"key": RELAY_LOCK_KEY}).scalar()
                if not locked:
                    return 0
            rows = session.exec(
                select(OutboxMessage.id, OutboxMessage.routing_key, OutboxMessage.body, OutboxMessage.event_id)
                .where(OutboxMessage.published_at.is_(None))
                .order_by(OutboxMessage.id)
                .limit(self.batch_size)
            ).all()
            if not rows:
                return 0
            self.publisher.publish(Outgoing(r.routing_key, r.body, r.event_id) for r in rows)
            session.exec(update(OutboxMessage).where(OutboxMessage.id.in_([r.id for r in rows]))
                         .values(published_at=utcnow()))
            return len(rows)

    def backlog(self) -> int:
        with self.session_factory() as session:
            return session.exec(select(func.count()).select_from(OutboxMessage)
                                .where(OutboxMessage.published_at.is_(None))).one()
