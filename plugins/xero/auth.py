"""Connecting a tenant to Xero: OAuth 2.0 endpoints and scopes, and which organisation it is."""

from __future__ import annotations

from typing import Any, Mapping

import httpx

from core.accounting import PermanentError, TenantContext
from core.oauth import OAuthEndpoints, TokenSet

CLIENT_SECRET = "LEDGERBRIDGE_XERO_CLIENT_SECRET"
SCOPES = ("openid", "profile", "email", "offline_access", "accounting.transactions", "accounting.contacts",
          "accounting.settings", "accounting.journals.read")
XERO_AUTHORIZE = "https://login.xero.com/identity/connect/authorize"
XERO_IDENTITY = "https://identity.xero.com"


class XeroAuthoriser:
    def endpoints(self, context: TenantContext) -> OAuthEndpoints:
        options: Any = context.options
        identity = options.identity_url
        authorize = options.authorize_url or (XERO_AUTHORIZE if identity == XERO_IDENTITY
                                              else identity + "/connect/authorize")
        return OAuthEndpoints(authorize_url=authorize, token_url=identity + "/connect/token",
                              revocation_url=identity + "/connect/revocation", client_id=options.client_id,
                              client_secret=context.secret(CLIENT_SECRET), scope=" ".join(SCOPES))

    def remote_tenant(self, context: TenantContext, tokens: TokenSet, callback: Mapping[str, str],
                      transport: Any = None) -> str:
        """The Xero organisation: the configured ``tenant_id`` if this connection can reach it, else
        the only organisation the user connected (several → the user must choose one in config)."""
        options: Any = context.options
        with httpx.Client(timeout=20.0, transport=transport) as http:
            response = http.get(options.connections_url,
                                headers={"Authorization": f"Bearer {tokens.access_token}", "Accept": "application/json"})
        if response.status_code != 200:
            raise PermanentError(f"Xero /connections answered HTTP {response.status_code}: {response.text[:200]}",
                                 status=response.status_code)
        organisations = {c["tenantId"]: c.get("tenantName", "") for c in response.json()
                         if c.get("tenantType", "ORGANISATION") == "ORGANISATION"}
        listing = ", ".join(f"{name} ({tenant})" for tenant, name in organisations.items()) or "none"
        if options.tenant_id:
            if options.tenant_id not in organisations:
                raise PermanentError(f"the configured tenant_id {options.tenant_id} is not among the organisations "
                                     f"this connection can reach: {listing}")
            return options.tenant_id
        if len(organisations) != 1:
            raise PermanentError(f"the connection reaches {len(organisations)} organisations ({listing}); set "
                                 f"tenant_id in [tenants.{context.slug}.xero] to choose one")
        return next(iter(organisations))
