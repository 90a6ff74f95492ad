"""Connecting a tenant to QuickBooks Online: Intuit's OAuth 2.0 endpoints, scope, and the realm.

The company (realm) arrives on the consent redirect as ``realmId``; a seeded refresh token
(``connect --refresh-token``) has no redirect, so the configured ``realm_id`` is used. When both
exist they must agree — tokens are per realm, and pushing to another company must never happen.
"""

from __future__ import annotations

from typing import Any, Mapping

from core.accounting import PermanentError, TenantContext
from core.oauth import OAuthEndpoints, TokenSet

CLIENT_SECRET = "LEDGERBRIDGE_QUICKBOOKS_CLIENT_SECRET"
SCOPE = "com.intuit.quickbooks.accounting"


class QuickBooksAuthoriser:
    def endpoints(self, context: TenantContext) -> OAuthEndpoints:
        options: Any = context.options
        if not options.client_id:
            raise PermanentError(f"set client_id (the Intuit app's OAuth client id) in "
                                 f"[tenants.{context.slug}.quickbooks] to connect")
        return OAuthEndpoints(authorize_url=options.authorize_url, token_url=options.token_url,
                              revocation_url=options.revocation(), client_id=options.client_id,
                              client_secret=context.secret(CLIENT_SECRET), scope=SCOPE, revoke_as_json=True)

    def remote_tenant(self, context: TenantContext, tokens: TokenSet, callback: Mapping[str, str],
                      transport: Any = None) -> str:
        """The realm: the redirect's ``realmId``, which must be the configured ``realm_id``."""
        configured = getattr(context.options, "realm_id", None)
        redirected = (callback.get("realmId") or "").strip() or None
        if redirected and configured and redirected != configured:
            raise PermanentError(f"the consent was given for QuickBooks company {redirected}, but "
                                 f"[tenants.{context.slug}.quickbooks] realm_id is {configured}; connect the "
                                 "right company or correct realm_id")
        realm = redirected or configured
        if not realm:
            raise PermanentError(f"no QuickBooks company id: set realm_id in [tenants.{context.slug}.quickbooks]")
        return realm
