"""ledgerbridge plugin for Inkwell Books (an example third-party plugin).

Installed beside ledgerbridge, it is found through the ``ledgerbridge`` entry-point group
(``inkwell = "ledgerbridge_inkwell"`` in this distribution's pyproject.toml) and advertises one
accounting package, ``inkwell``, in two editions. A tenant enables it in ``tenants.toml``::

    [tenants.shop]
    accounting = "inkwell"
    edition = "cloud"            # or "starter"
    [tenants.shop.inkwell]
    api_url = "https://api.inkwell.example"

and the API key comes from ``LEDGERBRIDGE_INKWELL_API_KEY`` (environment or secrets file).
"""

from __future__ import annotations

from pydantic import field_validator

from core.accounting import AccountingPackage, Capability, PackageSettings, TenantContext, http_url
from core.plugins import hookimpl
from ledgerbridge_inkwell.connector import API_KEY_ENV, InkwellConnector
from ledgerbridge_inkwell.sandbox import InkwellSandbox

__version__ = "0.1.0"

C = Capability
EDITIONS = {
    "cloud": frozenset({C.PUSH_INVOICES, C.PUSH_BILLS, C.PUSH_PAYMENTS, C.UPDATE_INVOICES, C.VOID_INVOICES,
                        C.FETCH_INVOICES, C.FETCH_PAYMENTS, C.RECONCILE_INVOICES, C.RECONCILE_PAYMENTS,
                        C.FIX_DISCREPANCIES, C.LEDGER_POSTINGS}),
    "starter": frozenset({C.PUSH_INVOICES, C.PUSH_PAYMENTS}),
}


class InkwellSettings(PackageSettings):
    """``[tenants.<slug>.inkwell]``: where the tenant's Inkwell Books API is, and which company file."""

    api_url: str
    company: str | None = None

    @field_validator("api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        return http_url(value)


def connect(context: TenantContext) -> InkwellConnector:
    """The ``connect`` factory: one connector per tenant connection."""
    return InkwellConnector(context)


PACKAGE = AccountingPackage(
    name="inkwell", title="Inkwell Books", editions=EDITIONS, default_edition="cloud",
    settings=InkwellSettings, connect=connect, sandbox=InkwellSandbox, secrets=(API_KEY_ENV,))


@hookimpl
def ledgerbridge_packages() -> list[AccountingPackage]:
    return [PACKAGE]
