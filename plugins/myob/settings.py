"""``[tenants.<slug>.myob]``: the MYOB business (company file) and endpoints."""

from __future__ import annotations

from pydantic import field_validator

from core.accounting import PackageSettings, http_url


class MyobSettings(PackageSettings):
    business_id: str
    client_id: str | None = None
    api_url: str = "https://api.myob.com/accountright"
    token_url: str = "https://secure.myob.com/oauth2/v1/authorize"

    _urls = field_validator("api_url", "token_url")(http_url)
