"""Event builders for tests: valid envelopes as dicts/JSON, easy to tweak."""

from __future__ import annotations

import json
import uuid
from typing import Any


def envelope(event_type: str, data: dict[str, Any], tenant: str = "acme-plumbing", event_id: str | None = None) -> dict:
    return {"id": event_id or str(uuid.uuid4()), "type": event_type, "tenant": tenant,
            "occurred_at": "2026-11-02T09:30:00+11:00", "schema_version": 1, "data": data}


def invoice(invoice_id: str = "INV-1", number: str | None = None, *, contact: str = "C-1", ledger: str = "sales",
            quantity: str = "2", unit_price: str = "55.50", tax: str = "11.10", status: str = "authorised",
            currency: str = "AUD", **extra: Any) -> dict:
    """invoice-created data for one exclusive-tax line; the total agrees with the line."""
    from decimal import Decimal

    total = (Decimal(quantity) * Decimal(unit_price)).quantize(Decimal("0.01")) + Decimal(tax)
    data = {"invoice_id": invoice_id, "number": number or invoice_id, "ledger": ledger,
            "contact": {"id": contact, "name": f"Customer {contact}"}, "issue_date": "2026-11-02",
            "due_date": "2026-11-16", "currency": currency, "amounts_are": "exclusive",
            "lines": [{"description": "Labour", "quantity": quantity, "unit_price": unit_price,
                       "account_code": "200", "tax_code": "OUTPUT", "tax_amount": tax}],
            "total": str(total), "status": status}
    data.update(extra)
    return data


def payment(payment_id: str = "PAY-1", invoice_id: str = "INV-1", amount: str = "50.00", **extra: Any) -> dict:
    data = {"payment_id": payment_id, "invoice_id": invoice_id, "date": "2026-11-05", "amount": amount,
            "currency": "AUD", "account_code": "090"}
    data.update(extra)
    return data


def line(event_type: str, data: dict[str, Any], **kwargs: Any) -> str:
    return json.dumps(envelope(event_type, data, **kwargs))


def bulk_invoice_lines(count: int, tenant: str = "acme-plumbing", prefix: str = "B") -> list[str]:
    """``count`` distinct, valid invoice-created lines (fast: one template, new ids)."""
    template = envelope("invoice-created", invoice(), tenant=tenant)
    lines = []
    for i in range(count):
        template["id"] = str(uuid.UUID(int=uuid.uuid4().int))
        template["data"]["invoice_id"] = template["data"]["number"] = f"{prefix}-{i:06d}"
        template["data"]["contact"] = {"id": f"C-{i % 200}", "name": f"Customer {i % 200}"}
        lines.append(json.dumps(template))
    return lines
