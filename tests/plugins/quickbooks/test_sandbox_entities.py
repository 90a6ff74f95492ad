"""Names and invoices: uniqueness, SyncToken, sparse/full updates, DocNumber, closed books, void/delete."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from .conftest import body_of, fault_code, invoice, line, payment

pytestmark = pytest.mark.anyio


async def test_display_name_unique_across_customers_and_vendors(qbo):
    await qbo.customer("Acme Ltd")
    for kind in ("customer", "vendor"):
        clash = await qbo.post(kind, {"DisplayName": "ACME LTD"})
        assert clash.status_code == 400 and fault_code(clash) == "6240"
        error = body_of(clash)["Fault"]["Error"][0]
        assert error["Message"] == "Duplicate Name Exists Error"
        assert error["Detail"].startswith("The name supplied already exists.")
    nameless = await qbo.post("customer", {"CompanyName": "No Display"})
    assert fault_code(nameless) == "6080"
    named = await qbo.create("Customer", {"GivenName": "Jo", "FamilyName": "Bloggs"})
    assert named["DisplayName"] == "Jo Bloggs" and named["Id"] and named["SyncToken"] == "0"
    assert fault_code(await qbo.post("customer", {"DisplayName": "A:B"})) == "6000"
    unknown = await qbo.post("customer", {"DisplayName": "Typo Ltd", "Emial": "x"})
    assert fault_code(unknown) == "2010" and '"Emial"' in body_of(unknown)["Fault"]["Error"][0]["Detail"]


async def test_sparse_update_needs_the_current_sync_token(qbo):
    customer = await qbo.customer("Acme Ltd", Notes="first", CompanyName="Acme")
    sparse = await qbo.post("customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Notes": "second"})
    updated = body_of(sparse)["Customer"]
    assert updated["SyncToken"] == "1" and updated["Notes"] == "second" and updated["CompanyName"] == "Acme"
    stale = await qbo.post("customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Notes": "third"})
    assert stale.status_code == 400 and fault_code(stale) == "5010"
    error = body_of(stale)["Fault"]["Error"][0]
    assert error["Message"] == "Stale Object Error" and "finished before you did" in error["Detail"]
    full = await qbo.post("customer", {"Id": customer["Id"], "SyncToken": "1", "DisplayName": "Acme Ltd"})
    assert "Notes" not in body_of(full)["Customer"] and "CompanyName" not in body_of(full)["Customer"]
    missing = await qbo.post("customer", {"Id": "999", "SyncToken": "0", "DisplayName": "Ghost"})
    assert fault_code(missing) == "610"
    assert fault_code(await qbo.get("invoice/999")) == "610"


async def test_inactive_names_are_hidden_and_not_referencable(qbo):
    customer = await qbo.customer("Gone Ltd")
    await qbo.post("customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Active": False})
    listed = body_of(await qbo.query("select * from Customer"))["QueryResponse"]
    assert listed == {}
    every = body_of(await qbo.query("select * from Customer where Active in (true, false)"))["QueryResponse"]
    assert [c["DisplayName"] for c in every["Customer"]] == ["Gone Ltd"]
    refused = await qbo.post("invoice", invoice(customer, "10.00"))
    assert fault_code(refused) == "2500"
    assert fault_code(await qbo.post("customer", {"Id": customer["Id"], "SyncToken": "1"},
                                     params={"operation": "delete"})) == "500"


async def test_required_fields_for_a_non_us_company(qbo):
    customer = await qbo.customer()
    body = invoice(customer, "10.00")
    for field in ("CurrencyRef", "GlobalTaxCalculation", "Line", "CustomerRef"):
        broken = {k: v for k, v in body.items() if k != field}
        response = await qbo.post("invoice", broken)
        assert fault_code(response) == "2020", field
        assert body_of(response)["Fault"]["Error"][0]["Detail"] == f"Required parameter {field} is missing in the request"
    no_code = invoice(customer, "10.00")
    no_code["Line"][0]["SalesItemLineDetail"].pop("TaxCodeRef")
    assert fault_code(await qbo.post("invoice", no_code)) == "6000"
    mismatch = invoice(customer, number="X")
    mismatch["Line"] = [line("10.00", qty="3", price="3.00")]
    assert fault_code(await qbo.post("invoice", mismatch)) == "6070"


async def test_doc_numbers_with_custom_numbers_on_and_off(qbo, sandbox):
    customer = await qbo.customer()
    first = await qbo.create("Invoice", invoice(customer, number="J-1001"))
    duplicate = await qbo.post("invoice", invoice(customer, number="J-1001"))
    assert fault_code(duplicate) == "6140"
    assert body_of(duplicate)["Fault"]["Error"][0]["Detail"].endswith(
        f"DocNumber=J-1001 is assigned to TxnType=Invoice with TxnId={first['Id']}")
    allowed = await qbo.post("invoice", invoice(customer, number="J-1001"), params={"include": "allowduplicatedocnum"})
    assert allowed.status_code == 200
    assert fault_code(await qbo.post("invoice", invoice(customer, number="X" * 22))) == "2050"
    assert "DocNumber" not in await qbo.create("Invoice", invoice(customer, number=None))
    await qbo.http.post("/__sandbox__/preferences", json={"CustomTxnNumbers": False})
    auto = await qbo.create("Invoice", invoice(customer, number=None))
    assert auto["DocNumber"] == "1001"
    assert (await qbo.post("invoice", invoice(customer, number="J-1001"))).status_code == 200
    prefs = body_of(await qbo.get("preferences"))["Preferences"]
    assert prefs["SalesFormsPrefs"]["CustomTxnNumbers"] is False


async def test_closed_books_refuse_changes_on_or_before_the_date(qbo, sandbox):
    customer = await qbo.customer()
    open_invoice = await qbo.create("Invoice", invoice(customer, date="2026-02-10"))
    sandbox.control.lock_until(date(2026, 2, 28))
    assert body_of(await qbo.get("preferences"))["Preferences"]["AccountingInfoPrefs"]["BookCloseDate"] == "2026-02-28"
    refused = await qbo.post("invoice", invoice(customer, number="2", date="2026-02-28"))
    assert refused.status_code == 400 and fault_code(refused) == "6210"
    assert body_of(refused)["Fault"]["Error"][0]["Message"] == \
        "Account Period Closed, Cannot Update Through Services API"
    for params in ({}, {"operation": "void"}, {"operation": "delete"}):
        body = {"Id": open_invoice["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "x"}
        assert fault_code(await qbo.post("invoice", body, params=params)) == "6210", params
    moved_in = await qbo.create("Invoice", invoice(customer, number="3", date="2026-03-01"))
    back = await qbo.post("invoice", {"Id": moved_in["Id"], "SyncToken": "0", "sparse": True, "TxnDate": "2026-01-01"})
    assert fault_code(back) == "6210"
    assert (await qbo.post("payment", payment(customer, "5.00", date="2026-02-01"))).status_code == 400
    assert (await qbo.post("customer", {"DisplayName": "Names are not dated"})).status_code == 200


async def test_void_zeroes_the_invoice_and_unapplies_its_payments(qbo, sandbox):
    customer = await qbo.customer()
    inv = await qbo.create("Invoice", invoice(customer, "100.00", PrivateNote="job 7"))
    paid = await qbo.create("Payment", payment(customer, "50.00", (inv["Id"], "50.00")))
    current = body_of(await qbo.get(f"invoice/{inv['Id']}"))["Invoice"]
    assert current["SyncToken"] == "1" and current["LinkedTxn"] == [{"TxnId": paid["Id"], "TxnType": "Payment"}]
    stale = await qbo.post("invoice", {"Id": inv["Id"], "SyncToken": "0"}, params={"operation": "void"})
    assert fault_code(stale) == "5010"
    voided = body_of(await qbo.post("invoice", {"Id": inv["Id"], "SyncToken": "1"}, params={"operation": "void"}))
    voided = voided["Invoice"]
    assert voided["TotalAmt"] == 0 and voided["Balance"] == 0 and voided["PrivateNote"] == "Voided - job 7"
    assert all(l["Amount"] == 0 for l in voided["Line"]) and "LinkedTxn" not in voided
    assert voided["TxnTaxDetail"]["TotalTax"] == 0
    again = body_of(await qbo.get(f"payment/{paid['Id']}"))["Payment"]
    assert again["Line"] == [] and again["UnappliedAmt"] == Decimal("50.00")
    assert sandbox.control.count("invoice") == 0 and sandbox.control.count("payment") == 1


async def test_delete_needs_unlinked_payments_and_leaves_a_tombstone(qbo):
    customer = await qbo.customer()
    inv = await qbo.create("Invoice", invoice(customer, "100.00"))
    paid = await qbo.create("Payment", payment(customer, "20.00", (inv["Id"], "20.00")))
    blocked = await qbo.post("invoice", {"Id": inv["Id"], "SyncToken": "1"}, params={"operation": "delete"})
    assert fault_code(blocked) == "6000"
    gone = await qbo.post("payment", {"Id": paid["Id"], "SyncToken": "0"}, params={"operation": "delete"})
    assert body_of(gone)["Payment"] == {"domain": "QBO", "status": "Deleted", "Id": paid["Id"],
                                        "MetaData": body_of(gone)["Payment"]["MetaData"]}
    restored = body_of(await qbo.get(f"invoice/{inv['Id']}"))["Invoice"]
    assert restored["Balance"] == restored["TotalAmt"] and "LinkedTxn" not in restored
    deleted = await qbo.post("invoice", {"Id": inv["Id"], "SyncToken": restored["SyncToken"]},
                             params={"operation": "delete"})
    assert body_of(deleted)["Invoice"]["status"] == "Deleted"
    assert fault_code(await qbo.get(f"invoice/{inv['Id']}")) == "610"


async def test_sparse_line_update_recomputes_tax_unless_total_tax_is_sent(qbo):
    customer = await qbo.customer()
    inv = await qbo.create("Invoice", invoice(customer, "100.00"))
    changed = body_of(await qbo.post("invoice", {"Id": inv["Id"], "SyncToken": "0", "sparse": True,
                                                 "Line": [line("200.00")]}))["Invoice"]
    assert (changed["TxnTaxDetail"]["TotalTax"], changed["TotalAmt"]) == (Decimal("30.00"), Decimal("230.00"))
    echoed = dict(changed)
    echoed["Line"] = [line("300.00")]  # a full update echoing the stale TxnTaxDetail keeps its tax
    stale_tax = body_of(await qbo.post("invoice", echoed))["Invoice"]
    assert (stale_tax["TxnTaxDetail"]["TotalTax"], stale_tax["TotalAmt"]) == (Decimal("30.00"), Decimal("330.00"))
    assert [l.get("Id") for l in changed["Line"]] == ["2", None] and stale_tax["Line"][0]["Id"] == "3"
    kept = {**line("300.00"), "Id": "3"}  # a line sent with a known Id keeps it
    again = body_of(await qbo.post("invoice", {"Id": inv["Id"], "SyncToken": stale_tax["SyncToken"], "sparse": True,
                                               "Line": [kept]}))["Invoice"]
    assert again["Line"][0]["Id"] == "3" and again["TotalAmt"] == Decimal("345.00")
