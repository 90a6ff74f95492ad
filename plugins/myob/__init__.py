"""MYOB plugin: MYOB Business API (AccountRight, new Essentials) and legacy Essentials.

Legacy Essentials advertises push only: every reconciliation request for such a tenant is
refused, as the reference product does.
"""

from __future__ import annotations

from core.accounting import ALL, AccountingPackage, Capability, TenantContext
from core.plugins import hookimpl
from core.ratelimit import Limits, RateLimiter
from plugins.myob.auth import MyobAuthoriser
from plugins.myob.settings import MyobSettings

#: Client-side limits per API key, as MYOB publishes them: 8 calls a second, 1,000,000 a day
#: (research/myob.md §5; one limiter per process, keyed by the API key).
LIMITER = RateLimiter(Limits(concurrent=8, per_minute=8 * 60, per_day=1_000_000, app_per_minute=1_000_000,
                             per_second=8))


def _connect(context: TenantContext):
    from plugins.myob.connector import connect

    return connect(context, token=context.access_token, limiter=LIMITER)


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
    connect=_connect,
    sandbox=_sandbox,
    authoriser=MyobAuthoriser(),
    secrets=("LEDGERBRIDGE_MYOB_CLIENT_SECRET", "LEDGERBRIDGE_MYOB_API_KEY", "LEDGERBRIDGE_MYOB_CF_PASSWORD",
             "LEDGERBRIDGE_SECRET_KEY"),
)


@hookimpl
def ledgerbridge_packages() -> list[AccountingPackage]:
    return [PACKAGE]
