"""`ledgerbridge retry`: put documents back in the push queue after a fix."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer

from core.cli.base import app, err, out, ready_app


@app.command()
def retry(
    tenant: Annotated[str, typer.Option("--tenant", help="The tenant whose documents to re-queue.")],
    failed: Annotated[bool, typer.Option("--failed", help="Also re-queue documents the package refused "
                                         "(after a reconnect, an unlocked period, a corrected account code).")] = False,
    document: Annotated[Optional[str], typer.Option("--document", help="Only this document (the host app's id "
                                                    "of a contact, invoice or payment).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the outcome as JSON.")] = False,
) -> None:
    """Make a tenant's waiting documents due now (and with --failed, its failed ones too).

    Running workers push them at once, dependency-ordered and within the package's limits; a
    connection that is down is probed first. Exit 2 for an unknown tenant or document.
    """
    from core.requeue import NothingToRetry, requeue

    application = ready_app()
    if tenant not in application.settings.tenants:
        err.print(f"unknown tenant {tenant!r}; configured: {', '.join(application.settings.tenants)}", highlight=False)
        raise typer.Exit(2)
    try:
        result = requeue(application, tenant, failed=failed, document=document)
    except NothingToRetry as exc:
        err.print(str(exc), highlight=False)
        raise typer.Exit(2)
    if as_json:
        print(json.dumps({"tenant": result.tenant, "package": result.package, "failed": dict(result.failed),
                          "waiting": dict(result.waiting), "requeued": result.total,
                          "hold_lifted": result.hold_lifted}, indent=2))
        return
    parts = [f"{n} failed {kind}(s)" for kind, n in sorted(result.failed.items())]
    parts += [f"{n} waiting {kind}(s)" for kind, n in sorted(result.waiting.items())]
    summary = ", ".join(parts) if parts else "nothing was waiting"
    lifted = "; the connection's hold was lifted" if result.hold_lifted else ""
    out.print(f"{tenant} ({result.package}): re-queued {summary}{lifted}. Workers push them now; "
              f"`ledgerbridge push --tenant {tenant}` does it in this process.", highlight=False)
