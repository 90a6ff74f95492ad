"""The conformance kit against the QuickBooks Online connector and the QuickBooks sandbox, in-process."""

from __future__ import annotations

import pytest

from core.testing import ConnectorConformance
from plugins.quickbooks import PACKAGE
from plugins.quickbooks.sandbox import QuickBooksSandbox

from .helpers import sandbox_connector


class TestQuickBooksConformance(ConnectorConformance):
    # the sandbox's chart (plugins/quickbooks/sandbox/seed.py): AcctNum 200 Sales, 400 Advertising,
    # 090 bank, 610 A/R; tax code Id 5 is GST 15 % for sales and purchases
    sales_account, purchase_account, bank_account, receivable_account = "200", "400", "090", "610"
    sales_tax_code, purchase_tax_code = "5", "5"

    @pytest.fixture
    def package(self):
        return PACKAGE

    @pytest.fixture
    def sandbox(self):
        # the kit's tenant keeps its books in AUD (and its samples are AUD): so does this company
        return QuickBooksSandbox(seed={"home_currency": "AUD"})

    @pytest.fixture
    def control(self, sandbox):
        return sandbox.control

    @pytest.fixture
    def connector(self, sandbox, edition):
        connector = sandbox_connector(sandbox, edition)
        yield connector
        connector.close()
