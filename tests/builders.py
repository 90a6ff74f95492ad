"""Event builders for tests: the ``data`` of valid events, envelopes, JSON lines — easy to tweak."""

from __future__ import annotations

import itertools
import json
import uuid
from decimal import Decimal
from typing import Any

from core import money


_ids = itertools.count(1)


def new_event_id() -> str:
    """Deterministic, distinct event ids (uuid format, as the envelope requires)."""
    return str(uuid.UUID(int=next(_ids)))


def contact_data(contact_id: str = "cust-1", name: str = "Harbourside Dental", **fields: Any) -> dict[str, Any]:
    return {"id": contact_id, "name": name, **fields}


def line_data(description: str = "Labour", quantity: str = "2", unit_price: str = "120.00",
              tax_amount: str = "24.00", account_code: str = "200", **fields: Any) -> dict[str, Any]:
    return {"description": description, "quantity": quantity, "unit_price": unit_price,
            "account_code": account_code, "tax_amount": tax_amount, **fields}


def invoice_total(lines: list[dict[str, Any]], amounts_are: str = "exclusive", currency: str = "AUD") -> Decimal:
    """The total the edge validation expects (core.money, rounded per line)."""
    money_lines = [money.Line(Decimal(str(l["quantity"])), Decimal(str(l["unit_price"])), Decimal(str(l["tax_amount"])))
                   for l in lines]
    return money.invoice_totals(money_lines, amounts_are, currency).total


def invoice_data(invoice_id: str = "inv-1", *, lines: list[dict[str, Any]] | None = None,
                 total: str | None = None, **fields: Any) -> dict[str, Any]:
    """invoice-created/-updated data; the total is computed from the lines unless given.

    Defaults: sales ledger, AUD, exclusive of tax, authorised, one line 2 × 120.00 + 24.00 tax.
    """
    data: dict[str, Any] = {
        "invoice_id": invoice_id, "number": f"INV-{invoice_id}", "ledger": "sales", "contact": contact_data(),
        "issue_date": "2026-03-10", "due_date": "2026-03-24", "currency": "AUD", "amounts_are": "exclusive",
        "lines": lines if lines is not None else [line_data()], "status": "authorised",
    }
    data.update(fields)
    data["total"] = total if total is not None else str(invoice_total(data["lines"], data["amounts_are"], data["currency"]))
    return data


def payment_data(payment_id: str = "pay-1", invoice_id: str = "inv-1", amount: str = "100.00",
                 **fields: Any) -> dict[str, Any]:
    return {"payment_id": payment_id, "invoice_id": invoice_id, "date": "2026-03-14", "amount": amount,
            "currency": "AUD", "account_code": "090", **fields}


def reconciliation_data(**fields: Any) -> dict[str, Any]:
    return {"kind": "invoices", "from": "2026-03-01", "to": "2026-03-31", "fix": False, **fields}


def envelope(event_type: str, data: dict[str, Any], *, tenant: str = "acme-plumbing", event_id: str | None = None,
             occurred_at: str = "2026-03-14T09:30:00+11:00") -> dict[str, Any]:
    """The envelope around ``data``; a fresh random id unless ``event_id`` is given."""
    return {"id": event_id or str(uuid.uuid4()), "type": event_type, "tenant": tenant, "occurred_at": occurred_at,
            "schema_version": 1, "data": data}


def invoice(invoice_id: str = "INV-1", number: str | None = None, *, contact: str = "C-1", ledger: str = "sales",
            quantity: str = "2", unit_price: str = "55.50", tax: str = "11.10", status: str = "authorised",
            currency: str = "AUD", **extra: Any) -> dict:
    """invoice-created data with one exclusive-tax line (the shape the pipeline tests use)."""
    return invoice_data(invoice_id, number=number or invoice_id, ledger=ledger, status=status, currency=currency,
                        contact=contact_data(contact, f"Customer {contact}"), issue_date="2026-11-02",
                        due_date="2026-11-16", lines=[line_data(quantity=quantity, unit_price=unit_price,
                                                                tax_amount=tax, tax_code="OUTPUT")], **extra)


def payment(payment_id: str = "PAY-1", invoice_id: str = "INV-1", amount: str = "50.00", **extra: Any) -> dict:
    return payment_data(payment_id, invoice_id, amount, **{"date": "2026-11-05", **extra})


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
