"""The conformance kit's levers (:class:`core.testing.SandboxControl`) for one business."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .app import MyobSandbox

WRITES = ["POST", "PUT", "DELETE"]


class MyobControl:
    """Acts on one business of a :class:`~.app.MyobSandbox` (faults scoped to its API's paths)."""

    def __init__(self, sandbox: "MyobSandbox", business_id: str) -> None:
        self.sandbox, self.business_id = sandbox, business_id

    @property
    def _business(self):
        return self.sandbox.businesses[self.business_id]

    @property
    def _path(self) -> str:
        return "*/essentials/*" if self._business.edition == "essentials" else "*/accountright/*"

    def fail_next(self, kind: str, count: int = 1) -> None:
        """``transient``: 503 on the next calls; ``permanent``: 400 ValidationError on the next writes;
        ``lost_response``: the next writes are applied but their answers are dropped."""
        specs = {"transient": {"kind": "unavailable"},
                 "permanent": {"kind": "validation_error", "method": WRITES},
                 "lost_response": {"kind": "lost_response", "method": WRITES}}
        if kind not in specs:
            raise ValueError(f"kind must be one of {sorted(specs)}, not {kind!r}")
        self.sandbox.faults.add({**specs[kind], "path": self._path, "count": count, "name": f"fail_next:{kind}"})

    def set_page_size(self, size: int) -> None:
        with self.sandbox.lock:
            self._business.page_cap = int(size) if size else None

    def lock_until(self, day: date | None) -> None:
        """Refuse changes dated on or before ``day`` (MYOB: ``LockPeriodPriorTo`` = the day after)."""
        with self.sandbox.lock:
            self._business.lock_period_prior_to = None if day is None else day + timedelta(days=1)
            self._business.lock_inclusive = False

    def count(self, document_type: str) -> int:
        """Live cards (customers + suppliers), invoices + bills, customer + supplier payments."""
        with self.sandbox.lock:
            b = self._business
            if document_type == "contact":
                return len(b.contacts)
            if document_type == "invoice":
                return len(b.sales)
            if document_type == "payment":
                return len(b.payments)
        raise ValueError(f"unknown document type {document_type!r}")
