"""The conformance kit against the Xero connector and the Xero sandbox, in-process."""

from __future__ import annotations

import pytest

from core.oauth import OAuthClient, OAuthEndpoints
from core.sandbox.transport import SyncSandboxTransport
from core.testing import ConnectorConformance, tenant_context
from plugins.xero import PACKAGE
from plugins.xero.connector import connect
from plugins.xero.sandbox import XeroSandbox

BASE = "http://xero.sandbox"


def sandbox_connector(sandbox: XeroSandbox, edition: str | None = None, outgoing=None):
    """A connector for the sandbox's organisation, authorised with the seeded refresh token."""
    creds = sandbox.credentials(BASE)
    transport = SyncSandboxTransport(sandbox.app)
    oauth = OAuthClient(OAuthEndpoints(creds["identity_url"] + "/connect/authorize",
                                       creds["identity_url"] + "/connect/token", creds["client_id"],
                                       creds["client_secret"]), transport=transport)
    token = oauth.refresh(creds["refresh_token"])
    oauth.close()
    context = tenant_context(PACKAGE, edition, {"client_id": creds["client_id"], "api_url": creds["api_url"],
                                                "identity_url": creds["identity_url"],
                                                "tenant_id": creds["tenant_id"]}, outgoing=outgoing)
    return connect(context, transport=SyncSandboxTransport(sandbox.app),
                   token=lambda force=False: token.access_token, tenant_id=creds["tenant_id"],
                   sleep=lambda seconds: None)


class TestXeroConformance(ConnectorConformance):
    sales_account, purchase_account, bank_account, receivable_account = "200", "400", "090", "610"
    sales_tax_code, purchase_tax_code = "OUTPUT", "INPUT"

    @pytest.fixture
    def package(self):
        return PACKAGE

    @pytest.fixture
    def sandbox(self):
        return XeroSandbox()

    @pytest.fixture
    def control(self, sandbox):
        return sandbox.control

    @pytest.fixture
    def connector(self, sandbox, edition):
        connector = sandbox_connector(sandbox, edition)
        yield connector
        connector.close()
