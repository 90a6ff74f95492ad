"""Xero plugin: the Accounting API connector and the Xero sandbox (registered like any third-party plugin)."""

from __future__ import annotations

from core.accounting import ALL, AccountingPackage, Capability
from core.plugins import hookimpl
from plugins.xero.settings import XeroSettings


def _sandbox(**options):
    from plugins.xero.sandbox import XeroSandbox

    return XeroSandbox(**options)


PACKAGE = AccountingPackage(
    name="xero",
    title="Xero",
    editions={"standard": ALL - {Capability.WEBHOOKS}},
    default_edition="standard",
    settings=XeroSettings,
    sandbox=_sandbox,
    secrets=("LEDGERBRIDGE_XERO_CLIENT_SECRET", "LEDGERBRIDGE_SECRET_KEY"),
)


@hookimpl
def ledgerbridge_packages() -> list[AccountingPackage]:
    return [PACKAGE]
