"""The conformance kit run against FakeBooks (both editions): the kit's own proof that it can pass."""

from __future__ import annotations

import pytest

from core.testing import ConnectorConformance, tenant_context
from tests import fakebooks


class TestFakeBooks(ConnectorConformance):
    receivable_account = fakebooks.RECEIVABLE

    @pytest.fixture
    def books(self):
        return fakebooks.FakeBooks()

    @pytest.fixture
    def package(self, books):
        return fakebooks.package(books)

    @pytest.fixture
    def control(self, books):
        return fakebooks.FakeControl(books)

    @pytest.fixture
    def connector(self, package, edition):
        return package.connect(tenant_context(package, edition))


class TestFakeBooksLite(TestFakeBooks):
    """An edition that can only push invoices and payments: everything else must be refused."""

    @pytest.fixture
    def edition(self):
        return "lite"
