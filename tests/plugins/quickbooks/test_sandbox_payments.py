"""Payments and bill payments: linking, open balances, paid invoices, void, deposited, the ledger."""

from __future__ import annotations

from decimal import Decimal

import pytest

from .conftest import body_of, fault_code, invoice, payment

pytestmark = pytest.mark.anyio


async def test_payments_reduce_the_balance_until_paid(qbo, sandbox):
    customer = await qbo.customer()
    inv = await qbo.create("Invoice", invoice(customer, "100.00"))  # 115.00
    first = await qbo.create("Payment", payment(customer, "40.00", (inv["Id"], "40.00"), PaymentRefNum="chq 1"))
    assert first["UnappliedAmt"] == 0 and first["DepositToAccountRef"]["name"] == "Undeposited Funds"
    too_much = await qbo.post("payment", payment(customer, "80.00", (inv["Id"], "75.01")))
    assert too_much.status_code == 400 and fault_code(too_much) == "6000"
    rest = await qbo.create("Payment", payment(customer, "100.00", (inv["Id"], "75.00"),
                                               DepositToAccountRef={"value": "1"}))
    assert rest["UnappliedAmt"] == Decimal("25.00") and rest["DepositToAccountRef"]["name"] == "Business Bank Account"
    paid = body_of(await qbo.get(f"invoice/{inv['Id']}"))["Invoice"]
    assert paid["Balance"] == 0 and {l["TxnId"] for l in paid["LinkedTxn"]} == {first["Id"], rest["Id"]}
    listed = body_of(await qbo.query("select * from Invoice where Balance = '0'"))["QueryResponse"]["Invoice"]
    assert [i["Id"] for i in listed] == [inv["Id"]]
    assert body_of(await qbo.get(f"customer/{customer['Id']}"))["Customer"]["Balance"] == 0
    assert sandbox.control.count("payment") == 2


async def test_payment_rules(qbo):
    acme, other = await qbo.customer("Acme Ltd"), await qbo.customer("Other Ltd")
    inv = await qbo.create("Invoice", invoice(acme, "100.00"))
    assert fault_code(await qbo.post("payment", payment(other, "10.00", (inv["Id"], "10.00")))) == "620"
    assert fault_code(await qbo.post("payment", payment(acme, "10.00", (inv["Id"], "10.01")))) == "6000"
    assert fault_code(await qbo.post("payment", payment(acme, "10.00", ("999", "10.00")))) == "610"
    assert fault_code(await qbo.post("payment", {"CustomerRef": {"value": acme["Id"]},
                                                 "CurrencyRef": {"value": "NZD"}})) == "2020"
    bank = await qbo.post("payment", payment(acme, "10.00", DepositToAccountRef={"value": "3"}))  # Sales
    assert fault_code(bank) == "6000"
    unapplied = await qbo.create("Payment", payment(acme, "10.00"))
    assert unapplied["UnappliedAmt"] == Decimal("10.00") and unapplied["Line"] == []


async def test_void_and_update_of_a_payment(qbo, sandbox):
    customer = await qbo.customer()
    inv = await qbo.create("Invoice", invoice(customer, "100.00"))
    paid = await qbo.create("Payment", payment(customer, "115.00", (inv["Id"], "115.00"), PrivateNote="EFT"))
    moved = await qbo.post("payment", {"Id": paid["Id"], "SyncToken": "0", "sparse": True,
                                       "Line": [{"Amount": Decimal("15.00"),
                                                 "LinkedTxn": [{"TxnId": inv["Id"], "TxnType": "Invoice"}]}]})
    assert body_of(moved)["Payment"]["UnappliedAmt"] == Decimal("100.00")
    assert body_of(await qbo.get(f"invoice/{inv['Id']}"))["Invoice"]["Balance"] == Decimal("100.00")
    voided = await qbo.post("payment", {"Id": paid["Id"], "SyncToken": "1", "sparse": True},
                            params={"operation": "update", "include": "void"})
    body = body_of(voided)["Payment"]
    assert body["TotalAmt"] == 0 and body["Line"] == [] and body["PrivateNote"] == "Voided - EFT"
    assert body_of(await qbo.get(f"invoice/{inv['Id']}"))["Invoice"]["Balance"] == Decimal("115.00")
    assert sandbox.control.count("payment") == 0


