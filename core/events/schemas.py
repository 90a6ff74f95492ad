"""JSON Schemas of the events host apps send — the public contract (schema_version 1).

``ledgerbridge events schema [TYPE]`` prints them. Field names here are kept forever; new optional
fields may be added. Amounts are decimal strings (``"123.45"``) or JSON numbers, which are parsed
exactly (never through float).
"""

from __future__ import annotations

import copy
from typing import Any

SCHEMA_VERSION = 1
DIALECT = "https://json-schema.org/draft/2020-12/schema"

TENANT_PATTERN = "^[a-z0-9][a-z0-9_-]{0,62}$"

AMOUNT = {
    "type": ["string", "number"],
    "pattern": "^-?[0-9]+(\\.[0-9]+)?$",
    "description": "Decimal string such as \"123.45\", or a JSON number; parsed exactly.",
}
DATE = {"type": "string", "format": "date", "description": "ISO 8601 date, YYYY-MM-DD."}
CURRENCY = {"type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO 4217 code."}
ID = {"type": "string", "minLength": 1, "maxLength": 100}
TEXT = {"type": "string", "maxLength": 4000}
ACCOUNT_CODE = {"type": "string", "minLength": 1, "maxLength": 30}


def _object(required: list[str], properties: dict[str, Any], description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


CONTACT = _object(
    ["id", "name"],
    {
        "id": {**ID, "description": "The host app's contact id, unique per tenant."},
        "name": {"type": "string", "minLength": 1, "maxLength": 255},
        "email": {"type": "string", "maxLength": 255},
        "number": {"type": "string", "maxLength": 50, "description": "Contact/account number, if any."},
    },
)

LINE = _object(
    ["description", "quantity", "unit_price", "account_code", "tax_amount"],
    {
        "description": TEXT,
        "quantity": AMOUNT,
        "unit_price": AMOUNT,
        "account_code": ACCOUNT_CODE,
        "tax_code": {"type": "string", "maxLength": 50},
        "tax_amount": AMOUNT,
        "item_code": {"type": "string", "maxLength": 50},
    },
)

INVOICE = _object(
    [
        "invoice_id", "number", "ledger", "contact", "issue_date", "due_date", "currency",
        "amounts_are", "lines", "total", "status",
    ],
    {
        "invoice_id": {**ID, "description": "The host app's invoice id, unique per tenant."},
        "number": {"type": "string", "minLength": 1, "maxLength": 255},
        "ledger": {"enum": ["sales", "purchase"], "description": "sales = receivables, purchase = bills."},
        "contact": CONTACT,
        "issue_date": DATE,
        "due_date": DATE,
        "accounting_date": {**DATE, "description": "Posting date; defaults to issue_date."},
        "currency": CURRENCY,
        "exchange_rate": {**AMOUNT, "description": "Units of currency per base currency unit; never assumed 1."},
        "amounts_are": {"enum": ["exclusive", "inclusive", "no_tax"]},
        "lines": {"type": "array", "minItems": 1, "maxItems": 1000, "items": LINE},
        "total": AMOUNT,
        "status": {"enum": ["draft", "authorised"]},
        "reference": {"type": "string", "maxLength": 255},
    },
)

DATA_SCHEMAS: dict[str, dict[str, Any]] = {
    "invoice-created": INVOICE,
    "invoice-updated": INVOICE,
    "invoice-voided": _object(["invoice_id"], {"invoice_id": ID, "reason": TEXT}),
    "payment-received": _object(
        ["payment_id", "invoice_id", "date", "amount", "currency", "account_code"],
        {
            "payment_id": {**ID, "description": "The host app's payment id, unique per tenant."},
            "invoice_id": ID,
            "date": DATE,
            "amount": AMOUNT,
            "currency": CURRENCY,
            "account_code": {**ACCOUNT_CODE, "description": "Bank/clearing account the money went to."},
            "reference": {"type": "string", "maxLength": 255},
            "discount": {**AMOUNT, "description": "Cash discount granted with this payment."},
        },
    ),
    "payment-removed": _object(["payment_id"], {"payment_id": ID, "reason": TEXT}),
    "reconciliation-requested": _object(
        ["kind", "from", "to", "fix"],
        {
            "kind": {"enum": ["invoices", "payments", "open-invoices"]},
            "from": DATE,
            "to": DATE,
            "fix": {"type": "boolean"},
            "ledger": {"enum": ["sales", "purchase"]},
        },
    ),
}

EVENT_TYPES = tuple(DATA_SCHEMAS)

#: What ledgerbridge publishes (exchange ``<namespace>.notifications``): same envelope, these data.
NOTIFICATION_SCHEMAS: dict[str, dict[str, Any]] = {
    "reconciliation-completed": _object(
        ["kind", "from", "to", "status"],
        {
            "run_id": {"type": ["integer", "null"], "description": "The run's id (`ledgerbridge runs show ID`)."},
            "requested_by": {"type": ["string", "null"], "description": "Id of the reconciliation-requested event."},
            "kind": {"enum": ["invoices", "payments", "open-invoices"]},
            "from": DATE,
            "to": DATE,
            "ledger": {"enum": ["sales", "purchase", None]},
            "fix": {"type": "boolean"},
            "status": {"enum": ["done", "failed", "refused"]},
            "reason": {"type": ["string", "null"], "description": "Why it was refused or failed."},
            "summary": {"type": "object", "additionalProperties": {"type": "integer"},
                        "description": "Count of items per class."},
        },
    ),
    "push-failed": _object(
        ["document_type", "document_id", "package", "message"],
        {
            "document_type": {"enum": ["contact", "invoice", "payment"]},
            "document_id": {**ID, "description": "The host app's id of the document."},
            "package": {"type": "string"},
            "message": {"type": "string", "description": "The package's own words."},
            "attempts": {"type": "integer"},
        },
    ),
}
NOTIFICATION_TYPES = tuple(NOTIFICATION_SCHEMAS)


def envelope_schema(event_type: str) -> dict[str, Any]:
    """The full JSON Schema of one event type (inbound or notification), envelope included."""
    data = copy.deepcopy({**DATA_SCHEMAS, **NOTIFICATION_SCHEMAS}[event_type])
    return {
        "$schema": DIALECT,
        "$id": f"urn:ledgerbridge:event:{event_type}:v{SCHEMA_VERSION}",
        "title": event_type,
        **_object(
            ["id", "type", "tenant", "occurred_at", "schema_version", "data"],
            {
                "id": {"type": "string", "format": "uuid", "description": "Event id; the same id twice has effect once."},
                "type": {"const": event_type},
                "tenant": {"type": "string", "pattern": TENANT_PATTERN},
                "occurred_at": {"type": "string", "format": "date-time", "description": "RFC 3339 timestamp."},
                "schema_version": {"const": SCHEMA_VERSION},
                "data": data,
            },
        ),
    }


ENVELOPE = _object(
    ["id", "type", "tenant", "occurred_at", "schema_version", "data"],
    {
        "id": {"type": "string", "format": "uuid"},
        "type": {"enum": list(EVENT_TYPES)},
        "tenant": {"type": "string", "pattern": TENANT_PATTERN},
        "occurred_at": {"type": "string", "format": "date-time"},
        "schema_version": {"const": SCHEMA_VERSION},
        "data": {"type": "object"},
    },
)
