"""Money is exact: Decimal in, exact JSON numbers out, no floats, at most two decimal places."""

from __future__ import annotations

from decimal import Decimal

import pytest

from plugins.myob.sandbox.totals import compute
from plugins.myob.sandbox.wire import dumps

from .conftest import body_of

pytestmark = pytest.mark.anyio


async def test_amounts_are_exact_json_numbers(myob):
    customer = await myob.customer()
    invoice = await myob.invoice(customer, lines=[await myob.line("0.10"), await myob.line("0.20")])
    raw = (await myob.get(f"Sale/Invoice/Service/{invoice['UID']}")).text
    assert '"Subtotal":0.30' in raw and '"TotalTax":0.03' in raw and '"TotalAmount":0.33' in raw


async def test_more_than_two_decimals_and_non_numbers_are_refused(myob):
    customer = await myob.customer()
    for total in (Decimal("1.005"), "abc", True):
        line = {**await myob.line("1.00"), "Total": total}
        response = await myob.post("Sale/Invoice/Service", {"Date": "2026-03-10", "Customer": {"UID": customer["UID"]},
                                                            "Lines": [line]})
        assert response.status_code == 400, total
    raw = (b'{"Date":"2026-03-10","Customer":{"UID":"%s"},"Lines":[{"Total":12.345678901234567890123,'
           b'"Account":{"UID":"%s"},"TaxCode":{"UID":"%s"}}]}') % (
        customer["UID"].encode(), (await myob.account_uid("4-1000")).encode(), (await myob.tax_uid("GST")).encode())
    response = await myob.http.post(f"{myob.base}/Sale/Invoice/Service", content=raw,
                                    headers={**myob.headers(), "Content-Type": "application/json"})
    assert response.status_code == 400 and "decimal places" in body_of(response)["Errors"][0]["Message"]


def test_floats_never_encode():
    with pytest.raises(TypeError):
        dumps({"Total": 1.1})
    assert dumps({"Total": Decimal("1.10")}) == b'{"Total":1.10}'


def test_totals_match_the_documented_rule():
    exclusive = compute([(Decimal("130.01"), Decimal(10)), (Decimal("0.30"), Decimal(10))], False)
    assert (exclusive.subtotal, exclusive.total_tax, exclusive.total) == (Decimal("130.31"), Decimal("13.03"), Decimal("143.34"))
    inclusive = compute([(Decimal("10.00"), Decimal(10)), (Decimal("10.00"), Decimal(10))], True)
    assert (inclusive.total_tax, inclusive.subtotal, inclusive.total) == (Decimal("1.82"), Decimal("18.18"), Decimal("20.00"))
    assert sum(inclusive.line_nets) == inclusive.subtotal
    freight = compute([(Decimal("100.00"), Decimal(10))], False, Decimal("9.99"), Decimal(10))
    assert (freight.total_tax, freight.total) == (Decimal("11.00"), Decimal("120.99"))
