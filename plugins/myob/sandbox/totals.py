"""Invoice arithmetic the way MYOB does it: tax from line totals and tax codes, rounded once.

Line totals are rounded to the cent first; each line's tax is computed unrounded from its total
and its tax code's rate (exclusive: ``total × r``; inclusive: ``total × r / (1 + r)``); the sum of
the unrounded line taxes is rounded once, half away from zero, giving ``TotalTax`` (Abtrac's
account of MYOB's GST calculation, in line with issue 8). Freight is taxed the same way with its
own tax code. ``Subtotal`` is tax-exclusive (research/myob.md §2: "sum of tax-exclusive line
amounts"); ``TotalAmount = Subtotal + Freight(ex) + TotalTax``.

Example: two lines of 130.01 and 0.30 at GST 10 % exclusive → tax 13.001 + 0.03 = 13.031 → 13.03
(per-line rounding gives 13.00 + 0.03 = 13.03 too); 0.05 + 0.05 + 0.05 at 10 % → 0.015 → 0.02,
where per-line rounding would give 0.03.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0")
CENT = Decimal("0.01")
HUNDRED = Decimal("100")


def cents(amount: Decimal) -> Decimal:
    """Round half away from zero to the cent."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def line_tax(total: Decimal, rate: Decimal, inclusive: bool) -> Decimal:
    """The unrounded tax of one line."""
    if not rate:
        return ZERO
    return total * rate / (HUNDRED + rate) if inclusive else total * rate / HUNDRED


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal  # tax-exclusive, lines only
    freight: Decimal  # as entered (inclusive or exclusive, like the lines)
    total_tax: Decimal
    total: Decimal
    line_nets: tuple[Decimal, ...]  # tax-exclusive amount per line, cents, summing to subtotal
    freight_net: Decimal


def compute(lines: list[tuple[Decimal, Decimal]], inclusive: bool, freight: Decimal = ZERO,
            freight_rate: Decimal = ZERO) -> Totals:
    """Totals from ``(line total, tax rate %)`` pairs (totals already in cents)."""
    taxes = [line_tax(total, rate, inclusive) for total, rate in lines]
    freight_tax = line_tax(freight, freight_rate, inclusive)
    total_tax = cents(sum(taxes, ZERO) + freight_tax)
    gross = sum((t for t, _ in lines), ZERO)
    if not inclusive:
        nets = tuple(t for t, _ in lines)
        return Totals(gross, freight, total_tax, gross + freight + total_tax, nets, freight)
    total = gross + freight
    freight_net = cents(freight - freight_tax)
    subtotal = total - total_tax - freight_net
    nets = [cents(t - tax) for (t, _), tax in zip(lines, taxes)]
    if nets:  # put the rounding difference on the last line so the nets add up
        nets[-1] += subtotal - sum(nets, ZERO)
    return Totals(subtotal, freight, total_tax, total, tuple(nets), freight_net)
