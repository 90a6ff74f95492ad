"""``ledgerbridge status``: per-tenant health, backlog, sync states, dead letters, outbox backlog.

JSON shape (keys may be added, never removed)::

    {"tenants": {"<slug>": {"invoices": n, "payments": n, "pending": n, "pushed": n, "failed": n,
                            "health": "healthy", "health_reason": "...", "backlog": n,
                            "oldest_pending_at": "...", "connection_health": {...}, ...}},
     "dead_letters": n, "outbox_backlog": n}

``health`` at a glance, worst first: ``needs_reauth`` / ``not_connected`` / ``disconnected`` (a
person must connect the tenant), ``down`` (the package does not answer: pushes queue, probes
check), ``rate_limited``, ``degraded`` (recent failed calls, held back), ``failing`` (documents the
package refused), ``backlogged`` (documents waiting), ``healthy``; ``records_only`` without a
package, ``disabled`` when switched off.
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table
from sqlmodel import Session, func, select

from core.bootstrap import App
from core.db.models import (
    Connection, ConnectionHealth, DeadLetter, ExternalLink, Invoice, OutboxMessage, Payment, ReconciliationRun, utcnow,
)
from core.health import describe

SYNC_STATES = ("pending", "pushed", "failed")


def _grouped(session: Session, *columns: Any, where: Any = None) -> dict:
    statement = select(*columns, func.count()).group_by(*columns)
    if where is not None:
        statement = statement.where(where)
    return {tuple(row[:-1]) if len(row) > 2 else row[0]: row[-1] for row in session.exec(statement).all()}


def collect_status(app: App, tenant: str | None = None) -> dict[str, Any]:
    """Counts straight from the ledger; ``tenant`` limits the per-tenant part to one tenant."""
    open_dead = DeadLetter.discarded_at.is_(None) & DeadLetter.replayed_at.is_(None)
    with app.session() as session:
        invoices = _grouped(session, Invoice.tenant)
        voided = _grouped(session, Invoice.tenant, where=Invoice.status == "voided")
        payments = _grouped(session, Payment.tenant, where=Payment.status == "active")
        links = _grouped(session, ExternalLink.tenant, ExternalLink.state)
        dead = _grouped(session, DeadLetter.tenant, where=open_dead)
        runs = _grouped(session, ReconciliationRun.tenant, where=ReconciliationRun.status == "requested")
        backlog = session.exec(select(func.count()).select_from(OutboxMessage)
                               .where(OutboxMessage.published_at.is_(None))).one()
        connections = {(c.tenant, c.package): c for c in session.exec(select(Connection)).all()}
        health = {(h.tenant, h.package): h for h in session.exec(select(ConnectionHealth)).all()}
        oldest = dict(session.exec(select(ExternalLink.tenant, func.min(ExternalLink.created_at))
                                   .where(ExternalLink.state == "pending").group_by(ExternalLink.tenant)).all())
        errors = dict(session.exec(  # the newest failure or retry reason per tenant
            select(ExternalLink.tenant, ExternalLink.last_error)
            .where(ExternalLink.last_error.is_not(None), ExternalLink.state != "pushed")
            .order_by(ExternalLink.updated_at)).all())
    slugs = sorted(set(app.settings.tenants) | set(invoices) | set(payments))
    if tenant is not None:
        slugs = [s for s in slugs if s == tenant]
    tenants: dict[str, Any] = {}
    for slug in slugs:
        config = app.settings.tenants.get(slug)
        package = config.accounting if config else None
        breaker = health.get((slug, package)) if package else None
        tenants[slug] = {
            "name": config.name if config else None,
            "enabled": config.enabled if config else False,
            "accounting": config.accounting if config else None,
            "edition": config.edition if config else None,
            "invoices": invoices.get(slug, 0),
            "voided_invoices": voided.get(slug, 0),
            "payments": payments.get(slug, 0),
            **{state: links.get((slug, state), 0) for state in SYNC_STATES},
            "dead_letters": dead.get(slug, 0),
            "reconciliations_requested": runs.get(slug, 0),
            "connection": _connection(connections.get((slug, config.accounting)) if config and config.accounting
                                      else None, config),
            "last_error": errors.get(slug),
            "backlog": links.get((slug, "pending"), 0),
            "oldest_pending_at": _iso(oldest.get(slug)),
            "connection_health": None if breaker is None else {
                "state": breaker.state, "failures": breaker.failures, "rate_limited": breaker.rate_limited,
                "hold_until": _iso(breaker.hold_until), "down_since": _iso(breaker.down_since),
                "last_error": breaker.last_error, "last_ok_at": _iso(breaker.last_ok_at)},
        }
        tenants[slug]["health"], tenants[slug]["health_reason"] = _health(tenants[slug], breaker, oldest.get(slug))
    return {"tenants": tenants, "dead_letters": sum(dead.values()), "outbox_backlog": backlog}


def _health(row: dict[str, Any], breaker: ConnectionHealth | None, oldest: Any) -> tuple[str, str]:
    """The one word a person needs, and why."""
    if not row["enabled"]:
        return "disabled", "switched off in tenants.toml"
    if not row["accounting"]:
        return "records_only", "no accounting package configured"
    connection = row["connection"]
    if connection in ("needs_reauth", "disconnected", "not connected"):
        return connection.replace(" ", "_"), (
            f"run: ledgerbridge connect {row['accounting']} --tenant <slug>" if connection != "needs_reauth"
            else f"the package refused the connection; connect again ({row['last_error'] or 'no detail'})")
    now = utcnow()
    if breaker is not None and breaker.state == "down":
        return "down", describe(breaker)
    if breaker is not None and breaker.hold_until is not None and breaker.hold_until > now:
        return ("rate_limited" if breaker.rate_limited else "degraded"), describe(breaker)
    if row["failed"]:
        return "failing", f"{row['failed']} document(s) refused by the package: {row['last_error'] or ''}".strip()
    if row["pending"]:
        age = f", oldest waiting {_age(now - oldest)}" if oldest is not None else ""
        return "backlogged", f"{row['pending']} document(s) to push{age}"
    return "healthy", "everything pushed"


def _age(delta: Any) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


def _iso(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def _connection(connection: Connection | None, config: Any) -> str | None:
    """``connected``, ``needs_reauth``, ``disconnected``, ``not connected`` (None without a package)."""
    if config is None or not config.accounting:
        return None
    return connection.state if connection is not None else "not connected"


def status_table(status: dict[str, Any]) -> Table:
    """The status as a table a person reads."""
    table = Table(title="ledgerbridge status", title_justify="left")
    for column, justify in (("tenant", "left"), ("package", "left"), ("invoices", "right"), ("payments", "right"),
                            ("pending", "right"), ("pushed", "right"), ("failed", "right"),
                            ("dead letters", "right"), ("health", "left")):
        table.add_column(column, justify=justify, no_wrap=column == "tenant")
    table.add_column("why", overflow="fold", max_width=56)
    for slug, row in status["tenants"].items():
        package = row["accounting"] or "— (records only)"
        if row["accounting"] and row["edition"]:
            package += f" ({row['edition']})"
        if not row["enabled"]:
            package += " [disabled]"
        table.add_row(slug, package, str(row["invoices"]), str(row["payments"]),
                      _styled(row["pending"], "yellow"), str(row["pushed"]), _styled(row["failed"], "red"),
                      _styled(row["dead_letters"], "red"), _health_cell(row["health"]),
                      escape(row["health_reason"][:160]))
    table.caption = f"dead letters: {status['dead_letters']}   outbox backlog: {status['outbox_backlog']}"
    table.caption_justify = "left"
    return table


_HEALTH_COLOURS = {"healthy": "green", "backlogged": "yellow", "failing": "red", "degraded": "yellow",
                   "rate_limited": "yellow", "down": "red", "needs_reauth": "red", "disconnected": "red",
                   "not_connected": "red", "records_only": "dim", "disabled": "dim"}


def _health_cell(health: str) -> str:
    colour = _HEALTH_COLOURS[health]
    return f"[{colour}]{health.replace('_', ' ')}[/{colour}]"


def _styled(value: int, colour: str) -> str:
    return f"[{colour}]{value}[/{colour}]" if value else "0"
