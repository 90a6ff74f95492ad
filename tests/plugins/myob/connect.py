"""Connectors on a MYOB sandbox in-process, authorised with the sandbox's seeded refresh token."""

from __future__ import annotations

from core.oauth import OAuthClient, OAuthEndpoints
from core.sandbox.transport import SyncSandboxTransport
from core.testing import tenant_context
from plugins.myob import PACKAGE
from plugins.myob.connector import connect
from plugins.myob.sandbox import MyobSandbox

BASE = "http://myob.sandbox"


Transport = SyncSandboxTransport


#: the sandbox author's chart (docs/sandboxes.md, MYOB)
SALES, PURCHASES, BANK, RECEIVABLE, TAX = "4-1000", "6-1000", "1-1110", "1-1200", "GST"


def options_for(creds: dict[str, str], edition: str | None = None) -> dict[str, str]:
    options = {"client_id": creds["client_id"], "api_url": creds["api_url"], "token_url": creds["token_url"],
               "authorize_url": creds["authorize_url"], "business_id": creds["business_id"]}
    if edition == "essentials":
        options.update(essentials_api_url=creds["essentials_api_url"],
                       essentials_business_id=creds["essentials_business_id"])
    return options


def access_token(sandbox: MyobSandbox, creds: dict[str, str]) -> str:
    oauth = OAuthClient(OAuthEndpoints(creds["authorize_url"], creds["token_url"], creds["client_id"],
                                       creds["client_secret"], client_auth="post"),
                        transport=Transport(sandbox.app))
    try:
        return oauth.refresh(creds["refresh_token"]).access_token
    finally:
        oauth.close()


def sandbox_connector(sandbox: MyobSandbox, edition: str | None = None, *, token=None, limiter=None, sleeps=None,
                      outgoing=None, **context_options):
    creds = sandbox.credentials(BASE)
    access = access_token(sandbox, creds)
    context = tenant_context(PACKAGE, edition, {**options_for(creds, edition), **context_options},
                             secrets={"LEDGERBRIDGE_MYOB_API_KEY": creds["api_key"]}, outgoing=outgoing)
    return connect(context, transport=Transport(sandbox.app),
                   token=token or (lambda force=False: access), limiter=limiter,
                   sleep=sleeps.append if sleeps is not None else (lambda seconds: None))
