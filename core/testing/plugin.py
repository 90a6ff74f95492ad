"""pytest plugin of the conformance kit: ``pytest_plugins = ["core.testing.plugin"]`` in a conftest.

Gives a ``conformance`` marker (``-m conformance`` selects the kit's tests) and a
``tenant_context_for`` fixture that builds a TenantContext for a package as the core would.
"""

from __future__ import annotations

import pytest

from core.testing.conformance import tenant_context


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "conformance: the ledgerbridge connector conformance kit")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test inherited from ConnectorConformance, so `-m conformance` selects the kit."""
    from core.testing.conformance import ConnectorConformance

    for item in items:
        cls = getattr(item, "cls", None)
        if cls is not None and issubclass(cls, ConnectorConformance) and hasattr(ConnectorConformance, item.originalname):
            item.add_marker(pytest.mark.conformance)


@pytest.fixture
def tenant_context_for():
    """``tenant_context_for(package, edition=None, options=None, secrets=None)`` → TenantContext."""
    return tenant_context
