"""core.money: exact parsing, minor units, half-away-from-zero rounding and per-line totals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.money import (
    Line, MoneyError, Totals, invoice_totals, line_amount, minor_units, parse_decimal, parse_money, quantize,
)

# deterministic: the same examples on every run, nothing written to .hypothesis/
PROPERTY = settings(derandomize=True, database=None, deadline=None, max_examples=200)

CURRENCIES = ["AUD", "NZD", "USD", "GBP", "JPY", "KWD", "BHD"]

finite_decimals = st.decimals(allow_nan=False, allow_infinity=False, min_value=Decimal("-99999999999999.99999999"),
                              max_value=Decimal("99999999999999.99999999"))  # what the ledger can store
currencies = st.sampled_from(CURRENCIES)


def scaled(max_value: int, places: int, min_value: int = 0) -> st.SearchStrategy[Decimal]:
    """Decimals with exactly ``places`` decimal places, min_value..max_value in the last place."""
    return st.integers(min_value, max_value).map(lambda n: Decimal(n).scaleb(-places))


# --- parse_decimal -------------------------------------------------------------------------------------------

@PROPERTY
@given(finite_decimals)
def test_parse_decimal_round_trips_a_plain_decimal_string_exactly(value):
    text = format(value, "f")  # plain notation, no exponent
    parsed = parse_decimal(text)
    assert parsed == value
    assert format(parsed, "f") == text  # same digits, same scale: nothing rounded or normalised


@pytest.mark.parametrize("text, expected", [
    ("0.1", Decimal("0.1")), ("-0.5", Decimal("-0.5")), ("123.4500", Decimal("123.4500")), ("007", Decimal(7)),
    ("99999999999999.9999", Decimal("99999999999999.9999")), ("-0", Decimal("-0")),
])
def test_parse_decimal_strings(text, expected):
    parsed = parse_decimal(text)
    assert parsed == expected and str(parsed) == str(expected)


def test_parse_decimal_takes_ints_and_decimals_as_they_are():
    assert parse_decimal(10**13) == Decimal(10**13)
    assert str(parse_decimal(Decimal("1.10"))) == "1.10"


@pytest.mark.parametrize("value", [10**14, Decimal("-100000000000000"), "12345678901234567.89"])
def test_parse_decimal_refuses_amounts_the_ledger_cannot_store(value):
    with pytest.raises(MoneyError, match=r"total: .* is too large \(at most 14 digits before the decimal point\)"):
        parse_decimal(value, field="total")


@PROPERTY
@given(st.floats())
def test_floats_are_refused(value):
    with pytest.raises(MoneyError, match="exact"):
        parse_decimal(value, field="data.amount")


@pytest.mark.parametrize("value", [
    "", " 1", "1 ", "+1", "1.", ".5", "1e5", "1E-2", "1_000", "1,5", "NaN", "Infinity", "0x10", "١٢", "1\n",
])
def test_non_decimal_strings_are_refused_naming_the_field(value):
    with pytest.raises(MoneyError, match=r"^data\.lines\[0\]\.quantity: "):
        parse_decimal(value, field="data.lines[0].quantity")


@pytest.mark.parametrize("value", [True, False, None, [1], {"a": 1}, Decimal("NaN"), Decimal("-Infinity"),
                                   Decimal("sNaN")])
def test_other_values_are_refused(value):
    with pytest.raises(MoneyError, match="^amount: "):
        parse_decimal(value)


# --- minor units and rounding ---------------------------------------------------------------------------------

@pytest.mark.parametrize("currency, places", [
    ("AUD", 2), ("NZD", 2), ("USD", 2), ("EUR", 2), ("JPY", 0), ("KRW", 0), ("KWD", 3), ("BHD", 3), ("OMR", 3),
    ("aud", 2),
])
def test_minor_units(currency, places):
    assert minor_units(currency) == places


@pytest.mark.parametrize("amount, currency, expected", [
    ("0.005", "AUD", "0.01"), ("-0.005", "AUD", "-0.01"), ("0.0049999", "AUD", "0.00"), ("2.675", "AUD", "2.68"),
    ("1.015", "AUD", "1.02"), ("-1.015", "AUD", "-1.02"), ("10", "AUD", "10.00"), ("0.5", "JPY", "1"),
    ("-0.5", "JPY", "-1"), ("2.5", "JPY", "3"), ("1.49", "JPY", "1"), ("0.0005", "KWD", "0.001"),
    ("1.2344", "BHD", "1.234"),
])
def test_quantize_is_half_away_from_zero(amount, currency, expected):
    result = quantize(Decimal(amount), currency)
    assert str(result) == expected  # value and scale


@PROPERTY
@given(finite_decimals.filter(lambda d: abs(d) < Decimal(10) ** 20), currencies)
def test_quantize_properties(amount, currency):
    places = minor_units(currency)
    once = quantize(amount, currency)
    assert quantize(once, currency) == once  # idempotent
    assert once.as_tuple().exponent == -places
    assert abs(once - amount) <= Decimal(5).scaleb(-places - 1)  # within half a minor unit
    assert quantize(-amount, currency) == -once  # symmetric: half *away from zero*


def test_quantize_refuses_an_amount_too_large_to_round():
    with pytest.raises(MoneyError, match="too large"):
        quantize(Decimal("1" * 30), "AUD")


# --- parse_money ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, currency, expected", [
    ("12.34", "AUD", "12.34"), ("12.30", "AUD", "12.30"), ("12.3", "AUD", "12.30"), ("12.3400", "AUD", "12.34"),
    ("12", "AUD", "12.00"), (12, "AUD", "12.00"), (Decimal("0.1"), "AUD", "0.10"), ("500", "JPY", "500"),
    ("1.234", "KWD", "1.234"), ("-5.5", "AUD", "-5.50"),
])
def test_parse_money_gives_the_currencys_scale(value, currency, expected):
    assert str(parse_money(value, currency)) == expected


@pytest.mark.parametrize("value, currency, places", [
    ("12.345", "AUD", 2), ("0.001", "AUD", 2), ("500.5", "JPY", 0), ("1.2345", "KWD", 3), ("1.2341", "BHD", 3),
])
def test_parse_money_refuses_too_many_decimals(value, currency, places):
    with pytest.raises(MoneyError, match=rf"^data\.total: '{value}' has more than {places} decimal places for {currency}"):
        parse_money(value, currency, field="data.total")


def test_parse_money_refuses_floats_and_huge_amounts_naming_the_field():
    with pytest.raises(MoneyError, match=r"^data\.amount: .*exact"):
        parse_money(0.1, "AUD", field="data.amount")
    with pytest.raises(MoneyError, match=r"^data\.amount: .*too large"):
        parse_money("9" * 29, "AUD", field="data.amount")


# --- line amounts and invoice totals ------------------------------------------------------------------------------

@pytest.mark.parametrize("quantity, unit_price, currency, expected", [
    ("3", "0.3333", "AUD", "1.00"), ("2.5", "120.00", "AUD", "300.00"), ("0.125", "0.04", "AUD", "0.01"),
    ("1", "-10.005", "AUD", "-10.01"), ("3", "333.5", "JPY", "1001"), ("1.5", "0.0015", "KWD", "0.002"),
])
def test_line_amount_is_rounded_per_line(quantity, unit_price, currency, expected):
    line = Line(Decimal(quantity), Decimal(unit_price), Decimal(0))
    assert str(line_amount(line, currency)) == expected


def _lines(*specs: tuple[str, str, str]) -> list[Line]:
    return [Line(Decimal(q), Decimal(p), Decimal(t)) for q, p, t in specs]


def test_exclusive_total_is_lines_plus_tax():
    totals = invoice_totals(_lines(("1", "95.00", "9.50"), ("2.5", "120.00", "30.00"), ("2", "38.50", "7.70")),
                            "exclusive", "AUD")
    assert totals == Totals(Decimal("472.00"), Decimal("47.20"), Decimal("519.20"))
    assert totals.explain("exclusive") == "lines 472.00 + tax 47.20 = 519.20"


def test_inclusive_total_is_the_lines_with_tax_included():
    totals = invoice_totals(_lines(("1", "110.00", "10.00"), ("3", "33.33", "9.09")), "inclusive", "AUD")
    assert totals == Totals(Decimal("209.99"), Decimal("19.09"), Decimal("209.99"))
    assert totals.explain("inclusive") == "lines 209.99 (tax 19.09 included) = 209.99"


def test_no_tax_total_is_the_lines():
    totals = invoice_totals(_lines(("4", "12.50", "0")), "no_tax", "NZD")
    assert totals == Totals(Decimal("50.00"), Decimal("0.00"), Decimal("50.00"))
    assert totals.explain("no_tax") == "lines 50.00 = 50.00"


def test_totals_have_the_currencys_scale():
    totals = invoice_totals(_lines(("2", "1500", "300")), "exclusive", "JPY")
    assert [str(v) for v in (totals.subtotal, totals.tax, totals.total)] == ["3000", "300", "3300"]
    assert str(invoice_totals(_lines(("1", "1", "0")), "exclusive", "KWD").total) == "1.000"


def test_xero_rounds_tax_per_line_not_on_the_sum():
    # Xero's worked example: three lines at 15% tax. Per line: 3.759 → 3.76, 3.8415 → 3.84,
    # 3.8445 → 3.84, so tax is 11.44 — while 15% of the 76.30 sum would be 11.445 → 11.45.
    rate = Decimal("0.15")
    amounts = [Decimal("25.06"), Decimal("25.61"), Decimal("25.63")]
    lines = [Line(Decimal(1), amount, quantize(amount * rate, "NZD")) for amount in amounts]
    assert [l.tax_amount for l in lines] == [Decimal("3.76"), Decimal("3.84"), Decimal("3.84")]
    totals = invoice_totals(lines, "exclusive", "NZD")
    assert totals.subtotal == Decimal("76.30")
    assert totals.tax == Decimal("11.44")
    assert quantize(totals.subtotal * rate, "NZD") == Decimal("11.45")  # the figure per-line rounding avoids
    assert totals.total == Decimal("87.74")


line_specs = st.lists(
    st.tuples(scaled(10**7, 4, -10**6), scaled(10**8, 4, -10**7), scaled(10**6, 3)), min_size=1, max_size=20)


@PROPERTY
@given(line_specs, currencies, st.sampled_from(["exclusive", "inclusive", "no_tax"]))
def test_totals_add_up_for_any_lines(specs, currency, amounts_are):
    lines = [Line(q, p, quantize(t, currency)) for q, p, t in specs]
    totals = invoice_totals(lines, amounts_are, currency)
    amounts = [line_amount(l, currency) for l in lines]
    assert totals.subtotal == sum(amounts)  # each line rounded, then summed: no second rounding
    assert totals.tax == sum(l.tax_amount for l in lines)
    if amounts_are == "exclusive":
        assert totals.total == totals.subtotal + totals.tax
        assert totals.total - totals.tax == sum(amounts)
    else:
        assert totals.total == totals.subtotal
    places = minor_units(currency)
    assert all(v.as_tuple().exponent == -places for v in (totals.subtotal, totals.tax, totals.total))
