"""The types of the accounting-plugin contract (see ``core/hookspecs.py`` and docs/writing-plugins.md).

Plugin authors import from here::

    from core.accounting import AccountingPackage, BaseConnector, Capability, Invoice, PushResult
"""

from core.accounting.capabilities import ALL, Capability, Unsupported, require
from core.accounting.connector import (
    OPERATION_CAPABILITIES, BaseConnector, Connector, ElementError, FixOutcome, PushResult, Refusal, one_by_one,
)
from core.accounting.documents import (
    Contact, Invoice, InvoiceRef, Ledger, Line, OrganisationFacts, Payment, Period, Posting,
)
from core.accounting.errors import AccountingError, NeedsReauth, PermanentError, TransientError
from core.accounting.package import AccountingPackage, Authoriser, PackageSettings, Sandbox, TenantContext, http_url

__all__ = [
    "ALL", "OPERATION_CAPABILITIES", "AccountingError", "AccountingPackage", "Authoriser", "BaseConnector", "Capability", "Connector", "Contact",
    "ElementError", "FixOutcome", "Invoice", "InvoiceRef", "Ledger", "Line", "NeedsReauth",
    "OrganisationFacts", "PackageSettings", "Payment", "Period", "PermanentError", "Posting", "PushResult",
    "Refusal", "Sandbox", "TenantContext", "TransientError", "Unsupported", "http_url", "one_by_one", "require",
]
