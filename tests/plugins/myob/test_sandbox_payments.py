"""Customer and supplier payments: never above the balance due, Status follows BalanceDueAmount, delete-only."""

from __future__ import annotations

from decimal import Decimal

import pytest

from .conftest import body_of

pytestmark = pytest.mark.anyio


async def test_part_then_full_payment_closes_the_invoice(myob):
    customer = await myob.customer()
    invoice = await myob.invoice(customer)
    first = await myob.pay(customer, invoice, "43.34")
    assert first.status_code == 201 and first.headers["Location"].endswith(body_of(first)["UID"])
    assert body_of(first)["ReceiptNumber"] == "CR000001"
    after = body_of(await myob.get(f"Sale/Invoice/Service/{invoice['UID']}"))
    assert (after["BalanceDueAmount"], after["Status"]) == (Decimal("100.00"), "Open")
    assert after["RowVersion"] != invoice["RowVersion"] and after["LastPaymentDate"] == "2026-03-12T00:00:00"
    await myob.pay(customer, invoice, "100.00", date="2026-03-14")
    closed = body_of(await myob.get(f"Sale/Invoice/Service/{invoice['UID']}"))
    assert (closed["BalanceDueAmount"], closed["Status"]) == (Decimal("0.00"), "Closed")
    assert myob.sandbox.control.count("payment") == 2


async def test_payment_above_balance_due_is_refused(myob):
    customer = await myob.customer()
    invoice = await myob.invoice(customer)
    over = await myob.pay(customer, invoice, "143.35")
    assert over.status_code == 400 and body_of(over)["Errors"][0]["Name"] == "AmountAppliedExceedsBalanceDue"
    more_applied_than_received = await myob.pay(customer, invoice, "50.00", received="40.00")
    assert more_applied_than_received.status_code == 400
    zero = await myob.pay(customer, invoice, "0.00")
    assert zero.status_code == 400
    assert myob.sandbox.control.count("payment") == 0


async def test_payments_cannot_be_updated_only_deleted(myob):
    customer = await myob.customer()
    invoice = await myob.invoice(customer)
    payment = body_of(await myob.pay(customer, invoice, "143.34"))
    put = await myob.put(f"Sale/CustomerPayment/{payment['UID']}", payment)
    assert put.status_code == 405
    deleted = await myob.delete(f"Sale/CustomerPayment/{payment['UID']}")
    assert deleted.status_code == 200
    reopened = body_of(await myob.get(f"Sale/Invoice/Service/{invoice['UID']}"))
    assert (reopened["Status"], reopened["BalanceDueAmount"], reopened["LastPaymentDate"]) == ("Open", Decimal("143.34"), None)


async def test_reconciled_payment_cannot_be_deleted(myob, http):
    customer = await myob.customer()
    invoice = await myob.invoice(customer)
    payment = body_of(await myob.pay(customer, invoice, "10.00"))
    await http.post("/__sandbox__/reconcile", json={"payment": payment["UID"], "date": "2026-03-31"})
    journal = body_of(await myob.get("GeneralLedger/JournalTransaction",
                                     params={"$filter": "JournalType eq 'CashReceipt'"}))["Items"][0]
    assert journal["Lines"][0]["ReconciledDate"] == "2026-03-31T00:00:00"
    assert (await myob.delete(f"Sale/CustomerPayment/{payment['UID']}")).status_code == 400


async def test_payment_must_match_the_customer_and_a_bank_account(myob):
    customer, other = await myob.customer(), await myob.customer("Other Pty Ltd")
    invoice = await myob.invoice(customer)
    assert (await myob.pay(other, invoice, "10.00")).status_code == 400
    body = {"DepositTo": "Account", "Account": {"UID": await myob.account_uid("4-1000")},
            "Customer": {"UID": customer["UID"]}, "Date": "2026-03-12", "AmountReceived": Decimal("10.00"),
            "Invoices": [{"UID": invoice["UID"], "AmountApplied": Decimal("10.00")}]}
    assert (await myob.post("Sale/CustomerPayment", body)).status_code == 400
    undeposited = {**body, "DepositTo": "UndepositedFunds"}
    del undeposited["Account"]
    assert (await myob.post("Sale/CustomerPayment", undeposited)).status_code == 201


async def test_supplier_payment_against_a_bill(myob):
    supplier = await myob.customer("Pipe Supplies", kind="Supplier")
    bill = await myob.create("Purchase/Bill/Service", {
        "Number": "B-1", "Date": "2026-03-05", "Supplier": {"UID": supplier["UID"]},
        "Lines": [await myob.line("50.00", account="6-1000")]})
    paid = await myob.post("Purchase/SupplierPayment", {
        "PayFrom": "Account", "Account": {"UID": await myob.account_uid("1-1110")}, "Supplier": {"UID": supplier["UID"]},
        "Date": "2026-03-09", "AmountPaid": Decimal("55.00"),
        "Lines": [{"Type": "Bill", "Purchase": {"UID": bill["UID"]}, "AmountApplied": Decimal("55.00")}]},
        params={"returnBody": "true"})
    assert paid.status_code == 201, paid.text
    assert body_of(paid)["Lines"][0]["Purchase"]["Number"] == "B-1"
    closed = body_of(await myob.get(f"Purchase/Bill/Service/{bill['UID']}"))
    assert (closed["Status"], closed["AppliedToDate"]) == ("Closed", Decimal("55.00"))


async def test_journals_post_to_the_control_accounts(myob):
    customer = await myob.customer()
    invoice = await myob.invoice(customer)
    await myob.pay(customer, invoice, "43.34")
    items = body_of(await myob.get("GeneralLedger/JournalTransaction", params={
        "$filter": "DateOccurred ge datetime'2026-03-01' and DateOccurred le datetime'2026-03-31'"}))["Items"]
    postings = [(j["JournalType"], line["Account"]["DisplayID"], line["Amount"], line["IsCredit"])
                for j in items for line in j["Lines"] if line["Account"]["DisplayID"] == "1-1200"]
    assert postings == [("Sale", "1-1200", Decimal("143.34"), False), ("CashReceipt", "1-1200", Decimal("43.34"), True)]
    for journal in items:
        debit = sum((l["Amount"] for l in journal["Lines"] if not l["IsCredit"]), Decimal(0))
        credit = sum((l["Amount"] for l in journal["Lines"] if l["IsCredit"]), Decimal(0))
        assert debit == credit
    debtors = body_of(await myob.get("GeneralLedger/Account", params={"$filter": "DisplayID eq '1-1200'"}))["Items"][0]
    assert debtors["CurrentBalance"] == Decimal("100.00") and debtors["Type"] == "AccountReceivable"
