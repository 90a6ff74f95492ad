"""One documented example envelope per event type (``ledgerbridge events example [TYPE]``).

Plain data. Together, in this order, they tell one story for tenant ``acme-plumbing`` (AUD, GST
10%, amounts exclusive of tax) and apply cleanly: ``ledgerbridge events example | ledgerbridge
ingest -``. A draft invoice is created, then authorised with an extra part; a partial payment is
received and later removed (the direct debit bounced); the invoice, now without payments, is voided;
finally a reconciliation of March's sales invoices is requested. Invoice lines:
``amount = round_half_up(quantity × unit_price, 2)``; ``total = Σ amounts + Σ tax_amount``.
"""

from __future__ import annotations

from typing import Any

_CONTACT: dict[str, Any] = {
    "id": "cust-2291",
    "name": "Harbourside Dental Pty Ltd",
    "email": "accounts@harbourside-dental.example",
    "number": "C-2291",
}

_CALL_OUT = {
    "description": "Call-out fee (business hours)", "quantity": "1", "unit_price": "95.00",
    "account_code": "200", "tax_code": "OUTPUT", "tax_amount": "9.50", "item_code": "CALLOUT",
}
_LABOUR = {
    "description": "Labour - licensed plumber (per hour)", "quantity": "2.5", "unit_price": "120.00",
    "account_code": "200", "tax_code": "OUTPUT", "tax_amount": "30.00", "item_code": "LAB-HR",
}
_CARTRIDGE = {
    "description": "Mixer tap cartridge 35mm", "quantity": "2", "unit_price": "38.50",
    "account_code": "200", "tax_code": "OUTPUT", "tax_amount": "7.70", "item_code": "CART-35",
}
_HOSE = {
    "description": "Braided flexible hose 15mm x 300mm", "quantity": "2", "unit_price": "14.20",
    "account_code": "200", "tax_code": "OUTPUT", "tax_amount": "2.84", "item_code": "HOSE-300",
}

EXAMPLES: dict[str, dict[str, Any]] = {
    # A draft: the job is still open. 95.00 + 300.00 + 77.00 = 472.00; tax 47.20; total 519.20.
    "invoice-created": {
        "id": "490b5824-b583-47d0-8e5c-71081a383e57",
        "type": "invoice-created",
        "tenant": "acme-plumbing",
        "occurred_at": "2025-03-10T16:42:00+10:00",
        "schema_version": 1,
        "data": {
            "invoice_id": "inv-48213",
            "number": "INV-4821",
            "ledger": "sales",
            "contact": _CONTACT,
            "issue_date": "2025-03-10",
            "due_date": "2025-03-24",
            "currency": "AUD",
            "amounts_are": "exclusive",
            "lines": [_CALL_OUT, _LABOUR, _CARTRIDGE],
            "total": "519.20",
            "status": "draft",
            "reference": "Job 48213 - leaking tap, surgery 2",
        },
    },
    # The full document again (a replacement, not a patch): a part added, now authorised.
    # 472.00 + 28.40 = 500.40; tax 47.20 + 2.84 = 50.04; total 550.44.
    "invoice-updated": {
        "id": "ddbaccd6-8281-47f8-86ef-844becc14adb",
        "type": "invoice-updated",
        "tenant": "acme-plumbing",
        "occurred_at": "2025-03-11T08:05:00+10:00",
        "schema_version": 1,
        "data": {
            "invoice_id": "inv-48213",
            "number": "INV-4821",
            "ledger": "sales",
            "contact": _CONTACT,
            "issue_date": "2025-03-10",
            "due_date": "2025-03-24",
            "currency": "AUD",
            "amounts_are": "exclusive",
            "lines": [_CALL_OUT, _LABOUR, _CARTRIDGE, _HOSE],
            "total": "550.44",
            "status": "authorised",
            "reference": "Job 48213 - leaking tap, surgery 2",
        },
    },
    # A part payment into the business bank account (Xero account code 090).
    "payment-received": {
        "id": "bea6b402-8e74-4bb4-8db3-970e0894c1ce",
        "type": "payment-received",
        "tenant": "acme-plumbing",
        "occurred_at": "2025-03-14T10:20:00+10:00",
        "schema_version": 1,
        "data": {
            "payment_id": "pay-90117",
            "invoice_id": "inv-48213",
            "date": "2025-03-14",
            "amount": "250.00",
            "currency": "AUD",
            "account_code": "090",
            "reference": "DD 48213 part payment",
        },
    },
    "payment-removed": {
        "id": "993db701-36b7-455b-a585-8e330a8c983d",
        "type": "payment-removed",
        "tenant": "acme-plumbing",
        "occurred_at": "2025-03-18T09:00:00+10:00",
        "schema_version": 1,
        "data": {
            "payment_id": "pay-90117",
            "reason": "Direct debit dishonoured by the customer's bank",
        },
    },
    # Allowed only because the invoice has no active payment any more.
    "invoice-voided": {
        "id": "171be8fa-2aed-416b-8f74-f48594824169",
        "type": "invoice-voided",
        "tenant": "acme-plumbing",
        "occurred_at": "2025-03-19T11:30:00+10:00",
        "schema_version": 1,
        "data": {
            "invoice_id": "inv-48213",
            "reason": "Raised against the wrong customer; reissued as INV-4830",
        },
    },
    "reconciliation-requested": {
        "id": "53b88d0f-ffc5-4abf-ba4d-d051ce084b01",
        "type": "reconciliation-requested",
        "tenant": "acme-plumbing",
        "occurred_at": "2025-04-01T07:00:00+10:00",
        "schema_version": 1,
        "data": {
            "kind": "invoices",
            "from": "2025-03-01",
            "to": "2025-03-31",
            "fix": False,
            "ledger": "sales",
        },
    },
}
