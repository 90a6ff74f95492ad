"""QuickBooks Online plugin: the Accounting API connector and the QuickBooks sandbox (registered like
any third-party plugin)."""

from __future__ import annotations

from core.accounting import ALL, AccountingPackage, Capability, TenantContext
from core.plugins import hookimpl
from core.ratelimit import Limits, RateLimiter
from plugins.quickbooks.auth import QuickBooksAuthoriser
from plugins.quickbooks.settings import QuickBooksSettings

#: Client-side limits per realm, as Intuit publishes them: 500 requests a minute, 10 at once
#: (one limiter per process, shared by every connector of the realm).
LIMITER = RateLimiter(Limits(concurrent=10, per_minute=500, per_day=10 ** 9, app_per_minute=10 ** 9))
#: Batch calls: 40 a minute per realm (they count against the 500 too). Kept a little under the
#: published figure: the connector sends single requests instead when the budget is spent.
BATCH_LIMITER = RateLimiter(Limits(concurrent=10, per_minute=38, per_day=10 ** 9, app_per_minute=10 ** 9))


def _connect(context: TenantContext):
    from plugins.quickbooks.connector import connect

    return connect(context, token=context.access_token,
                   realm_id=context.remote_tenant or context.options.realm_id,  # type: ignore[attr-defined]
                   limiter=LIMITER, batch_limiter=BATCH_LIMITER)


def _sandbox(**options):
    from plugins.quickbooks.sandbox import QuickBooksSandbox

    return QuickBooksSandbox(**options)


PACKAGE = AccountingPackage(
    name="quickbooks",
    title="QuickBooks Online",
    editions={"online": ALL - {Capability.WEBHOOKS}},
    default_edition="online",
    settings=QuickBooksSettings,
    connect=_connect,
    sandbox=_sandbox,
    authoriser=QuickBooksAuthoriser(),
    secrets=("LEDGERBRIDGE_QUICKBOOKS_CLIENT_SECRET", "LEDGERBRIDGE_SECRET_KEY"),
)


@hookimpl
def ledgerbridge_packages() -> list[AccountingPackage]:
    return [PACKAGE]
