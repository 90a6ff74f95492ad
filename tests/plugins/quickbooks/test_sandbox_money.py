"""Tax and totals as QBO computes them, exact Decimal money on the wire, multicurrency."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from plugins.quickbooks.sandbox import QuickBooksSandbox
from plugins.quickbooks.sandbox.totals import compute
from plugins.quickbooks.sandbox.wire import dumps, loads

from .conftest import body_of, fault_code, invoice, line

pytestmark = pytest.mark.anyio
GST = {"5": [("1", Decimal("15"))], "7": []}


async def test_tax_excluded_rounds_per_rate_on_the_summed_lines(qbo):
    customer = await qbo.customer()
    created = await qbo.create("Invoice", invoice(customer, "25.06", "25.61", "25.63"))
    tax = created["TxnTaxDetail"]
    assert tax["TotalTax"] == Decimal("11.45")  # 76.30 × 15 % = 11.445 → 11.45 (per line it would be 11.44)
    assert tax["TaxLine"][0]["TaxLineDetail"]["NetAmountTaxable"] == Decimal("76.30")
    assert created["TotalAmt"] == created["Balance"] == Decimal("87.75")
    assert created["Line"][-1] == {"Amount": Decimal("76.30"), "DetailType": "SubTotalLineDetail",
                                   "SubTotalLineDetail": {}}


async def test_tax_inclusive_keeps_the_gross_total(qbo):
    customer = await qbo.customer()
    body = invoice(customer, "100.00", "50.00", mode="TaxInclusive")
    created = await qbo.create("Invoice", body)
    assert created["TotalAmt"] == Decimal("150.00") and created["TxnTaxDetail"]["TotalTax"] == Decimal("19.57")
    nets = [l["Amount"] for l in created["Line"] if l["DetailType"] == "SalesItemLineDetail"]
    assert sum(nets) == Decimal("130.43")
    assert [l["SalesItemLineDetail"]["TaxInclusiveAmt"] for l in created["Line"][:2]] == [Decimal("100.00"),
                                                                                          Decimal("50.00")]
    explicit = invoice(customer, number="2", mode="TaxInclusive")
    explicit["Line"] = [line("86.96", TaxInclusiveAmt=Decimal("100.00"))]
    assert (await qbo.create("Invoice", explicit))["TotalAmt"] == Decimal("100.00")


async def test_not_applicable_exempt_and_total_tax_override(qbo):
    customer = await qbo.customer()
    none = await qbo.create("Invoice", invoice(customer, "99.99", mode="NotApplicable", number="1"))
    assert (none["TotalAmt"], none["TxnTaxDetail"]["TotalTax"]) == (Decimal("99.99"), Decimal("0"))
    exempt = invoice(customer, number="2")
    exempt["Line"] = [line("40.00", tax_code="7"), line("60.00")]
    assert (await qbo.create("Invoice", exempt))["TotalAmt"] == Decimal("109.00")
    override = invoice(customer, "100.00", number="3", TxnTaxDetail={"TotalTax": Decimal("14.99")})
    created = await qbo.create("Invoice", override)
    assert created["TotalAmt"] == Decimal("114.99") and created["TxnTaxDetail"]["TaxLine"][0]["Amount"] == Decimal("14.99")


async def test_multi_rate_code_and_the_quebec_case(clock):
    sandbox = QuickBooksSandbox(clock=clock, seed={
        "tax_rates": [("1", "QST", "9.975"), ("2", "GST", "5")],
        "tax_codes": [("5", "QST only", ["1"], ["1"]), ("6", "GST+QST", ["2", "1"], ["2", "1"])]})
    company = sandbox.company
    rates = {c: [(d["TaxRateRef"]["value"], company.table("TaxRate")[d["TaxRateRef"]["value"]]["RateValue"])
                 for d in company.table("TaxCode")[c]["SalesTaxRateList"]["TaxRateDetail"]] for c in ("5", "6")}
    assert compute([(Decimal("4495.16"), "5")], "TaxExcluded", rates).total_tax == Decimal("448.39")
    both = compute([(Decimal("100.00"), "6")], "TaxExcluded", rates)
    assert [t.amount for t in both.tax_lines] == [Decimal("5.00"), Decimal("9.98")] and both.total == Decimal("114.98")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2), min_size=1,
                max_size=6), st.sampled_from(["TaxExcluded", "TaxInclusive", "NotApplicable"]))
def test_totals_are_exact_and_consistent(amounts, mode):
    result = compute([(a, "5") for a in amounts], mode, GST)
    assert all(isinstance(n, Decimal) and n == n.quantize(Decimal("0.01")) for n in result.nets)
    assert result.total == sum(result.nets) + result.total_tax
    if mode == "TaxInclusive":
        assert result.total == sum(amounts)  # QBO's TotalAmt equals what the customer was quoted
    elif mode == "TaxExcluded":
        assert result.total_tax == (sum(amounts) * Decimal("0.15")).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")


async def test_money_is_exact_on_the_wire_and_floats_are_refused(qbo):
    customer = await qbo.customer()
    response = await qbo.post("invoice", invoice(customer, "0.10", "0.20"))
    assert b'"TotalAmt":0.35' in response.content and b'"Amount":0.10' in response.content
    assert isinstance(loads(b'{"a": 0.1}')["a"], Decimal)
    with pytest.raises(TypeError):
        dumps({"Amount": 0.1})
    text_amount = invoice(customer, number="2")
    text_amount["Line"][0]["Amount"] = "12.34"
    assert (await qbo.create("Invoice", text_amount))["TotalAmt"] == Decimal("14.19")
    bad = invoice(customer, number="3")
    bad["Line"][0]["Amount"] = "twelve"
    assert fault_code(await qbo.post("invoice", bad)) == "2010"
    malformed = await qbo.call("POST", "invoice", content=b'{"Line": [', headers={"Content-Type": "application/json"})
    assert malformed.status_code == 500 and fault_code(malformed) == "10000"


async def test_foreign_currency_with_and_without_exchange_rate(qbo):
    aussie = await qbo.customer("Sydney Pty", CurrencyRef={"value": "AUD"})
    with_rate = await qbo.create("Invoice", invoice(aussie, "100.00", ExchangeRate=Decimal("1.0912")))
    assert with_rate["CurrencyRef"]["value"] == "AUD" and with_rate["TotalAmt"] == Decimal("115.00")
    assert with_rate["HomeTotalAmt"] == Decimal("125.49") and with_rate["HomeBalance"] == Decimal("125.49")
    without = await qbo.create("Invoice", invoice(aussie, "100.00", number="2"))
    assert without["ExchangeRate"] == 1 and without["HomeTotalAmt"] == Decimal("115.00")
    wrong = invoice(aussie, "1.00", number="3", CurrencyRef={"value": "NZD"})
    assert fault_code(await qbo.post("invoice", wrong)) == "6000"
    rate = body_of(await qbo.get("exchangerate", params={"sourcecurrencycode": "AUD", "asofdate": "2026-03-10"}))
    assert rate["ExchangeRate"]["Rate"] == Decimal("1.09") and rate["ExchangeRate"]["TargetCurrencyCode"] == "NZD"


async def test_us_company_taxes_tax_lines_at_the_transaction_code(clock):
    import httpx

    from core.sandbox.transport import SandboxTransport

    from .conftest import BASE, QBO
    sandbox = QuickBooksSandbox(clock=clock, seed={
        "country": "US", "home_currency": "USD", "multicurrency": False,
        "tax_rates": [("1", "CA", "7.25")], "tax_codes": [("2", "California", ["1"], [])]})
    async with httpx.AsyncClient(transport=SandboxTransport(sandbox.app), base_url=BASE) as http:
        qbo = QBO(sandbox, http)
        await qbo.login()
        customer = await qbo.customer()
        body = {"CustomerRef": {"value": customer["Id"]}, "TxnTaxDetail": {"TxnTaxCodeRef": {"value": "2"}},
                "Line": [line("100.00", tax_code="TAX"), line("50.00", tax_code="NON")]}
        created = await qbo.create("Invoice", body)  # no GlobalTaxCalculation, no CurrencyRef needed
        assert created["TotalAmt"] == Decimal("157.25") and created["CurrencyRef"]["value"] == "USD"
