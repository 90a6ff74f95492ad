"""Per-tenant connection health: a circuit breaker every worker shares through the ledger.

A failed call (outage, timeout, 5xx — after the HTTP client's own quick retries) holds the
tenant's connection back for ``probe_min_seconds``, doubling with each consecutive failure up to
``probe_max_seconds`` (never sooner than the package's Retry-After). After ``breaker_failures``
failures in a row the connection is ``down``: pushes queue, and when the hold ends one worker sends
the package's cheapest call (``Connector.probe``) instead of documents. When it answers, the
connection is ``up`` again and the backlog drains by itself. A rate limit (429) holds the
connection until the package's Retry-After without counting as a failure.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Callable, Literal

import structlog
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from core.accounting import TransientError
from core.db.models import ConnectionHealth, utcnow

if TYPE_CHECKING:
    from core.bootstrap import App

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Gate:
    """What a pusher may do with a tenant's connection now."""

    action: Literal["push", "probe", "wait"]
    reason: str = ""
    until: datetime | None = None
    clean: bool = True  # no failure on record: a success needs no write


class Breaker:
    """Reads and moves one tenant connection's health; safe to share between threads."""

    def __init__(self, app: "App", now: Callable[[], datetime] = utcnow):
        self.app, self.now = app, now
        self.settings = app.settings.push

    def gate(self, tenant: str, package: str) -> Gate:
        with self.app.session() as session:
            row = session.get(ConnectionHealth, (tenant, package))
        if row is None:
            return Gate("push")
        clean = row.state == "up" and not row.failures and not row.rate_limited
        if row.hold_until is not None and row.hold_until > self.now():
            return Gate("wait", describe(row), row.hold_until, clean)
        return Gate("probe" if row.state == "down" else "push", describe(row), None, clean)

    def succeeded(self, tenant: str, package: str) -> None:
        """The package answered: the connection is up, its failure count cleared."""
        now = self.now()
        with self.app.session() as session, session.begin():
            row = self._locked(session, tenant, package)
            was_down = row.state == "down"
            row.state, row.failures, row.rate_limited, row.hold_until = "up", 0, False, None
            row.down_since, row.last_ok_at, row.updated_at = None, now, now
        if was_down:
            log.info("connection is back; its backlog drains now", tenant=tenant, package=package)

    def failed(self, tenant: str, package: str, error: TransientError) -> ConnectionHealth:
        """A call failed for a passing reason: hold the connection back (and maybe mark it down)."""
        now = self.now()
        settings = self.settings
        with self.app.session() as session, session.begin():
            row = self._locked(session, tenant, package)
            row.last_error, row.last_failure_at, row.updated_at = error.message, now, now
            if error.rate_limited:
                row.rate_limited = True
                delay = error.retry_after or settings.probe_min_seconds
            else:
                row.failures += 1
                delay = min(settings.probe_max_seconds, settings.probe_min_seconds * 2 ** (row.failures - 1))
                delay *= random.uniform(1.0, 1.2)  # workers hit by one outage do not come back in step
                delay = max(delay, error.retry_after or 0)
                if row.failures >= settings.breaker_failures and row.state != "down":
                    row.state, row.down_since = "down", now
                    log.warning("connection down; pushes queue until a probe answers", tenant=tenant,
                                package=package, failures=row.failures, error=error.message)
            row.hold_until = max(row.hold_until or now, now + timedelta(seconds=delay))
            session.flush()
            session.expunge(row)
        return row

    @staticmethod
    def _locked(session, tenant: str, package: str) -> ConnectionHealth:
        """The row, locked for this transaction (created on first use; two workers may race)."""
        statement = select(ConnectionHealth).where(ConnectionHealth.tenant == tenant,
                                                   ConnectionHealth.package == package).with_for_update()
        row = session.exec(statement).first()
        if row is None:
            try:
                with session.begin_nested():
                    session.add(ConnectionHealth(tenant=tenant, package=package))
            except IntegrityError:
                pass
            row = session.exec(statement).one()
        return row


def describe(row: ConnectionHealth) -> str:
    """One line for a person: why the connection is held back and until when."""
    until = f" until {row.hold_until:%Y-%m-%d %H:%M:%S} UTC" if row.hold_until else ""
    if row.state == "down":
        since = f" since {row.down_since:%Y-%m-%d %H:%M:%S} UTC" if row.down_since else ""
        return f"down{since} after {row.failures} failed calls (next probe{until or ' due'}): {row.last_error}"
    if row.rate_limited:
        return f"rate limited{until}: {row.last_error}"
    if row.failures:
        return f"{row.failures} failed call(s), held back{until}: {row.last_error}"
    return "up"
