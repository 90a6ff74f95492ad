"""``[tenants.<slug>.quickbooks]``: the QuickBooks Online company (realm) and endpoints."""

from __future__ import annotations

from pydantic import field_validator

from core.accounting import PackageSettings, http_url


class QuickBooksSettings(PackageSettings):
    realm_id: str
    client_id: str | None = None
    api_url: str = "https://quickbooks.api.intuit.com"
    token_url: str = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
    authorize_url: str = "https://appcenter.intuit.com/connect/oauth2"

    _urls = field_validator("api_url", "token_url", "authorize_url")(http_url)
