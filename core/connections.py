"""From a tenant's configuration to its connector: the one place that builds :class:`TenantContext`.

Everything that acts on a package (push, fetch, reconcile, fix) goes through :func:`open_connector`,
which refuses — with a message naming tenant, package, edition and capability — what the tenant's
edition does not advertise.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from core.accounting import AccountingPackage, Capability, Connector, TenantContext
from core.config import get_secret

if TYPE_CHECKING:
    from core.bootstrap import App


class NotConnectable(Exception):
    """The tenant cannot talk to a package right now (none configured, disabled, no connector)."""


def tenant_package(app: "App", slug: str) -> tuple[AccountingPackage, str]:
    """The tenant's package and edition (its configured one, else the package's default)."""
    tenant = app.settings.tenant(slug)
    if tenant is None:
        raise NotConnectable(f"unknown tenant {slug!r} (configured: {', '.join(app.settings.tenants) or 'none'})")
    if not tenant.accounting:
        raise NotConnectable(f"tenant {slug!r} has no accounting package configured (set `accounting` "
                             "in tenants.toml)")
    package = app.plugins.package(tenant.accounting)
    return package, tenant.edition or package.default_edition


def tenant_context(app: "App", slug: str) -> TenantContext:
    """What the tenant's connector may know: its own settings, options and secrets only."""
    package, edition = tenant_package(app, slug)
    tenant = app.settings.tenants[slug]
    options = package.settings.model_validate(tenant.packages.get(package.name, {}))
    holder: dict[str, TenantContext] = {}
    context = TenantContext(
        slug=slug, name=tenant.name, base_currency=tenant.base_currency,
        financial_year_start=tenant.financial_year_start, package=package.name, edition=edition,
        capabilities=package.capabilities(edition), options=options,
        secret=lambda name: get_secret(name, app.settings),
        outgoing=lambda document, payload: app.plugins.outgoing(holder["context"], document, payload),
    )
    holder["context"] = context
    if package.authoriser is not None:
        context = _with_oauth(app, context, package)
        holder["context"] = context
    return context


def _with_oauth(app: "App", context: TenantContext, package: AccountingPackage) -> TenantContext:
    """Give the context a token provider and the connected company id from the connections table."""
    from core.oauth import OAuthClient
    from core.tokens import OAuthSession, TokenStore

    store = TokenStore(app, context.slug, package.name)
    connection = store.get()
    authoriser = package.authoriser
    session = OAuthSession(store, lambda: OAuthClient(authoriser.endpoints(context)))  # type: ignore[union-attr]
    return replace(context, access_token=session, remote_tenant=connection.remote_tenant if connection else None)


def open_connector(app: "App", slug: str, *capabilities: Capability | str) -> tuple[TenantContext, Connector]:
    """The tenant's context and a new connector, after checking it may do *capabilities*.

    Raises :class:`core.accounting.Unsupported` for a capability the edition lacks and
    :class:`NotConnectable` when there is no connector to build. The caller closes the connector.
    """
    context = tenant_context(app, slug)
    if not app.settings.tenants[slug].enabled:
        raise NotConnectable(f"tenant {slug!r} is disabled in tenants.toml")
    for capability in capabilities:
        context.require(capability)
    package = app.plugins.package(context.package)
    if package.connect is None:
        raise NotConnectable(f"the {package.name} plugin provides no connector yet")
    return context, package.connect(context)
