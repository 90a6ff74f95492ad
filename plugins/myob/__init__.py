"""MYOB plugin: MYOB Business API (AccountRight, new Essentials) and legacy Essentials.

Legacy Essentials advertises push only: every reconciliation request for such a tenant is
refused, as the reference product does.
"""

from __future__ import annotations

from core.accounting import ALL, AccountingPackage, Capability
from core.plugins import hookimpl
from plugins.myob.settings import MyobSettings


def _sandbox(**options):
    from plugins.myob.sandbox import MyobSandbox

    return MyobSandbox(**options)

PACKAGE = AccountingPackage(
    name="myob",
    title="MYOB",
    editions={
        "accountright": ALL - {Capability.WEBHOOKS},
        "essentials": frozenset({Capability.PUSH_INVOICES, Capability.PUSH_PAYMENTS}),
    },
    default_edition="accountright",
    settings=MyobSettings,
    sandbox=_sandbox,
    secrets=("LEDGERBRIDGE_MYOB_CLIENT_SECRET", "LEDGERBRIDGE_MYOB_API_KEY", "LEDGERBRIDGE_SECRET_KEY"),
)


@hookimpl
def ledgerbridge_packages() -> list[AccountingPackage]:
    return [PACKAGE]
