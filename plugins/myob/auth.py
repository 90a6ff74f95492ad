"""Connecting a tenant to MYOB: secure.myob.com OAuth 2.0 and which business it is for.

MYOB wants the client credentials in the form body, and (for API keys issued after March 2025)
``prompt=consent`` so the redirect names the company file as ``businessId``: one consent per
company file. Access tokens last 20 minutes; every refresh returns a new refresh token.
"""

from __future__ import annotations

from typing import Any, Mapping

from core.accounting import PermanentError, TenantContext
from core.oauth import OAuthEndpoints, TokenSet

CLIENT_SECRET = "LEDGERBRIDGE_MYOB_CLIENT_SECRET"
API_KEY = "LEDGERBRIDGE_MYOB_API_KEY"
ACCESS_TOKEN_MINUTES = 20
#: granular scopes of the Business API (a token carries only what was consented)
SCOPES = ("sme-company-file", "sme-company-settings", "sme-general-ledger", "sme-sales", "sme-purchases",
          "sme-contacts-customer", "sme-contacts-supplier", "sme-inventory")
LEGACY_SCOPES = ("la.global",)


def api_key(context: TenantContext) -> str:
    """The ``x-myobapi-key``: ``LEDGERBRIDGE_MYOB_API_KEY``, else the OAuth client id (MYOB's are the same)."""
    options: Any = context.options
    key = context.secret(API_KEY) or options.client_id
    if not key:
        raise PermanentError(f"set {API_KEY} (or client_id in [tenants.{context.slug}.myob]): MYOB needs the "
                             "API key on every call")
    return key


class MyobAuthoriser:
    def endpoints(self, context: TenantContext) -> OAuthEndpoints:
        options: Any = context.options
        scopes = LEGACY_SCOPES if context.edition == "essentials" else SCOPES
        return OAuthEndpoints(authorize_url=options.authorize_url, token_url=options.token_url,
                              client_id=options.client_id or context.secret(API_KEY) or "",
                              client_secret=context.secret(CLIENT_SECRET), scope=" ".join(scopes),
                              client_auth="post", extra_authorize_params=(("prompt", "consent"),),
                              access_lifetime=1200)

    def remote_tenant(self, context: TenantContext, tokens: TokenSet, callback: Mapping[str, str],
                      transport: Any = None) -> str:
        """The redirect's ``businessId`` (checked against a configured ``business_id``), else the
        configured one; the legacy Essentials business for the ``essentials`` edition."""
        options: Any = context.options
        configured = options.legacy_business_id() if context.edition == "essentials" else options.business_id
        redirected = (callback.get("businessId") or "").strip()
        if redirected and context.edition != "essentials":
            if configured and configured.lower() != redirected.lower():
                raise PermanentError(f"the consent was given for MYOB business {redirected} "
                                     f"({callback.get('businessName', '')}), but [tenants.{context.slug}.myob] "
                                     f"names business_id {configured}: consent again choosing that company file, "
                                     "or change business_id")
            return redirected
        if not configured:
            raise PermanentError(f"MYOB did not say which company file was consented to; set business_id in "
                                 f"[tenants.{context.slug}.myob]")
        return configured
