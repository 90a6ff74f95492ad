"""Journals: generated from documents, balanced, reversal + new on edit, offset paging, If-Modified-Since."""

from __future__ import annotations

from decimal import Decimal

import pytest

from .conftest import body_of, invoice, payment

pytestmark = pytest.mark.anyio
D = Decimal


def _net(journal: dict) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for line in journal["JournalLines"]:
        out[line["AccountCode"]] = out.get(line["AccountCode"], D(0)) + line["NetAmount"]
    return out


async def test_invoice_payment_edit_and_void_journals(xero):
    assert body_of(await xero.get("Journals"))["Journals"] == []
    draft = body_of(await xero.put("Invoices", {"Invoices": [invoice(status="DRAFT")]}))["Invoices"][0]
    assert body_of(await xero.get("Journals"))["Journals"] == []  # drafts post nothing
    ident = draft["InvoiceID"]
    await xero.post(f"Invoices/{ident}", {"Status": "AUTHORISED"})
    await xero.post(f"Invoices/{ident}", invoice(amount="200.00"))  # edit → reversal + new journal
    pay = body_of(await xero.put("Payments", {"Payments": [payment(ident, "20.00")]}))["Payments"][0]
    await xero.post(f"Payments/{pay['PaymentID']}", {"Status": "DELETED"})
    await xero.post(f"Invoices/{ident}", {"Status": "VOIDED"})
    journals = body_of(await xero.get("Journals"))["Journals"]
    assert [j["JournalNumber"] for j in journals] == [1, 2, 3, 4, 5, 6]
    assert [j["SourceType"] for j in journals] == ["ACCREC"] * 3 + ["ACCRECPAYMENT"] * 2 + ["ACCREC"]
    assert _net(journals[0]) == {"610": D("110.00"), "200": D("-100.00"), "820": D("-10.00")}
    assert _net(journals[1]) == {"610": D("-110.00"), "200": D("100.00"), "820": D("10.00")}
    assert _net(journals[2]) == {"610": D("220.00"), "200": D("-200.00"), "820": D("-20.00")}
    assert _net(journals[3]) == {"090": D("20.00"), "610": D("-20.00")}
    assert _net(journals[4]) == {"090": D("-20.00"), "610": D("20.00")}
    assert _net(journals[5]) == {"610": D("-220.00"), "200": D("200.00"), "820": D("20.00")}
    for journal in journals:
        assert sum(l["NetAmount"] for l in journal["JournalLines"]) == 0
        assert journal["SourceID"] in (ident, pay["PaymentID"])
    sales = next(l for l in journals[0]["JournalLines"] if l["AccountCode"] == "200")
    assert (sales["TaxAmount"], sales["GrossAmount"], sales["TaxName"]) == (D("-10.00"), D("-110.00"), "GST on Income")
    single = body_of(await xero.get("Journals/3"))["Journals"][0]
    assert single["JournalNumber"] == 3 and "SourceID" not in single


async def test_offset_paging_by_100_and_if_modified_since(xero, clock):
    for start in range(0, 250, 50):
        batch = [invoice(f"INV-{n:03d}") for n in range(start, start + 50)]
        await xero.put("Invoices", {"Invoices": batch})
    first = body_of(await xero.get("Journals"))["Journals"]
    assert len(first) == 100 and first[0]["JournalNumber"] == 1 and first[-1]["JournalNumber"] == 100
    third = body_of(await xero.get("Journals", params={"offset": "200"}))["Journals"]
    assert [j["JournalNumber"] for j in third][:1] == [201] and len(third) == 50
    assert body_of(await xero.get("Journals", params={"offset": "250"}))["Journals"] == []
    clock.advance(120)
    mark = clock.now().strftime("%Y-%m-%dT%H:%M:%S")
    await xero.put("Invoices", {"Invoices": [invoice("LATE")]})
    recent = body_of(await xero.get("Journals", headers={"If-Modified-Since": mark}))["Journals"]
    assert [j["JournalNumber"] for j in recent] == [251]


async def test_foreign_invoice_journals_in_base_currency(xero):
    await xero.put("Invoices", {"Invoices": [invoice(CurrencyCode="USD", CurrencyRate=D("0.5"))]})
    journal = body_of(await xero.get("Journals"))["Journals"][0]
    assert _net(journal) == {"610": D("220.00"), "200": D("-200.00"), "820": D("-20.00")}
