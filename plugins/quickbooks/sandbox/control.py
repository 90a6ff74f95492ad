"""The levers the conformance kit pulls (:class:`core.testing.SandboxControl`) for the QBO sandbox."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .app import QuickBooksSandbox

# Writes are POSTs to an entity or /batch; POST /query is a read, so it is left alone.
WRITE_PATHS = "/v3/company/*/[!q]*"
COUNTED = {"contact": ("Customer", "Vendor"), "invoice": ("Invoice", "Bill"), "payment": ("Payment", "BillPayment")}


class QuickBooksControl:
    """``fail_next``/``set_page_size``/``lock_until``/``count`` on a :class:`QuickBooksSandbox`."""

    def __init__(self, sandbox: "QuickBooksSandbox") -> None:
        self.sandbox = sandbox

    def fail_next(self, kind: str, count: int = 1) -> None:
        """transient: 503 HTML on any call; permanent: 400 ValidationFault 6000 on the next write;
        lost_response: the next write is applied but the connection drops before the answer."""
        specs = {"transient": {"kind": "unavailable"},
                 "permanent": {"kind": "validation", "method": "POST", "path": WRITE_PATHS},
                 "lost_response": {"kind": "lost_response", "method": "POST", "path": WRITE_PATHS}}
        if kind not in specs:
            raise ValueError(f"unknown failure kind {kind!r}; use one of {sorted(specs)}")
        self.sandbox.faults.add({**specs[kind], "count": count, "name": f"control:{kind}"})

    def set_page_size(self, size: int) -> None:
        """Cap MAXRESULTS (and the default page) of queries at ``size``."""
        if size < 1:
            raise ValueError("page size must be positive")
        self.sandbox.page_size = size

    def lock_until(self, day: date) -> None:
        """Close the books on ``day`` (Preferences.AccountingInfoPrefs.BookCloseDate)."""
        self.sandbox.set_book_close_date(day)

    def count(self, document_type: str) -> int:
        """Live (not voided, deleted or inactive) contacts, invoices+bills, or payments+bill payments."""
        if document_type not in COUNTED:
            raise ValueError(f"unknown document type {document_type!r}; use one of {sorted(COUNTED)}")
        company = self.sandbox.company
        with self.sandbox.lock:
            return sum(1 for kind in COUNTED[document_type] for _ in company.live(kind))
