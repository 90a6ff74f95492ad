"""The conformance kit against both MYOB editions and the MYOB sandbox, in-process."""

from __future__ import annotations

import pytest

from core.testing import ConnectorConformance
from plugins.myob import PACKAGE
from plugins.myob.sandbox import MyobSandbox

from .connect import BANK, PURCHASES, RECEIVABLE, SALES, TAX, sandbox_connector


class TestMyobConformance(ConnectorConformance):
    sales_account, purchase_account, bank_account, receivable_account = SALES, PURCHASES, BANK, RECEIVABLE
    sales_tax_code = purchase_tax_code = TAX

    @pytest.fixture(params=["accountright", "essentials"])
    def edition(self, request):
        return request.param

    @pytest.fixture
    def package(self):
        return PACKAGE

    @pytest.fixture
    def sandbox(self):
        return MyobSandbox(limits={"per_second": 100_000})  # the kit calls faster than 8/s

    @pytest.fixture
    def control(self, sandbox, edition):
        return sandbox.control if edition == "accountright" else sandbox.control_for("essentials")

    @pytest.fixture
    def connector(self, sandbox, edition):
        connector = sandbox_connector(sandbox, edition)
        yield connector
        connector.close()
