"""How QBO computes tax and TotalAmt for a non-US company (all Decimal, half-up to the cent).

Tax is computed **per tax rate on the summed taxable amount** (one ``TaxLine`` per rate with its
``NetAmountTaxable``), not per line: 9.975 % on lines totalling 4495.16 is 448.39 (the case in
ruckus/quickbooks-ruby#547 where QBO's own figure was 448.39). ``GlobalTaxCalculation``:

- ``TaxExcluded``: ``Line.Amount`` is net; tax = round(Σ net × rate);
- ``TaxInclusive``: the line's gross is ``TaxInclusiveAmt`` (or ``Amount`` when that is absent);
  per tax code, tax = round(Σ gross × rate / (100 + rate)); the net ``Amount`` of each line is
  round(gross × 100 / (100 + rate)) with the cent of difference put on the code's last line, so
  ``TotalAmt`` equals the gross sum exactly;
- ``NotApplicable``: no tax.

A supplied ``TxnTaxDetail.TotalTax`` overrides the computed tax (spread onto the last TaxLine).
``TotalAmt`` = Σ net amounts + total tax.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0")
HUNDRED = Decimal("100")
CENT = Decimal("0.01")
MODES = ("TaxExcluded", "TaxInclusive", "NotApplicable")


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class TaxLine:
    rate_id: str
    percent: Decimal
    net_taxable: Decimal = ZERO
    amount: Decimal = ZERO


@dataclass
class Computed:
    nets: list[Decimal]            # per line, tax-exclusive
    grosses: list[Decimal]         # per line, tax-inclusive (only meaningful for TaxInclusive)
    tax_lines: list[TaxLine] = field(default_factory=list)
    total_tax: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return sum(self.nets, ZERO) + self.total_tax


def compute(lines: list[tuple[Decimal, str | None]], mode: str, rates_of: dict[str, list[tuple[str, Decimal]]],
            override: Decimal | None = None) -> Computed:
    """Tax for ``lines`` of (amount, tax code id); ``rates_of`` maps a code to its (rate id, percent)."""
    amounts = [cents(a) for a, _ in lines]
    if mode == "NotApplicable":
        result = Computed(list(amounts), list(amounts))
    elif mode == "TaxInclusive":
        result = _inclusive(amounts, [c for _, c in lines], rates_of)
    else:
        result = _exclusive(amounts, [c for _, c in lines], rates_of)
    if override is not None:
        override = cents(override)
        if result.tax_lines:
            result.tax_lines[-1].amount += override - result.total_tax
        if mode == "TaxInclusive":  # the override moves net, not gross: put the difference on the last line
            diff = override - result.total_tax
            if result.nets:
                result.nets[-1] -= diff
        result.total_tax = override
    return result


def _exclusive(amounts: list[Decimal], codes: list[str | None], rates_of) -> Computed:
    taxes: dict[str, TaxLine] = {}
    for amount, code in zip(amounts, codes):
        for rate_id, pct in rates_of.get(code or "", []):
            line = taxes.setdefault(rate_id, TaxLine(rate_id, pct))
            line.net_taxable += amount
    for line in taxes.values():
        line.amount = cents(line.net_taxable * line.percent / HUNDRED)
    return Computed(list(amounts), [a for a in amounts], list(taxes.values()),
                    sum((t.amount for t in taxes.values()), ZERO))


def _inclusive(amounts: list[Decimal], codes: list[str | None], rates_of) -> Computed:
    nets = list(amounts)
    taxes: dict[str, TaxLine] = {}
    by_code: dict[str, list[int]] = {}
    for index, code in enumerate(codes):
        if rates_of.get(code or ""):
            by_code.setdefault(code or "", []).append(index)
    for code, indexes in by_code.items():
        rates = rates_of[code]
        total_pct = sum((p for _, p in rates), ZERO)
        gross = sum((amounts[i] for i in indexes), ZERO)
        code_tax = cents(gross * total_pct / (HUNDRED + total_pct))
        net = gross - code_tax
        for i in indexes:
            nets[i] = cents(amounts[i] * HUNDRED / (HUNDRED + total_pct))
        nets[indexes[-1]] += net - sum((nets[i] for i in indexes), ZERO)
        spread = ZERO
        for n, (rate_id, pct) in enumerate(rates):
            line = taxes.setdefault(rate_id, TaxLine(rate_id, pct))
            line.net_taxable += net
            part = code_tax - spread if n == len(rates) - 1 else cents(gross * pct / (HUNDRED + total_pct))
            line.amount += part
            spread += part
    return Computed(nets, list(amounts), list(taxes.values()), sum((t.amount for t in taxes.values()), ZERO))


def home(amount: Decimal, rate: Decimal) -> Decimal:
    """An amount in the home currency (QBO's ExchangeRate is home units per foreign unit)."""
    return cents(amount * rate)
