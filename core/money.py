"""Exact money: parsing, currency minor units, rounding and invoice totals.

Money is :class:`~decimal.Decimal` from the wire to the database and back. JSON numbers are
parsed straight into Decimal (``json.loads(..., parse_float=Decimal)``), never through float.
Rounding is half away from zero, to the currency's minor unit (ISO 4217 via CLDR), per line —
the way Xero computes totals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Iterable

from babel.numbers import get_currency_precision

ZERO = Decimal(0)
MAX_DIGITS = 14  # the ledger stores NUMERIC(18, 4)
MAX_ABS = Decimal(10) ** MAX_DIGITS
DECIMAL_PATTERN = re.compile(r"-?[0-9]+(\.[0-9]+)?")

# CLDR (through Babel) is the source of minor units; these currencies are the ones where CLDR's
# "digits" differs from ISO 4217's minor unit, which is what accounting packages use.
_ISO_OVERRIDES = {"IQD": 3, "LYD": 3, "TND": 3, "JOD": 3, "KWD": 3, "BHD": 3, "OMR": 3}


class MoneyError(ValueError):
    """An amount that cannot be used as money (not a number, too precise, not finite)."""


@lru_cache(maxsize=None)
def minor_units(currency: str) -> int:
    """Number of decimal places of ``currency`` (AUD → 2, JPY → 0, KWD → 3)."""
    code = currency.upper()
    if code in _ISO_OVERRIDES:
        return _ISO_OVERRIDES[code]
    return get_currency_precision(code)


@lru_cache(maxsize=None)
def _exponent(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def parse_decimal(value: object, *, field: str = "amount") -> Decimal:
    """Parse a JSON amount (decimal string, int or Decimal) exactly; floats are refused."""
    if isinstance(value, bool) or isinstance(value, float):
        raise MoneyError(f"{field}: {value!r} must be a decimal string or an exact JSON number")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        if not DECIMAL_PATTERN.fullmatch(value):
            raise MoneyError(f"{field}: {value!r} is not a decimal number like 123.45 or -0.5")
        result = Decimal(value)
    else:
        raise MoneyError(f"{field}: {value!r} must be a decimal string or number")
    if not result.is_finite():
        raise MoneyError(f"{field}: {_show(value)} is not a finite number")
    if abs(result) >= MAX_ABS:
        raise MoneyError(f"{field}: {_show(value)} is too large (at most {MAX_DIGITS} digits before the decimal point)")
    return result


def _show(value: object) -> str:
    return str(value) if isinstance(value, Decimal) else repr(value)


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round ``amount`` half away from zero to the minor unit of ``currency``."""
    try:
        return amount.quantize(_exponent(minor_units(currency)), rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than the decimal context holds: not an amount
        raise MoneyError(f"{amount} is too large to be an amount in {currency.upper()}") from None


def parse_money(value: object, currency: str, *, field: str = "amount") -> Decimal:
    """Parse an amount in ``currency``; more decimals than the currency has is an error."""
    amount = parse_decimal(value, field=field)
    try:
        rounded = quantize(amount, currency)
    except MoneyError as exc:
        raise MoneyError(f"{field}: {exc}") from None
    if rounded != amount:
        places = minor_units(currency)
        raise MoneyError(f"{field}: {_show(value)} has more than {places} decimal places for {currency.upper()}")
    return rounded


@dataclass(frozen=True)
class Line:
    """The money part of an invoice line."""

    quantity: Decimal
    unit_price: Decimal
    tax_amount: Decimal


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal  # sum of line amounts (tax-inclusive when amounts are inclusive)
    tax: Decimal
    total: Decimal

    def explain(self, amounts_are: str) -> str:
        if amounts_are == "exclusive":
            return f"lines {self.subtotal} + tax {self.tax} = {self.total}"
        if amounts_are == "inclusive":
            return f"lines {self.subtotal} (tax {self.tax} included) = {self.total}"
        return f"lines {self.subtotal} = {self.total}"


def line_amount(line: Line, currency: str) -> Decimal:
    """Quantity × unit price, rounded per line to the currency's minor unit."""
    return quantize(line.quantity * line.unit_price, currency)


def invoice_totals(lines: Iterable[Line], amounts_are: str, currency: str) -> Totals:
    """Totals as the accounting packages compute them: each line rounded, then summed.

    ``amounts_are`` is ``exclusive`` (tax added on top), ``inclusive`` (unit prices include tax)
    or ``no_tax``.
    """
    subtotal = ZERO
    tax = ZERO
    for line in lines:
        subtotal += line_amount(line, currency)
        tax += line.tax_amount
    subtotal = quantize(subtotal, currency)
    tax = quantize(tax, currency)
    total = subtotal + tax if amounts_are == "exclusive" else subtotal
    return Totals(subtotal=subtotal, tax=tax, total=total)
