"""QuickBooks Online plugin (registered like any third-party plugin)."""

from __future__ import annotations

from core.accounting import ALL, AccountingPackage, Capability
from core.plugins import hookimpl
from plugins.quickbooks.settings import QuickBooksSettings


def _sandbox(**options):
    from plugins.quickbooks.sandbox import QuickBooksSandbox

    return QuickBooksSandbox(**options)

PACKAGE = AccountingPackage(
    name="quickbooks",
    title="QuickBooks Online",
    editions={"online": ALL - {Capability.WEBHOOKS}},
    default_edition="online",
    settings=QuickBooksSettings,
    sandbox=_sandbox,
    secrets=("LEDGERBRIDGE_QUICKBOOKS_CLIENT_SECRET", "LEDGERBRIDGE_SECRET_KEY"),
)


@hookimpl
def ledgerbridge_packages() -> list[AccountingPackage]:
    return [PACKAGE]
