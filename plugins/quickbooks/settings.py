"""``[tenants.<slug>.quickbooks]``: the QuickBooks Online company (realm) and Intuit's endpoints.

Defaults are Intuit's production hosts; the sandbox (``ledgerbridge sandbox quickbooks``) prints the
``api_url``, ``token_url``, ``authorize_url``, ``realm_id`` and ``client_id`` to put here instead.
The client secret is never a setting: it comes from ``LEDGERBRIDGE_QUICKBOOKS_CLIENT_SECRET``.
"""

from __future__ import annotations

from pydantic import field_validator

from core.accounting import PackageSettings, http_url

INTUIT_TOKEN_URL = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
INTUIT_REVOCATION_URL = "https://developer.api.intuit.com/v2/oauth2/tokens/revoke"


class QuickBooksSettings(PackageSettings):
    realm_id: str
    client_id: str | None = None  # needed to connect (OAuth); not to validate the config
    api_url: str = "https://quickbooks.api.intuit.com"
    token_url: str = INTUIT_TOKEN_URL
    authorize_url: str = "https://appcenter.intuit.com/connect/oauth2"
    revocation_url: str | None = None  # default: Intuit's, or <token_url's folder>/revoke for another host

    _urls = field_validator("api_url", "token_url", "authorize_url")(http_url)

    @field_validator("revocation_url")
    @classmethod
    def _revocation(cls, value: str | None) -> str | None:
        return None if value is None else http_url(value)

    def revocation(self) -> str:
        """Where ``disconnect`` revokes the grant."""
        if self.revocation_url:
            return self.revocation_url
        if self.token_url == INTUIT_TOKEN_URL:
            return INTUIT_REVOCATION_URL
        return self.token_url.rsplit("/", 1)[0] + "/revoke"
