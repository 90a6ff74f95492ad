"""The conformance kit: reusable tests that prove an accounting plugin honours the contract.

Enable it in a plugin's test suite with ``pytest_plugins = ["core.testing.plugin"]`` (fixtures)
and subclass :class:`ConnectorConformance` (the tests). See docs/writing-plugins.md.
"""

from core.testing.conformance import PERIOD, ConnectorConformance, outcome, tenant_context
from core.testing.control import FailureKind, SandboxControl
from core.testing.documents import sample_contact, sample_invoice, sample_payment

__all__ = ["PERIOD", "ConnectorConformance", "FailureKind", "SandboxControl", "outcome", "sample_contact",
           "sample_invoice", "sample_payment", "tenant_context"]
