"""Validation at the edge: raw JSON text → :class:`~core.events.model.Event`, or a clear error.

Every error names the field (``data.lines[1].unit_price``) and why. JSON numbers are parsed into
Decimal; NaN/Infinity and duplicate keys are refused.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator, FormatChecker

from core import money
from core.events import model, schemas


class EventError(ValueError):
    """An event that cannot be accepted; ``reason`` says which field and why."""

    def __init__(self, reason: str, *, event_id: str | None = None, event_type: str | None = None,
                 tenant: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.event_id = event_id
        self.event_type = event_type
        self.tenant = tenant


RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")

_formats = FormatChecker(formats=())
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@_formats.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    # fromisoformat alone also takes ISO week dates ("2025-W10-1") and "20250310"
    return not isinstance(value, str) or bool(_DATE.fullmatch(value) and date.fromisoformat(value))


@_formats.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    """RFC 3339: date, T, time with seconds, and a zone (Z or ±hh:mm)."""
    if not isinstance(value, str):
        return True
    return bool(RFC3339.fullmatch(value)) and datetime.fromisoformat(value.replace("z", "Z")) is not None


@_formats.checks("uuid", raises=ValueError)
def _is_uuid(value: object) -> bool:
    return not isinstance(value, str) or bool(uuid.UUID(value))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in amounts")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def loads(raw: str | bytes) -> Any:
    """JSON → Python with Decimal numbers; raises EventError naming the problem."""
    try:
        return json.loads(raw, parse_float=Decimal, parse_int=int, parse_constant=_reject_constant,
                          object_pairs_hook=_no_duplicate_keys)
    except UnicodeDecodeError as exc:
        raise EventError(f"not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    except json.JSONDecodeError as exc:
        raise EventError(f"bad JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except ValueError as exc:
        raise EventError(f"bad JSON: {exc}") from None


@lru_cache(maxsize=None)
def _validator(event_type: str | None) -> Draft202012Validator:
    schema = schemas.ENVELOPE if event_type is None else schemas.envelope_schema(event_type)
    return Draft202012Validator(schema, format_checker=_formats)


@lru_cache(maxsize=None)
def _fast_validator(event_type: str | None) -> Any:
    """Compiled validator for the common (valid) case; jsonschema explains failures."""
    schema = schemas.ENVELOPE if event_type is None else schemas.envelope_schema(event_type)
    checks = {name: _safe(check) for name, check in (("date", _is_date), ("date-time", _is_datetime), ("uuid", _is_uuid))}
    return fastjsonschema.compile(schema, formats=checks)


def _safe(check: Any) -> Any:
    def run(value: object) -> bool:
        try:
            return bool(check(value))
        except ValueError:
            return False
    return run


def _path(error: Any) -> str:
    text = ""
    for part in error.absolute_path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(event)"


def _schema_errors(validator: Draft202012Validator, document: Any) -> str | None:
    errors = sorted(validator.iter_errors(document), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    if not errors:
        return None
    shown = [f"{_path(e)}: {_message(e)}" for e in errors[:5]]
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return "; ".join(shown) + more


def _message(error: Any) -> str:
    if error.validator == "pattern" and error.schema.get("pattern") == schemas.AMOUNT["pattern"]:
        return f"{error.instance!r} is not a decimal number like 123.45"
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown field(s)")
    if error.validator == "format":
        return f"{error.instance!r} is not a valid {error.validator_value}"
    return error.message


def parse_event(raw: str | bytes) -> model.Event:
    """Validate one event (JSON text) and return it typed; raise :class:`EventError` if it is bad."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, (bytes, bytearray)) else raw
    except UnicodeDecodeError as exc:  # a ValueError, but not an EventError: callers would miss it
        raise EventError(f"not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    document = loads(text)
    if not isinstance(document, dict):
        raise EventError("an event must be a JSON object")
    ident = document.get("id") if isinstance(document.get("id"), str) else None
    etype = document.get("type") if isinstance(document.get("type"), str) else None
    tenant = document.get("tenant") if isinstance(document.get("tenant"), str) else None
    context = {"event_id": ident, "event_type": etype, "tenant": tenant}

    try:
        _fast_validator(etype if etype in schemas.DATA_SCHEMAS else None)(document)
    except fastjsonschema.JsonSchemaValueException as exc:
        problem = _schema_errors(_validator(None), document)
        if problem is None:
            problem = _schema_errors(_validator(etype), document)
        raise EventError(problem or exc.message, **context) from None
    try:
        payload = _PAYLOADS[etype](document["data"])
    except (money.MoneyError, ValueError) as exc:
        raise EventError(str(exc), **context) from None
    return model.Event(
        id=str(uuid.UUID(ident)),
        type=etype,
        tenant=tenant,
        occurred_at=datetime.fromisoformat(document["occurred_at"]),
        schema_version=document["schema_version"],
        payload=payload,
        raw=text,
    )


# --- payloads ------------------------------------------------------------------------------------

def _invoice(data: dict[str, Any]) -> model.InvoiceData:
    currency = data["currency"]
    amounts_are = data["amounts_are"]
    lines = []
    for i, line in enumerate(data["lines"]):
        where = f"data.lines[{i}]"
        quantity = money.parse_decimal(line["quantity"], field=f"{where}.quantity")
        unit_price = money.parse_decimal(line["unit_price"], field=f"{where}.unit_price")
        tax = money.parse_money(line["tax_amount"], currency, field=f"{where}.tax_amount")
        for name, value in (("quantity", quantity), ("unit_price", unit_price)):
            if value.as_tuple().exponent < -4:  # type: ignore[operator]
                raise ValueError(f"{where}.{name}: {value} has more than 4 decimal places")
        if amounts_are == "no_tax" and tax != 0:
            raise ValueError(f"{where}.tax_amount: must be 0 when amounts_are is no_tax, got {tax}")
        money_line = money.Line(quantity, unit_price, tax)
        try:
            amount = money.line_amount(money_line, currency)
        except money.MoneyError as exc:
            raise ValueError(f"{where}: quantity × unit_price: {exc}") from None
        lines.append(model.LineData(
            description=line["description"], quantity=quantity, unit_price=unit_price,
            account_code=line["account_code"], tax_amount=tax,
            line_amount=amount,
            tax_code=line.get("tax_code"), item_code=line.get("item_code"),
        ))
    totals = money.invoice_totals(
        (money.Line(l.quantity, l.unit_price, l.tax_amount) for l in lines), amounts_are, currency)
    total = money.parse_money(data["total"], currency, field="data.total")
    if total != totals.total:
        raise ValueError(
            f"data.total: {total} does not agree with the lines ({amounts_are}: {totals.explain(amounts_are)})")
    rate = None
    if "exchange_rate" in data:
        rate = money.parse_decimal(data["exchange_rate"], field="data.exchange_rate")
        if rate <= 0:
            raise ValueError(f"data.exchange_rate: must be positive, got {rate}")
        if rate.as_tuple().exponent < -10:  # type: ignore[operator]
            raise ValueError(f"data.exchange_rate: {rate} has more than 10 decimal places")
    issue = date.fromisoformat(data["issue_date"])
    due = date.fromisoformat(data["due_date"])
    if due < issue:
        raise ValueError(f"data.due_date: {due} is before data.issue_date {issue}")
    contact = data["contact"]
    return model.InvoiceData(
        invoice_id=data["invoice_id"], number=data["number"], ledger=data["ledger"],
        contact=model.ContactData(contact["id"], contact["name"], contact.get("email"), contact.get("number")),
        issue_date=issue, due_date=due,
        accounting_date=date.fromisoformat(data["accounting_date"]) if "accounting_date" in data else issue,
        currency=currency, exchange_rate=rate, amounts_are=amounts_are, lines=tuple(lines),
        subtotal=totals.subtotal, tax_total=totals.tax, total=total, status=data["status"],
        reference=data.get("reference"),
    )


def _payment(data: dict[str, Any]) -> model.PaymentData:
    currency = data["currency"]
    amount = money.parse_money(data["amount"], currency, field="data.amount")
    if amount <= 0:
        raise ValueError(f"data.amount: must be positive, got {amount}")
    discount = money.parse_money(data.get("discount", 0), currency, field="data.discount")
    if discount < 0:
        raise ValueError(f"data.discount: must not be negative, got {discount}")
    return model.PaymentData(
        payment_id=data["payment_id"], invoice_id=data["invoice_id"], date=date.fromisoformat(data["date"]),
        amount=amount, currency=currency, account_code=data["account_code"],
        reference=data.get("reference"), discount=discount,
    )


def _reconciliation(data: dict[str, Any]) -> model.ReconciliationRequestData:
    start, end = date.fromisoformat(data["from"]), date.fromisoformat(data["to"])
    if end < start:
        raise ValueError(f"data.to: {end} is before data.from {start}")
    return model.ReconciliationRequestData(data["kind"], start, end, data["fix"], data.get("ledger"))


_PAYLOADS = {
    "invoice-created": _invoice,
    "invoice-updated": _invoice,
    "invoice-voided": lambda d: model.InvoiceVoidedData(d["invoice_id"], d.get("reason")),
    "payment-received": _payment,
    "payment-removed": lambda d: model.PaymentRemovedData(d["payment_id"], d.get("reason")),
    "reconciliation-requested": _reconciliation,
}
