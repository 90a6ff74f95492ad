"""`ledgerbridge tenants ...`: configured tenants, their package, edition and what it can do."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from core.cli.base import app, err, open_app, out, wide

tenants_app = typer.Typer(help="Configured tenants and what their accounting package can do.", no_args_is_help=True)
app.add_typer(tenants_app, name="tenants")


def _describe(application, slug: str) -> dict:
    from core.connections import NotConnectable, tenant_package

    tenant = application.settings.tenants[slug]
    row = {"tenant": slug, "name": tenant.name, "enabled": tenant.enabled, "package": tenant.accounting,
           "edition": None, "capabilities": []}
    try:
        package, edition = tenant_package(application, slug)
    except NotConnectable:
        return row
    row["edition"] = edition
    row["capabilities"] = sorted(c.value for c in package.capabilities(edition))
    return row


@tenants_app.command("list")
def tenants_list(as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False) -> None:
    """Every tenant with its package, edition (the package's default when not set) and capabilities."""
    application = open_app()
    rows = [_describe(application, slug) for slug in application.settings.tenants]
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    table = Table(title=f"tenants ({len(rows)})", title_justify="left")
    for column in ("tenant", "name", "enabled", "package", "edition", "capabilities"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(row["tenant"], row["name"], "yes" if row["enabled"] else "no", row["package"] or "-",
                      row["edition"] or "-", ", ".join(row["capabilities"]) or "-")
    wide(out, 160).print(table)


@tenants_app.command("can")
def tenants_can(
    tenant: Annotated[str, typer.Argument(help="Tenant slug.")],
    capabilities: Annotated[list[str], typer.Argument(metavar="CAPABILITY...",
                                                      help="e.g. reconcile_invoices push_bills")],
) -> None:
    """Check that the tenant's package edition supports every CAPABILITY (exit 2 with the refusal if not)."""
    from core.accounting import Capability, Unsupported, require
    from core.connections import NotConnectable, tenant_package

    application = open_app()
    known = {c.value for c in Capability}
    bad = [name for name in capabilities if name not in known]
    if bad:
        err.print(f"unknown capability {', '.join(bad)} (known: {', '.join(sorted(known))})", highlight=False)
        raise typer.Exit(2)
    try:
        package, edition = tenant_package(application, tenant)
    except NotConnectable as exc:
        err.print(f"refused: {exc}", highlight=False)
        raise typer.Exit(2) from None
    refusals = []
    for name in capabilities:
        try:
            require(package.name, edition, package.capabilities(edition), name, tenant=tenant)
        except Unsupported as exc:
            refusals.append(str(exc))
    for refusal in refusals:
        err.print(f"refused: {refusal}", highlight=False)
    if refusals:
        raise typer.Exit(2)
    out.print(f"{tenant} ({package.name} edition {edition!r}) can: {', '.join(capabilities)}",
              highlight=False)
