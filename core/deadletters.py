"""Dead letters: list, show, replay after a fix, discard.

Replaying puts the original body back on the bus through the outbox (so it works with the
in-process bus too), under a new outbox message id; the event inside keeps its own id, so an
event that was in fact applied meanwhile is recognised as a duplicate, not applied twice.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence

from sqlmodel import Session, select

from core.bootstrap import App
from core.db.models import DeadLetter, OutboxMessage, utcnow
from core.events.model import routing_key

REPLAY_NAMESPACE = uuid.UUID("5b0c5e0e-52a7-4d55-9f57-6c6564676572")


def open_dead_letters(app: App, tenant: str | None = None, ids: Sequence[int] = (), include_closed: bool = False,
                      limit: int | None = None) -> list[DeadLetter]:
    """Dead letters, oldest first; by default only those neither replayed nor discarded."""
    statement = select(DeadLetter).order_by(DeadLetter.id)
    if not include_closed:
        statement = statement.where(DeadLetter.replayed_at.is_(None), DeadLetter.discarded_at.is_(None))
    if tenant is not None:
        statement = statement.where(DeadLetter.tenant == tenant)
    if ids:
        statement = statement.where(DeadLetter.id.in_(list(ids)))
    if limit is not None:
        statement = statement.limit(limit)
    with app.session() as session:
        return list(session.exec(statement).all())


def replay(app: App, letters: Sequence[DeadLetter]) -> int:
    """Queue each dead letter's original body again; mark it replayed. Returns how many."""
    now = utcnow()
    with app.session() as session, session.begin():
        for letter in _fresh(session, letters):
            key = letter.routing_key or _routing_key_of(letter)
            session.add(OutboxMessage(
                event_id=str(uuid.uuid5(REPLAY_NAMESPACE, f"{letter.id}:{now.isoformat()}")),
                event_type=letter.event_type or "unknown", tenant=letter.tenant or "unknown",
                routing_key=key, body=letter.body, created_at=now))
            letter.replayed_at = now
    return len(letters)


def discard(app: App, letters: Sequence[DeadLetter]) -> int:
    """Mark dead letters as dealt with (they stay in the table for the record)."""
    now = utcnow()
    with app.session() as session, session.begin():
        for letter in _fresh(session, letters):
            letter.discarded_at = now
    return len(letters)


def _fresh(session: Session, letters: Sequence[DeadLetter]) -> list[DeadLetter]:
    return list(session.exec(select(DeadLetter).where(DeadLetter.id.in_([l.id for l in letters]))).all())


def _routing_key_of(letter: DeadLetter) -> str:
    try:
        envelope = json.loads(letter.body)
        return routing_key(str(envelope["type"]), str(envelope["tenant"]))
    except (ValueError, KeyError, TypeError):
        return "unknown.unknown"
