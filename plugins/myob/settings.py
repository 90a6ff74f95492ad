"""``[tenants.<slug>.myob]``: the MYOB business (company file) and MYOB's endpoints.

``business_id`` is the company file GUID (AccountRight / new Essentials) or the numeric legacy
Essentials business uid; ``connect`` checks it against the consent redirect's ``businessId``.
``essentials_api_url`` / ``essentials_business_id`` name the legacy Essentials
API and business for tenants on the ``essentials`` edition (default: ``api_url`` when it is an
Essentials URL, else MYOB's AU host; and ``business_id``). ``cf_username`` is only for company
files whose user is not linked to the OAuth login (password: ``LEDGERBRIDGE_MYOB_CF_PASSWORD``).
"""

from __future__ import annotations

from pydantic import field_validator

from core.accounting import PackageSettings, http_url

ESSENTIALS_API = "https://api.myob.com/au/essentials"


class MyobSettings(PackageSettings):
    business_id: str
    client_id: str | None = None
    api_url: str = "https://api.myob.com/accountright"
    token_url: str = "https://secure.myob.com/oauth2/v1/authorize"
    authorize_url: str = "https://secure.myob.com/oauth2/account/authorize"
    essentials_api_url: str | None = None
    essentials_business_id: str | None = None
    cf_username: str | None = None

    _urls = field_validator("api_url", "token_url", "authorize_url")(http_url)

    @field_validator("essentials_api_url")
    @classmethod
    def _essentials(cls, value: str | None) -> str | None:
        return None if value is None else http_url(value)

    def legacy_api_url(self) -> str:
        """The legacy Essentials API base (``…/au/essentials``)."""
        if self.essentials_api_url:
            return self.essentials_api_url
        return self.api_url if "/essentials" in self.api_url else ESSENTIALS_API

    def legacy_business_id(self) -> str | None:
        return self.essentials_business_id or self.business_id
