"""``ledgerbridge status``: per-tenant document counts, sync states, dead letters, outbox backlog.

JSON shape (keys may be added, never removed)::

    {"tenants": {"<slug>": {"invoices": n, "payments": n, "pending": n, "pushed": n, "failed": n, ...}},
     "dead_letters": n, "outbox_backlog": n}
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table
from sqlmodel import Session, func, select

from core.bootstrap import App
from core.db.models import (
    Connection, DeadLetter, ExternalLink, Invoice, OutboxMessage, Payment, ReconciliationRun,
)

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
        }
    return {"tenants": tenants, "dead_letters": sum(dead.values()), "outbox_backlog": backlog}


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
                            ("dead letters", "right"), ("connection", "left")):
        table.add_column(column, justify=justify, no_wrap=column == "tenant")
    table.add_column("last problem", overflow="fold", max_width=48)
    for slug, row in status["tenants"].items():
        package = row["accounting"] or "— (records only)"
        if row["accounting"] and row["edition"]:
            package += f" ({row['edition']})"
        if not row["enabled"]:
            package += " [disabled]"
        table.add_row(slug, package, str(row["invoices"]), str(row["payments"]),
                      _styled(row["pending"], "yellow"), str(row["pushed"]), _styled(row["failed"], "red"),
                      _styled(row["dead_letters"], "red"), _connection_cell(row["connection"]),
                      escape((row["last_error"] or "")[:80]))
    table.caption = f"dead letters: {status['dead_letters']}   outbox backlog: {status['outbox_backlog']}"
    table.caption_justify = "left"
    return table


def _connection_cell(state: str | None) -> str:
    colours = {"connected": "green", "needs_reauth": "red", "disconnected": "yellow", "not connected": "yellow"}
    return f"[{colours[state]}]{state}[/{colours[state]}]" if state else "-"


def _styled(value: int, colour: str) -> str:
    return f"[{colour}]{value}[/{colour}]" if value else "0"
