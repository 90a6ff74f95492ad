"""Xero plugin: the Accounting API connector and the Xero sandbox (registered like any third-party plugin)."""

from __future__ import annotations

from core.accounting import ALL, AccountingPackage, Capability, TenantContext
from core.plugins import hookimpl
from core.ratelimit import Limits, RateLimiter
from plugins.xero.auth import XeroAuthoriser
from plugins.xero.settings import XeroSettings

#: Client-side limits per organisation and per app, as Xero publishes them (one per process).
LIMITER = RateLimiter(Limits(concurrent=5, per_minute=60, per_day=5000, app_per_minute=10000))


def _connect(context: TenantContext):
    from plugins.xero.connector import connect

    return connect(context, token=context.access_token,
                   tenant_id=context.remote_tenant or context.options.tenant_id,  # type: ignore[attr-defined]
                   limiter=LIMITER)


def _sandbox(**options):
    from plugins.xero.sandbox import XeroSandbox

    return XeroSandbox(**options)


PACKAGE = AccountingPackage(
    name="xero",
    title="Xero",
    editions={"standard": ALL - {Capability.WEBHOOKS}},
    default_edition="standard",
    settings=XeroSettings,
    connect=_connect,
    sandbox=_sandbox,
    authoriser=XeroAuthoriser(),
    secrets=("LEDGERBRIDGE_XERO_CLIENT_SECRET", "LEDGERBRIDGE_SECRET_KEY"),
)


@hookimpl
def ledgerbridge_packages() -> list[AccountingPackage]:
    return [PACKAGE]
