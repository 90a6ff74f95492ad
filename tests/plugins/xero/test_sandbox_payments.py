"""Payments: create and delete only, never above the amount due, only on AUTHORISED invoices."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from .conftest import body_of, invoice, payment

pytestmark = pytest.mark.anyio
D = Decimal


async def _invoice(xero, **kw) -> dict:
    return body_of(await xero.put("Invoices", {"Invoices": [invoice(**kw)]}))["Invoices"][0]


async def test_part_then_full_payment_flips_invoice_to_paid(xero):
    inv = await _invoice(xero)
    part = await xero.put("Payments", {"Payments": [payment(inv["InvoiceID"], "10.00", Reference="dep")]})
    assert part.status_code == 200
    made = body_of(part)["Payments"][0]
    assert made["PaymentType"] == "ACCRECPAYMENT" and made["Status"] == "AUTHORISED" and made["Amount"] == D("10.00")
    assert made["Account"]["Code"] == "090"
    after = body_of(await xero.get(f"Invoices/{inv['InvoiceID']}"))["Invoices"][0]
    assert (after["AmountPaid"], after["AmountDue"], after["Status"]) == (D("10.00"), D("100.00"), "AUTHORISED")
    rest = await xero.post("Payments", payment(inv["InvoiceID"], "100.00", date="2026-03-14"))  # single POST form
    assert rest.status_code == 200
    paid = body_of(await xero.get(f"Invoices/{inv['InvoiceID']}"))["Invoices"][0]
    assert (paid["Status"], paid["AmountDue"]) == ("PAID", D("0.00"))
    assert paid["FullyPaidOnDate"] == "/Date(1773446400000+0000)/" and len(paid["Payments"]) == 2


async def test_overpayment_is_refused(xero):
    inv = await _invoice(xero)
    response = await xero.put("Payments", {"Payments": [payment(inv["InvoiceID"], "110.01")]})
    assert response.status_code == 400
    assert body_of(response)["Elements"][0]["ValidationErrors"][0]["Message"] == \
        "Payment amount exceeds the amount outstanding on this document"
    assert not xero.sandbox.ledger().payments


async def test_payment_needs_authorised_invoice_bank_account_and_open_period(xero):
    draft = await _invoice(xero, number="INV-D", status="DRAFT")
    paid_ok = await _invoice(xero, number="INV-A")
    xero.sandbox.set_lock_dates(period_lock_date=date(2026, 2, 28))
    response = await xero.put("Payments", {"Payments": [
        payment(draft["InvoiceID"], "1.00"),
        payment(paid_ok["InvoiceID"], "1.00", code="200"),
        payment(paid_ok["InvoiceID"], "1.00", date="2026-02-28"),
        payment(paid_ok["InvoiceID"], "0"),
        {"Invoice": {"InvoiceNumber": "INV-A"}, "Account": {"Code": "090"}, "Date": "2026-03-12", "Amount": D("5.00")},
    ]}, params={"summarizeErrors": "false"})
    results = body_of(response)["Payments"]
    messages = [r.get("ValidationErrors", [{}])[0].get("Message") for r in results]
    assert messages[:4] == ["Payments can only be made against Authorised documents", "Account could not be found",
                            "The document date cannot be before the period lock date, currently set at 28-Feb-2026",
                            "Payment amount must be greater than zero"]
    assert results[4]["StatusAttributeString"] == "OK" and results[4]["HasValidationErrors"] is False


async def test_delete_payment_reopens_invoice_and_only_status_is_accepted(xero):
    inv = await _invoice(xero)
    pay = body_of(await xero.put("Payments", {"Payments": [payment(inv["InvoiceID"], "110.00")]}))["Payments"][0]
    refused = await xero.post(f"Payments/{pay['PaymentID']}", {"Amount": D("5.00")})
    assert body_of(refused)["Elements"][0]["ValidationErrors"][0]["Message"] == "Only Status accepted for updates."
    deleted = await xero.post(f"Payments/{pay['PaymentID']}", {"Status": "DELETED"})
    assert deleted.status_code == 200 and body_of(deleted)["Payments"][0]["Status"] == "DELETED"
    reopened = body_of(await xero.get(f"Invoices/{inv['InvoiceID']}"))["Invoices"][0]
    assert (reopened["Status"], reopened["AmountDue"], reopened["Payments"]) == ("AUTHORISED", D("110.00"), [])
    again = await xero.post(f"Payments/{pay['PaymentID']}", {"Status": "DELETED"})
    assert again.status_code == 400
    listed = body_of(await xero.get("Payments", params={"where": 'Status=="DELETED"'}))["Payments"]
    assert [p["PaymentID"] for p in listed] == [pay["PaymentID"]]


async def test_reconciled_payment_cannot_be_deleted_and_message_is_configurable(clock):
    import httpx

    from core.sandbox.transport import SandboxTransport
    from plugins.xero.sandbox import XeroSandbox

    from .conftest import BASE, XeroAPI
    sandbox = XeroSandbox(clock=clock, messages_overrides={"PAYMENT_RECONCILED": "custom reconciled text"})
    async with httpx.AsyncClient(transport=SandboxTransport(sandbox.app), base_url=BASE) as http:
        xero = XeroAPI(sandbox, http)
        await xero.login()
        inv = await _invoice(xero)
        pay = body_of(await xero.put("Payments", {"Payments": [payment(inv["InvoiceID"], "5.00", IsReconciled=True)]}))
        pay_id = pay["Payments"][0]["PaymentID"]
        assert pay["Payments"][0]["IsReconciled"] is True
        refused = await xero.post(f"Payments/{pay_id}", {"Status": "DELETED"})
        assert body_of(refused)["Elements"][0]["ValidationErrors"][0]["Message"] == "custom reconciled text"


async def test_bill_payment_and_foreign_currency(xero):
    bill = await _invoice(xero, number="B-1", kind="ACCPAY", CurrencyCode="USD", CurrencyRate=D("0.5"))
    pay = body_of(await xero.put("Payments", {"Payments": [payment(bill["InvoiceID"], "110.00",
                                                                   CurrencyRate=D("0.55"))]}))["Payments"][0]
    assert pay["PaymentType"] == "ACCPAYPAYMENT" and pay["Amount"] == D("110.00") and pay["BankAmount"] == D("200.00")
    journal = body_of(await xero.get("Journals"))["Journals"][-1]
    lines = {l["AccountCode"]: l["NetAmount"] for l in journal["JournalLines"]}
    assert lines == {"090": D("-200.00"), "800": D("220.00"), "499": D("-20.00")}


async def test_payments_paging_and_lookup(xero):
    inv = await _invoice(xero, amount="1000.00")
    batch = [payment(inv["InvoiceID"], "1.00", Reference=f"R{n}") for n in range(120)]
    for start in (0, 50, 100):
        assert (await xero.put("Payments", {"Payments": batch[start:start + 50]})).status_code == 200
    page2 = body_of(await xero.get("Payments", params={"page": "2"}))
    assert len(page2["Payments"]) == 20 and page2["pagination"]["itemCount"] == 120
    one = page2["Payments"][0]
    assert body_of(await xero.get(f"Payments/{one['PaymentID']}"))["Payments"][0]["Reference"] == "R100"
    assert (await xero.get("Payments/00000000-0000-0000-0000-000000000000")).status_code == 404
