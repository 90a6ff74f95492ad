"""The plugin contract: every hook an accounting plugin (built-in or third-party) may implement.

Plugins implement these with ``core.plugins.hookimpl`` and are found through the ``ledgerbridge``
entry-point group (see docs/writing-plugins.md). Shape of the contract:

* pluggy does discovery and the 1:N cross-cutting hooks below;
* everything that touches one tenant's connection — fetch, push, fix, with its tokens, HTTP
  client and rate limiter — lives in a :class:`core.accounting.Connector` that the package's
  ``connect`` factory builds for one tenant. One connector per tenant connection means a
  plugin never filters by tenant and never sees another tenant's data.
"""

from __future__ import annotations

from typing import Any

from pluggy import HookspecMarker

from core.accounting import AccountingPackage, TenantContext

hookspec = HookspecMarker("ledgerbridge")


@hookspec
def ledgerbridge_packages() -> list[AccountingPackage]:
    """The accounting packages this plugin provides.

    Each :class:`~core.accounting.AccountingPackage` carries its name (the value of ``accounting``
    in ``tenants.toml``), its editions with their capabilities, the settings model that validates
    ``[tenants.<slug>.<name>]``, the ``connect(TenantContext) -> Connector`` factory for fetch /
    push / fix, and its sandbox factory. Package names are unique across plugins.
    """


@hookspec(firstresult=True)
def ledgerbridge_outgoing(tenant: TenantContext, package: str, document: Any, payload: dict) -> dict:
    """Adjust a payload just before a connector sends it (tracking categories, memo text, ...).

    Called by connectors through ``TenantContext.outgoing(document, payload)``; *document* is the
    :mod:`core.accounting` document being pushed and *payload* the package's wire format.
    Implement it as a wrapper, which sees and may change what the inner implementations return::

        @hookimpl(wrapper=True)
        def ledgerbridge_outgoing(tenant, package, document, payload):
            payload = yield
            if package == "xero":
                payload["Reference"] = f"{payload.get('Reference', '')} via ledgerbridge"
            return payload

    The core's own implementation returns *payload* unchanged; stops at the first non-None result.
    """


@hookspec
def ledgerbridge_event(tenant: str, event: dict) -> None:
    """Observe an event (notify someone, audit): every event applied to the ledger and every
    event ledgerbridge emits (``push-failed``, ``reconciliation-completed``, ...).

    *event* is the envelope as JSON-compatible data. Called after the change is committed;
    an exception here is logged and never affects the ledger. Keep it quick: it runs in the worker.
    """
