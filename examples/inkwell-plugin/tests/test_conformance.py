"""The ledgerbridge conformance kit, run against the Inkwell connector and sandbox (both editions)."""

from __future__ import annotations

import pytest

from core.testing import ConnectorConformance
from ledgerbridge_inkwell import PACKAGE
from ledgerbridge_inkwell.connector import API_KEY_ENV, InkwellConnector
from ledgerbridge_inkwell.sandbox import InkwellSandbox


class TestInkwellCloud(ConnectorConformance):
    """In-process: the connector's httpx client calls the sandbox's WSGI app directly."""

    # account and tax codes of the sandbox's chart
    sales_account, purchase_account, bank_account, receivable_account = "4000", "5000", "1000", "1100"
    sales_tax_code, purchase_tax_code = "S10", "P10"

    @pytest.fixture
    def package(self):
        return PACKAGE

    @pytest.fixture
    def edition(self):
        return "cloud"

    @pytest.fixture
    def sandbox(self):
        return InkwellSandbox()

    @pytest.fixture
    def control(self, sandbox):
        return sandbox.control

    @pytest.fixture
    def connector(self, package, edition, sandbox, tenant_context_for):
        context = tenant_context_for(package, edition, {"api_url": "http://inkwell.test"},
                                     secrets={API_KEY_ENV: sandbox.api_key})
        connector = InkwellConnector(context, transport=sandbox.transport())
        yield connector
        connector.close()


class TestInkwellStarter(TestInkwellCloud):
    """Push only: everything else must be refused."""

    @pytest.fixture
    def edition(self):
        return "starter"


class TestInkwellCloudOverLoopback(TestInkwellCloud):
    """Through the package's own ``connect`` factory, against the sandbox served on 127.0.0.1."""

    @pytest.fixture
    def connector(self, package, edition, sandbox, tenant_context_for):
        url, stop = sandbox.serve_in_thread()
        context = tenant_context_for(package, edition, {"api_url": url}, secrets={API_KEY_ENV: sandbox.api_key})
        connector = package.connect(context)
        yield connector
        connector.close()
        stop()
