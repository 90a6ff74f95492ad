"""Invoice arithmetic the way Xero does it: line amounts and tax rounded per line, then summed.

All Decimal. Rounding is half away from zero to the currency's minor unit. Example from Xero's
rounding guide: lines 25.06, 25.61, 25.63 at 15 % → tax 3.76 + 3.84 + 3.84 = 11.44 (not 11.45).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0")
HUNDRED = Decimal("100")
_ZERO_DP = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND",
            "VUV", "XAF", "XOF", "XPF"}
_THREE_DP = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"}
AMOUNT_TYPES = ("Exclusive", "Inclusive", "NoTax")


def places(currency: str) -> int:
    """Minor-unit decimal places of ``currency`` (ISO 4217)."""
    code = currency.upper()
    return 0 if code in _ZERO_DP else 3 if code in _THREE_DP else 2


def round_to(amount: Decimal, dp: int) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-dp), rounding=ROUND_HALF_UP)


def money(amount: Decimal, currency: str) -> Decimal:
    return round_to(amount, places(currency))


def line_amount(quantity: Decimal, unit_amount: Decimal, currency: str,
                discount_rate: Decimal | None = None, discount_amount: Decimal | None = None) -> Decimal:
    """Quantity × UnitAmount, less a percentage or fixed discount, rounded to the minor unit."""
    gross = quantity * unit_amount
    if discount_rate:
        gross = gross * (HUNDRED - discount_rate) / HUNDRED
    elif discount_amount:
        gross -= discount_amount
    return money(gross, currency)


def line_tax(amount: Decimal, rate: Decimal, amount_types: str, currency: str) -> Decimal:
    """Tax of one line at ``rate`` percent, rounded per line."""
    if amount_types == "NoTax" or not rate:
        return money(ZERO, currency)
    if amount_types == "Inclusive":
        return money(amount * rate / (HUNDRED + rate), currency)
    return money(amount * rate / HUNDRED, currency)


@dataclass(frozen=True)
class Totals:
    sub_total: Decimal
    total_tax: Decimal
    total: Decimal


def invoice_totals(lines: list[tuple[Decimal, Decimal]], amount_types: str, currency: str) -> Totals:
    """SubTotal/TotalTax/Total from (LineAmount, TaxAmount) pairs; SubTotal is always tax-exclusive."""
    amounts = sum((a for a, _ in lines), ZERO)
    tax = sum((t for _, t in lines), ZERO)
    if amount_types == "Inclusive":
        return Totals(money(amounts - tax, currency), money(tax, currency), money(amounts, currency))
    return Totals(money(amounts, currency), money(tax, currency), money(amounts + tax, currency))


def to_base(amount: Decimal, rate: Decimal, base_currency: str) -> Decimal:
    """A foreign amount in the base currency (Xero's CurrencyRate is foreign units per base unit)."""
    return money(amount / rate, base_currency)
