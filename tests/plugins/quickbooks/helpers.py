"""Connectors on the QuickBooks sandbox, in-process, authorised with the seeded refresh token."""

from __future__ import annotations

from core.oauth import OAuthClient, OAuthEndpoints
from core.sandbox.transport import SyncSandboxTransport
from core.testing import tenant_context
from plugins.quickbooks import PACKAGE
from plugins.quickbooks.client import QuickBooksClient
from plugins.quickbooks.connector import connect
from plugins.quickbooks.sandbox import QuickBooksSandbox

BASE = "http://qbo.sandbox"


def access_token(sandbox: QuickBooksSandbox) -> tuple[dict, str]:
    creds = sandbox.credentials(BASE)
    oauth = OAuthClient(OAuthEndpoints(creds["authorize_url"], creds["token_url"], creds["client_id"],
                                       creds["client_secret"]), transport=SyncSandboxTransport(sandbox.app))
    tokens = oauth.refresh(creds["refresh_token"])
    oauth.close()
    return creds, tokens.access_token


def sandbox_connector(sandbox: QuickBooksSandbox, edition: str | None = None, *, base_currency: str = "AUD",
                      limiter=None, batch_limiter=None, outgoing=None):
    creds, token = access_token(sandbox)
    context = tenant_context(PACKAGE, edition, {"client_id": creds["client_id"], "api_url": creds["api_url"],
                                                "token_url": creds["token_url"], "realm_id": creds["realm_id"]},
                             outgoing=outgoing)
    if base_currency != context.base_currency:
        from dataclasses import replace

        context = replace(context, base_currency=base_currency)
    return connect(context, transport=SyncSandboxTransport(sandbox.app), token=lambda force=False: token,
                   realm_id=creds["realm_id"], limiter=limiter, batch_limiter=batch_limiter, sleep=lambda s: None)


def sandbox_client(sandbox: QuickBooksSandbox, *, token=None, sleeps=None, limiter=None, timeout=None):
    creds, access = access_token(sandbox)
    kwargs = {"timeout": timeout} if timeout else {}
    return QuickBooksClient(creds["api_url"], creds["realm_id"], token or (lambda force=False: access),
                            transport=SyncSandboxTransport(sandbox.app), limiter=limiter,
                            sleep=(sleeps.append if sleeps is not None else lambda s: None), **kwargs)
