"""The conformance kit's levers on a Xero sandbox (:class:`core.testing.SandboxControl`)."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .app import XeroSandbox

API = "/api.xro/2.0"
VALIDATION = {"ErrorNumber": 10, "Type": "ValidationException", "Message": "A validation exception occurred",
              "Elements": [{"ValidationErrors": [
                  {"Message": "Account code '9999' is not a valid code for this document."}]}]}


class XeroControl:
    def __init__(self, sandbox: "XeroSandbox"):
        self.sandbox = sandbox

    def fail_next(self, kind: str, count: int = 1) -> None:
        writes = ["PUT", "POST"]
        if kind == "transient":
            self.sandbox.faults.add({"kind": "maintenance", "path": API, "count": count})
        elif kind == "permanent":
            self.sandbox.faults.add({"kind": "response", "path": API, "method": writes, "count": count, "status": 400,
                                     "body": json.dumps(VALIDATION), "content_type": "application/json"})
        elif kind == "lost_response":
            self.sandbox.faults.add({"kind": "lost_response", "path": API, "method": writes, "count": count})
        else:
            raise ValueError(f"unknown failure kind {kind!r}")

    def set_page_size(self, size: int) -> None:
        self.sandbox.max_page_size = size

    def lock_until(self, day: date) -> None:
        self.sandbox.set_lock_dates(period_lock_date=day)

    def count(self, document_type: str) -> int:
        ledger = self.sandbox.ledger()
        with self.sandbox.lock:
            if document_type == "contact":
                return sum(1 for c in ledger.contacts.values() if getattr(c, "status", "ACTIVE") == "ACTIVE")
            if document_type == "invoice":
                return sum(1 for i in ledger.invoices.values() if i.status not in ("VOIDED", "DELETED"))
            if document_type == "payment":
                return sum(1 for p in ledger.payments.values() if p.status == "AUTHORISED")
        raise ValueError(f"unknown document type {document_type!r}")