async def test_deposited_payment_cannot_change(qbo):
    customer = await qbo.customer()
    paid = await qbo.create("Payment", payment(customer, "10.00"))
    assert (await qbo.http.post(f"/__sandbox__/payments/{paid['Id']}/deposit")).status_code == 204
    for params in ({"operation": "delete"}, {"operation": "update", "include": "void"}, {}):
        refused = await qbo.post("payment", {"Id": paid["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "x"},
                                 params=params)
        assert fault_code(refused) == "6540", params
        assert body_of(refused)["Fault"]["Error"][0]["Message"] == "Deposited Transaction cannot be changed"


async def test_bills_and_bill_payments(qbo, sandbox):
    vendor = await qbo.vendor()
    bill_body = {"VendorRef": {"value": vendor["Id"]}, "CurrencyRef": {"value": "NZD"}, "DocNumber": "S-77",
                 "GlobalTaxCalculation": "TaxExcluded", "TxnDate": "2026-03-05",
                 "Line": [{"Amount": Decimal("200.00"), "DetailType": "AccountBasedExpenseLineDetail",
                           "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "7"},
                                                             "TaxCodeRef": {"value": "5"}}}]}
    bill = await qbo.create("Bill", bill_body)
    assert bill["TotalAmt"] == Decimal("230.00") and bill["Balance"] == Decimal("230.00")
    assert fault_code(await qbo.post("bill", bill_body)) == "6140"
    other = await qbo.vendor("Other Supplies")
    assert (await qbo.post("bill", {**bill_body, "VendorRef": {"value": other["Id"]}})).status_code == 200
    assert fault_code(await qbo.post("bill", {"Id": bill["Id"], "SyncToken": "0"}, params={"operation": "void"})) \
        == "500"
    pay = {"VendorRef": {"value": vendor["Id"]}, "PayType": "Check", "TotalAmt": Decimal("230.00"),
           "CurrencyRef": {"value": "NZD"}, "TxnDate": "2026-03-20", "CheckPayment": {"BankAccountRef": {"value": "1"}},
           "Line": [{"Amount": Decimal("230.00"), "LinkedTxn": [{"TxnId": bill["Id"], "TxnType": "Bill"}]}]}
    assert fault_code(await qbo.post("billpayment", {**pay, "PayType": "Cash"})) == "2010"
    paid = await qbo.create("BillPayment", pay)
    assert body_of(await qbo.get(f"bill/{bill['Id']}"))["Bill"]["Balance"] == 0
    assert (sandbox.control.count("invoice"), sandbox.control.count("payment"), sandbox.control.count("contact")) \
        == (2, 1, 2)
    await qbo.post("billpayment", {"Id": paid["Id"], "SyncToken": "0", "sparse": True},
                   params={"operation": "update", "include": "void"})
    assert body_of(await qbo.get(f"bill/{bill['Id']}"))["Bill"]["Balance"] == Decimal("230.00")


async def test_general_ledger_follows_the_documents(qbo):
    customer = await qbo.customer()
    aussie = await qbo.customer("Sydney Pty", CurrencyRef={"value": "AUD"})
    await qbo.create("Invoice", invoice(customer, "100.00", date="2026-02-20"))
    inv = await qbo.create("Invoice", invoice(customer, "200.00", number="2", date="2026-03-02"))
    await qbo.create("Payment", payment(customer, "230.00", (inv["Id"], "230.00"), date="2026-03-03"))
    fx = await qbo.create("Invoice", invoice(aussie, "100.00", number="3", ExchangeRate=Decimal("1.10")))
    await qbo.create("Payment", payment(aussie, "115.00", (fx["Id"], "115.00"), ExchangeRate=Decimal("1.20")))
    report = body_of(await qbo.get("reports/GeneralLedger", params={
        "start_date": "2026-03-01", "end_date": "2026-03-31", "account": "9", "accounting_method": "Accrual"}))
    assert report["Header"]["ReportName"] == "GeneralLedger" and report["Header"]["Currency"] == "NZD"
    (section,) = report["Rows"]["Row"]
    assert section["Header"]["ColData"][0] == {"value": "Accounts Receivable (A/R)", "id": "9"}
    rows = section["Rows"]["Row"]
    assert rows[0]["ColData"][1]["value"] == "Beginning Balance" and rows[0]["ColData"][7]["value"] == "115.00"
    amounts = [r["ColData"][6]["value"] for r in rows[1:]]
    assert amounts == ["230.00", "-230.00", "126.50", "-126.50"]  # the FX payment settles at the invoice rate
    assert rows[-1]["ColData"][7]["value"] == "115.00"
    postings = body_of(await qbo.http.get("/__sandbox__/ledger"))["postings"]
    fx_gain = [p for p in postings if p["account_id"] == "8"]
    assert [p["amount"] for p in fx_gain] == [Decimal("-11.50")]
    ar = body_of(await qbo.get("account/9"))["Account"]
    assert ar["CurrentBalance"] == Decimal("115.00")
