"""Retry after a fix: put a tenant's documents back in the push queue (``ledgerbridge retry``).

Waiting documents become due now and the connection's hold is lifted (a connection that is down
is probed first, so a still-dead package is not hammered). With ``failed`` the documents the package
refused — after a reconnect, an unlocked period, a corrected account code — go back to
``pending``; their attempt count is kept, so the connector looks each up before creating it again.
A ``sync-requested`` message tells running workers to push at once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import update
from sqlmodel import select

from core.bootstrap import App
from core.db.models import ConnectionHealth, ExternalLink, utcnow
from core.inbound import outbox_message


class NothingToRetry(LookupError):
    """The named document has no link to this tenant's package."""


@dataclass
class Requeued:
    tenant: str
    package: str
    failed: Counter = field(default_factory=Counter)    # document type → re-queued failed documents
    waiting: Counter = field(default_factory=Counter)   # document type → waiting documents made due now
    hold_lifted: bool = False

    @property
    def total(self) -> int:
        return sum(self.failed.values()) + sum(self.waiting.values())


def requeue(app: App, tenant: str, *, failed: bool = False, document: str | None = None,
            now: datetime | None = None) -> Requeued:
    """Make the tenant's waiting (and with *failed*, refused) documents due now; *document* (a host
    app id) limits it to that document — which may be a contact, an invoice or a payment."""
    config = app.settings.tenants[tenant]
    if not config.accounting:
        raise NothingToRetry(f"tenant {tenant!r} has no accounting package: there is nothing to push")
    package, now = config.accounting, now or utcnow()
    result = Requeued(tenant, package)
    mine = (ExternalLink.tenant == tenant) & (ExternalLink.package == package)
    if document is not None:
        mine = mine & (ExternalLink.document_host_id == document)
    with app.session() as session, session.begin():
        if document is not None and session.exec(select(ExternalLink.id).where(mine)).first() is None:
            raise NothingToRetry(f"no document {document!r} of tenant {tenant!r} is linked to {package}")
        states = ["pending", "failed"] if failed else ["pending"]
        rows = session.exec(select(ExternalLink.id, ExternalLink.document_type, ExternalLink.state).where(
            mine, ExternalLink.state.in_(states),
            (ExternalLink.state == "failed") | (ExternalLink.next_attempt_at > now),
            (ExternalLink.claimed_until == None) | (ExternalLink.claimed_until <= now))).all()  # noqa: E711 — not in flight
        for _, kind, state in rows:
            (result.failed if state == "failed" else result.waiting)[kind] += 1
        if rows:
            session.execute(update(ExternalLink).where(ExternalLink.id.in_([r[0] for r in rows])).values(
                state="pending", next_attempt_at=None, updated_at=now))
        health = session.get(ConnectionHealth, (tenant, package), with_for_update=True)
        if health is not None and health.hold_until is not None and health.hold_until > now:
            health.hold_until, health.rate_limited, health.updated_at = now, False, now
            result.hold_lifted = True
        session.add(outbox_message("sync-requested", tenant, {"package": package, "reason": "retry"}, now))
    return result
