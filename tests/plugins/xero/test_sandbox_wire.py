"""Wire format and the spec validator itself."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from plugins.xero.sandbox.filters import QueryError, compile_where, sort_records
from plugins.xero.sandbox.totals import invoice_totals, line_tax
from plugins.xero.sandbox.wire import WireError, dumps, ms_date, parse_date, parse_http_datetime

from . import spec


def test_ms_dates_round_trip():
    assert ms_date(date(2023, 11, 14)) == "/Date(1699920000000+0000)/"
    assert ms_date(datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)) == "/Date(1700000000000+0000)/"
    assert parse_date("/Date(1699920000000+0000)/") == date(2023, 11, 14)
    assert parse_date("2023-11-14T00:00:00") == parse_date("2023-11-14") == date(2023, 11, 14)
    with pytest.raises(WireError, match="is not a valid AllXsd value"):
        parse_date("14/11/2023")
    assert parse_http_datetime("2023-11-14T10:00:00").tzinfo is not None


def test_dumps_is_exact_and_refuses_floats():
    assert dumps({"A": Decimal("0.10"), "B": 3, "C": None, "D": [True, "é"]}) == '{"A":0.10,"B":3,"C":null,"D":[true,"é"]}'.encode()
    with pytest.raises(TypeError):
        dumps({"A": 0.1})


def test_tax_rounding_per_line_and_currency_places():
    assert line_tax(Decimal("25.605"), Decimal("10"), "Exclusive", "JPY") == Decimal("3")
    totals = invoice_totals([(Decimal("100.00"), Decimal("9.09"))], "Inclusive", "AUD")
    assert (totals.sub_total, totals.total_tax, totals.total) == (Decimal("90.91"), Decimal("9.09"), Decimal("100.00"))


def test_where_and_order_units():
    records = [{"Status": "PAID", "Total": Decimal("5"), "Contact": {"ContactID": "ab"}},
               {"Status": "DRAFT", "Total": Decimal("7"), "Contact": {"ContactID": "cd"}}]
    test = compile_where('NOT (Status == "PAID") AND Total > 6', "Invoice")
    assert [r["Status"] for r in records if test(r)] == ["DRAFT"]
    assert [r["Total"] for r in sort_records(records, "Total DESC", "Invoice")] == [Decimal("7"), Decimal("5")]
    with pytest.raises(QueryError):
        compile_where("Total > DateTime(2020, 13, 1)", "Invoice")


def test_spec_validator_catches_wrong_types_and_unknown_keys():
    spec.assert_valid({"Invoices": [{"Type": "ACCREC", "Total": Decimal("1.00")}]}, "Invoices")
    assert spec.errors({"Invoices": [{"Type": "SALE"}]}, "Invoices")
    assert spec.errors({"Invoices": [{"Totl": 1}]}, "Invoices", strict=True)
    assert not spec.errors({"Invoices": [{"DateString": "2020-01-01T00:00:00"}]}, "Invoices", strict=True)
    assert spec.errors({"Invoices": [{"InvoiceID": "not-a-uuid"}]}, "Invoices")
    with pytest.raises(KeyError):
        spec.validator("NoSuchSchema")
