"""Edge validation (core.events.parse): exact numbers, strict JSON, and errors that name the field."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import money
from core.events import model
from core.events.parse import EventError, loads, parse_event
from core.events.schemas import EVENT_TYPES, envelope_schema
from tests.fakes import (
    envelope, invoice_data, invoice_total, line_data, payment_data, reconciliation_data,
)

PROPERTY = settings(derandomize=True, database=None, deadline=None, max_examples=150)

PAYLOAD_TYPES = {
    "invoice-created": model.InvoiceData, "invoice-updated": model.InvoiceData,
    "invoice-voided": model.InvoiceVoidedData, "payment-received": model.PaymentData,
    "payment-removed": model.PaymentRemovedData, "reconciliation-requested": model.ReconciliationRequestData,
}


def refused(raw: str | bytes | dict, *needles: str) -> EventError:
    """parse_event refuses ``raw`` (a dict is dumped to JSON) with a reason containing every needle."""
    text = json.dumps(raw) if isinstance(raw, dict) else raw
    with pytest.raises(EventError) as info:
        parse_event(text)
    for needle in needles:
        assert needle in info.value.reason, f"{needle!r} not in {info.value.reason!r}"
    assert str(info.value) == info.value.reason
    return info.value


def with_number(document: dict, placeholder: str, number: str) -> str:
    """JSON text of ``document`` with the string ``placeholder`` replaced by a raw JSON ``number``."""
    text = json.dumps(document)
    assert text.count(json.dumps(placeholder)) == 1
    return text.replace(json.dumps(placeholder), number)


def invoice_event(**fields: Any) -> dict:
    return envelope("invoice-created", invoice_data(**fields))


# --- documented examples --------------------------------------------------------------------------------------

@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_documented_example_parses(event_type):
    examples = pytest.importorskip("core.events.examples")
    document = examples.EXAMPLES[event_type]
    text = json.dumps(document)
    event = parse_event(text)
    assert (event.id, event.type, event.tenant, event.schema_version) == (
        document["id"], event_type, document["tenant"], 1)
    assert event.occurred_at == datetime.fromisoformat(document["occurred_at"])
    assert isinstance(event.payload, PAYLOAD_TYPES[event_type])
    assert event.raw == text
    assert parse_event(text.encode("utf-8")) == event  # bytes from the bus parse the same
    assert event.routing_key == f"{event_type}.{document['tenant']}"


def test_invoice_examples_carry_their_totals():
    examples = pytest.importorskip("core.events.examples")
    for event_type in ("invoice-created", "invoice-updated"):
        document = examples.EXAMPLES[event_type]
        payload = parse_event(json.dumps(document)).payload
        assert payload.total == Decimal(document["data"]["total"])
        assert payload.subtotal + payload.tax_total == payload.total
        assert len(payload.lines) == len(document["data"]["lines"])


def test_every_event_type_has_a_schema_and_a_builder_event_that_parses():
    documents = {
        "invoice-created": invoice_event(),
        "invoice-updated": envelope("invoice-updated", invoice_data()),
        "invoice-voided": envelope("invoice-voided", {"invoice_id": "inv-1", "reason": "wrong customer"}),
        "payment-received": envelope("payment-received", payment_data()),
        "payment-removed": envelope("payment-removed", {"payment_id": "pay-1"}),
        "reconciliation-requested": envelope("reconciliation-requested", reconciliation_data()),
    }
    assert set(documents) == set(EVENT_TYPES)
    for event_type, document in documents.items():
        assert envelope_schema(event_type)["properties"]["type"] == {"const": event_type}
        assert isinstance(parse_event(json.dumps(document)).payload, PAYLOAD_TYPES[event_type])


# --- exact numbers -------------------------------------------------------------------------------------------------

def test_json_numbers_become_exact_decimals():
    parsed = loads('{"a": 0.1, "b": 12345678901234567.89, "c": 1.10, "d": 10000000000000000000000001}')
    assert parsed["a"] == Decimal("0.1") and isinstance(parsed["a"], Decimal)
    assert str(parsed["b"]) == "12345678901234567.89"  # a float would give 12345678901234568.0
    assert str(parsed["c"]) == "1.10"
    assert parsed["d"] == 10**25 + 1 and isinstance(parsed["d"], int)


def test_a_large_json_number_amount_survives_exactly():
    raw = with_number(envelope("payment-received", payment_data(amount="@")), "@", "12345678901234.89")
    assert parse_event(raw).payload.amount == Decimal("12345678901234.89")  # a float would give ...234.88999


def test_json_number_amounts_are_rounded_exactly_not_as_floats():
    # 0.285 as a float is 0.28499999…, which would round to 0.28; exactly it is 0.285 → 0.29.
    data = invoice_data(lines=[line_data(quantity="@q", unit_price="@p", tax_amount="@t")], total="@total",
                        amounts_are="no_tax")
    raw = json.dumps(envelope("invoice-created", data))
    for placeholder, number in (("@q", "1"), ("@p", "0.285"), ("@t", "0"), ("@total", "0.29")):
        raw = raw.replace(f'"{placeholder}"', number)
    payload = parse_event(raw).payload
    assert payload.lines[0].unit_price == Decimal("0.285")
    assert payload.lines[0].line_amount == payload.total == Decimal("0.29")


def test_exponent_json_numbers_are_exact_too():
    raw = with_number(envelope("payment-received", payment_data(amount="@")), "@", "1e2")
    assert str(parse_event(raw).payload.amount) == "100.00"


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_literals_are_refused(literal):
    refused(with_number(envelope("payment-received", payment_data(amount="@")), "@", literal), "bad JSON", literal)


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", "1e5", "1,50", "12.", "€5"])
def test_non_decimal_amount_strings_are_refused(text):
    refused(envelope("payment-received", payment_data(amount=text)), "data.amount", "not a decimal number")


@pytest.mark.parametrize("where, number", [("total", "1e400"), ("total", "9" * 40), ("amount", "1" * 30)])
def test_amounts_too_large_to_handle_are_refused_not_crashing(where, number):
    if where == "total":
        document = invoice_event(total="@")
    else:
        document = envelope("payment-received", payment_data(amount="@"))
    error = refused(with_number(document, "@", number), f"data.{where}", "too large")
    assert error.event_type in ("invoice-created", "payment-received")


def test_line_too_large_to_multiply_is_refused_naming_the_line():
    document = invoice_event(lines=[line_data(), line_data(quantity="9" * 16, unit_price="9" * 14)], total="1")
    refused(document, "data.lines[1]", "too large")


# --- strict JSON -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    '{"id": "a", "id": "b"}',
    '{"type": "payment-removed", "data": {"payment_id": "p1", "payment_id": "p2"}}',
])
def test_duplicate_keys_are_refused(raw):
    refused(raw, "duplicate key")


@pytest.mark.parametrize("raw", ["[]", '"invoice-created"', "1", "null", "true", "[{}]"])
def test_a_non_object_is_refused(raw):
    error = refused(raw, "must be a JSON object")
    assert (error.event_id, error.event_type, error.tenant) == (None, None, None)


@pytest.mark.parametrize("raw, needle", [
    ("", "bad JSON"), ("{", "bad JSON"), ('{"a": 1,}', "bad JSON"), ("{'a': 1}", "bad JSON"),
    (b"\xff\xfe{}", "not UTF-8"), (b'{"a": "\xc3("}', "not UTF-8"),
])
def test_unreadable_input_is_refused(raw, needle):
    refused(raw, needle)


# --- schema violations name the field --------------------------------------------------------------------------

def _set(path: str, value: Any) -> Callable[[dict], None]:
    def change(document: dict) -> None:
        *parents, last = path.split(".")
        node = document
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is _DELETE:
            del node[int(last) if last.isdigit() else last]
        else:
            node[int(last) if last.isdigit() else last] = value
    return change


_DELETE = object()
TWO_LINES = [line_data(), line_data("Parts", "3", "10.00", "3.00")]


@pytest.mark.parametrize("change, needles", [
    (_set("data.lines.0.quantity", "abc"), ["data.lines[0].quantity", "'abc'", "not a decimal number"]),
    (_set("data.lines.1.unit_price", "1/2"), ["data.lines[1].unit_price"]),
    (_set("data.lines.1.tax_amount", _DELETE), ["data.lines[1]", "'tax_amount' is a required property"]),
    (_set("data.lines.0.qty", 1), ["data.lines[0]", "unknown field", "qty"]),
    (_set("data.colour", "red"), ["data: unknown field", "colour"]),
    (_set("data.contact.phone", "555"), ["data.contact", "unknown field", "phone"]),
    (_set("extra", 1), ["(event): unknown field", "extra"]),
    (_set("data.contact.name", ""), ["data.contact.name"]),
    (_set("data.ledger", "both"), ["data.ledger", "'both'"]),
    (_set("data.currency", "aud"), ["data.currency", "'aud'"]),
    (_set("data.status", "paid"), ["data.status", "'paid'"]),
    (_set("data.amounts_are", "gross"), ["data.amounts_are"]),
    (_set("data.number", ""), ["data.number"]),
    (_set("data.lines", []), ["data.lines", "non-empty"]),
    (_set("data.total", True), ["data.total"]),
    (_set("data.invoice_id", 42), ["data.invoice_id"]),
    (_set("data", _DELETE), ["'data' is a required property"]),
    (_set("type", "invoice-deleted"), ["type", "'invoice-deleted'"]),
    (_set("schema_version", 2), ["schema_version"]),
    (_set("tenant", "Acme Plumbing"), ["tenant", "'Acme Plumbing'"]),
], ids=lambda v: v[0] if isinstance(v, list) else None)
def test_schema_violation_names_the_field(change, needles):
    document = invoice_event(lines=copy.deepcopy(TWO_LINES))
    change(document)
    error = refused(document, *needles)
    assert error.tenant == document["tenant"]


def test_error_carries_the_event_context():
    document = invoice_event(lines=[line_data(quantity="x")], total="1")
    error = refused(document, "data.lines[0].quantity")
    assert (error.event_id, error.event_type, error.tenant) == (document["id"], "invoice-created", document["tenant"])


@pytest.mark.parametrize("document, needles", [
    (envelope("payment-received", {**payment_data(), "amount": True}), ["data.amount"]),
    (envelope("payment-received", {k: v for k, v in payment_data().items() if k != "account_code"}),
     ["data", "'account_code' is a required property"]),
    (envelope("reconciliation-requested", reconciliation_data(fix="yes")), ["data.fix", "boolean"]),
    (envelope("reconciliation-requested", reconciliation_data(kind="everything")), ["data.kind"]),
    (envelope("invoice-voided", {"invoice_id": "inv-1", "why": "x"}), ["data: unknown field", "why"]),
])
def test_schema_violations_in_other_event_types(document, needles):
    refused(document, *needles)


def test_wrong_total_names_both_amounts():
    refused(invoice_event(total="264.01"), "data.total: 264.01", "264.00", "lines 240.00 + tax 24.00")
    refused(invoice_event(amounts_are="inclusive", total="264.00"), "data.total: 264.00", "= 240.00", "inclusive")


# --- formats ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["not-a-uuid", "00000000-0000-0000-0000-00000000000G", "", "1234"])
def test_bad_event_id_is_refused(value):
    document = invoice_event()
    document["id"] = value
    refused(document, "id:", "not a valid uuid")


def test_event_id_is_normalised():
    document = invoice_event()
    document["id"] = "ABCDEF01-1234-5678-9ABC-DEF012345678"
    assert parse_event(json.dumps(document)).id == "abcdef01-1234-5678-9abc-def012345678"


@pytest.mark.parametrize("value", ["2026-02-30", "2026-13-01", "10/03/2026", "20260310", "2026-W10-1", "2026-3-1",
                                   "2026-03-10T00:00:00", ""])
def test_bad_date_is_refused(value):
    refused(invoice_event(issue_date=value), "data.issue_date", "not a valid date")


@pytest.mark.parametrize("value", ["2026-03-14T09:30:00", "2026-03-14", "2026-03-14 09:30:00+00:00", "yesterday",
                                   "2026-03-14T25:00:00Z"])
def test_bad_date_time_is_refused(value):
    document = invoice_event()
    document["occurred_at"] = value
    refused(document, "occurred_at", "not a valid date-time")


@pytest.mark.parametrize("value, expected", [
    ("2026-03-14T09:30:00Z", datetime(2026, 3, 14, 9, 30, tzinfo=UTC)),
    ("2026-03-14T20:30:00+11:00", datetime(2026, 3, 14, 9, 30, tzinfo=UTC)),
])
def test_occurred_at_is_timezone_aware(value, expected):
    document = invoice_event()
    document["occurred_at"] = value
    occurred = parse_event(json.dumps(document)).occurred_at
    assert occurred == expected and occurred.tzinfo is not None


# --- rules beyond the schema --------------------------------------------------------------------------------------

def test_to_before_from_is_refused():
    refused(envelope("reconciliation-requested", reconciliation_data(**{"from": "2026-03-31", "to": "2026-03-01"})),
            "data.to: 2026-03-01 is before data.from 2026-03-31")


def test_reconciliation_request_is_typed():
    payload = parse_event(json.dumps(envelope("reconciliation-requested", reconciliation_data(ledger="purchase")))).payload
    assert payload == model.ReconciliationRequestData("invoices", date(2026, 3, 1), date(2026, 3, 31), False, "purchase")


@pytest.mark.parametrize("fields, needles", [
    ({"due_date": "2026-03-09"}, ["data.due_date: 2026-03-09 is before data.issue_date 2026-03-10"]),
    ({"exchange_rate": "0"}, ["data.exchange_rate", "positive"]),
    ({"exchange_rate": "-1.5"}, ["data.exchange_rate", "positive"]),
    ({"amounts_are": "no_tax"}, ["data.lines[0].tax_amount", "must be 0", "no_tax"]),
    ({"lines": [line_data(quantity="1.00001")]}, ["data.lines[0].quantity", "4 decimal places"]),
    ({"lines": [line_data(unit_price="0.12345")]}, ["data.lines[0].unit_price", "4 decimal places"]),
    ({"lines": [line_data(tax_amount="24.001")]}, ["data.lines[0].tax_amount", "2 decimal places", "AUD"]),
    ({"currency": "JPY", "lines": [line_data(unit_price="120", tax_amount="24")], "total": "264.5"},
     ["data.total", "0 decimal places", "JPY"]),
    ({"currency": "JPY", "lines": [line_data(unit_price="120", tax_amount="24.5")], "total": "264"},
     ["data.lines[0].tax_amount", "0 decimal places", "JPY"]),
])
def test_invoice_rules(fields, needles):
    refused(invoice_event(**fields), *needles)


@pytest.mark.parametrize("fields, needles", [
    ({"amount": "0"}, ["data.amount", "positive"]),
    ({"amount": "-5.00"}, ["data.amount", "positive"]),
    ({"amount": "5.001"}, ["data.amount", "2 decimal places"]),
    ({"discount": "-1"}, ["data.discount", "negative"]),
])
def test_payment_rules(fields, needles):
    refused(envelope("payment-received", payment_data(**fields)), *needles)


def test_invoice_payload_is_complete():
    document = invoice_event(lines=copy.deepcopy(TWO_LINES), exchange_rate="0.6543210", reference="Job 1",
                             contact={"id": "c-9", "name": "Dental", "email": "a@b.example", "number": "C9"})
    payload = parse_event(json.dumps(document)).payload
    assert payload.contact == model.ContactData("c-9", "Dental", "a@b.example", "C9")
    assert payload.accounting_date == payload.issue_date == date(2026, 3, 10)  # defaults to issue_date
    assert payload.exchange_rate == Decimal("0.6543210")
    assert (payload.subtotal, payload.tax_total, payload.total) == (Decimal("270.00"), Decimal("27.00"), Decimal("297.00"))
    assert [l.line_amount for l in payload.lines] == [Decimal("240.00"), Decimal("30.00")]
    assert payload.reference == "Job 1"


def test_payment_discount_defaults_to_zero():
    payload = parse_event(json.dumps(envelope("payment-received", payment_data()))).payload
    assert payload.discount == 0 and payload.amount == Decimal("100.00")


# --- property: totals computed with core.money validate; one cent more does not -----------------------------------

def _decimal(max_units: int, max_places: int) -> st.SearchStrategy[Decimal]:
    return st.builds(lambda n, places: Decimal(n).scaleb(-places), st.integers(0, max_units), st.integers(0, max_places))


@st.composite
def invoices(draw) -> tuple[dict, Decimal]:
    currency = draw(st.sampled_from(["AUD", "NZD", "JPY", "KWD"]))
    amounts_are = draw(st.sampled_from(["exclusive", "inclusive", "no_tax"]))
    places = money.minor_units(currency)
    lines = []
    for _ in range(draw(st.integers(1, 8))):
        tax = Decimal(0) if amounts_are == "no_tax" else draw(_decimal(10**6, places))
        lines.append(line_data(quantity=format(draw(_decimal(10**6, 4)), "f"),
                               unit_price=format(draw(_decimal(10**8, 4)), "f"), tax_amount=format(tax, "f")))
    total = invoice_total(lines, amounts_are, currency)
    return invoice_data(lines=lines, total=format(total, "f"), currency=currency, amounts_are=amounts_are), total


@PROPERTY
@given(invoices())
def test_a_total_computed_with_core_money_validates_and_one_cent_more_does_not(generated):
    data, total = generated
    payload = parse_event(json.dumps(envelope("invoice-created", data))).payload
    assert payload.total == total
    assert payload.subtotal + (payload.tax_total if data["amounts_are"] == "exclusive" else 0) == total

    for wrong in (total + Decimal("0.01"), total + Decimal(1).scaleb(-money.minor_units(data["currency"]))):
        refused(envelope("invoice-created", {**data, "total": format(wrong, "f")}), "data.total")
