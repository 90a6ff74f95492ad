"""``[tenants.<slug>.xero]``: where this tenant's Xero lives (defaults: Xero's real hosts)."""

from __future__ import annotations

from pydantic import field_validator

from core.accounting import PackageSettings, http_url


class XeroSettings(PackageSettings):
    client_id: str
    api_url: str = "https://api.xero.com/api.xro/2.0"
    identity_url: str = "https://identity.xero.com"
    authorize_url: str | None = None  # default: Xero's login page, or <identity_url>/connect/authorize
    connections_url: str = "https://api.xero.com/connections"
    tenant_id: str | None = None  # the Xero organisation; found through /connections when left out

    _urls = field_validator("api_url", "identity_url", "connections_url")(http_url)

    @field_validator("authorize_url")
    @classmethod
    def _authorize(cls, value: str | None) -> str | None:
        return None if value is None else http_url(value)
