"""Invoices and bills: create (201 + Location), MYOB's tax arithmetic, layouts, numbers, RowVersion, delete."""

from __future__ import annotations

from decimal import Decimal

import pytest

from .conftest import BASE, body_of

pytestmark = pytest.mark.anyio


async def test_post_answers_201_with_location_and_no_body_by_default(myob):
    customer = await myob.customer()
    response = await myob.post("Sale/Invoice/Service", {
        "Date": "2026-03-10", "Customer": {"UID": customer["UID"]}, "Lines": [await myob.line("100.00")]})
    assert response.status_code == 201 and response.content == b""
    location = response.headers["Location"]
    assert location.startswith(f"{BASE}/ar1/accountright/{myob.sandbox.business_id}/Sale/Invoice/Service/")
    fetched = body_of(await myob.call("GET", location.removeprefix(BASE), absolute=True))
    assert fetched["Number"] == "00000001" and fetched["TotalAmount"] == Decimal("110.00")
    assert fetched["Status"] == "Open" and fetched["BalanceDueAmount"] == Decimal("110.00")


async def test_tax_is_computed_per_document_not_per_line(myob):
    customer = await myob.customer()
    lines = [await myob.line("0.05") for _ in range(3)]
    invoice = await myob.invoice(customer, "ROUND-1", lines=lines)
    # per line: 0.005 → 0.01 each = 0.03; MYOB sums unrounded tax (0.015) and rounds once → 0.02
    assert (invoice["Subtotal"], invoice["TotalTax"], invoice["TotalAmount"]) == (
        Decimal("0.15"), Decimal("0.02"), Decimal("0.17"))


async def test_tax_inclusive_lines_and_mixed_codes(myob):
    customer = await myob.customer()
    lines = [await myob.line("110.00"), await myob.line("55.55"), await myob.line("20.00", tax="FRE")]
    invoice = await myob.invoice(customer, "INC-1", lines=lines, inclusive=True)
    # tax: 10 + 5.05 + 0 = 15.05; subtotal is tax-exclusive
    assert invoice["TotalAmount"] == Decimal("185.55")
    assert invoice["TotalTax"] == Decimal("15.05") and invoice["Subtotal"] == Decimal("170.50")
    assert invoice["IsTaxInclusive"] is True


async def test_request_tax_amounts_are_ignored(myob):
    customer = await myob.customer()
    invoice = await myob.invoice(customer, "IGN-1", lines=[await myob.line("10.00")],
                                 TotalTax=Decimal("5.00"), TotalAmount=Decimal("99.99"))
    assert (invoice["TotalTax"], invoice["TotalAmount"]) == (Decimal("1.00"), Decimal("11.00"))


async def test_service_line_from_unit_count_and_price_and_item_layout(myob):
    customer = await myob.customer()
    line = await myob.line("0", UnitCount=Decimal("1.5"), UnitPrice=Decimal("86.67"))
    del line["Total"]
    service = await myob.invoice(customer, "SVC-1", lines=[line])
    assert service["Lines"][0]["Total"] == Decimal("130.01")
    item_uid = myob.sandbox.business().items[0].uid
    item_line = {"Type": "Transaction", "Item": {"UID": item_uid}, "ShipQuantity": Decimal("2"),
                 "UnitPrice": Decimal("95.00"), "TaxCode": {"UID": await myob.tax_uid("GST")}}
    item = await myob.invoice(customer, "ITM-1", lines=[item_line], layout="Item")
    assert item["Lines"][0]["Account"]["DisplayID"] == "4-2000" and item["TotalAmount"] == Decimal("209.00")
    listed = body_of(await myob.get("Sale/Invoice"))["Items"]
    assert {i["Number"]: i["InvoiceType"] for i in listed} == {"SVC-1": "Service", "ITM-1": "Item"}


async def test_uid_row_version_or_row_id_on_post_is_a_409(myob):
    customer = await myob.customer()
    for extra in ({"UID": "3f2b1c1e-0000-0000-0000-000000000001"}, {"RowVersion": "123"}):
        body = {"Date": "2026-03-10", "Customer": {"UID": customer["UID"]}, "Lines": [await myob.line("1.00")], **extra}
        response = await myob.post("Sale/Invoice/Service", body)
        assert response.status_code == 409
        assert body_of(response)["Errors"][0]["Name"] == "IncorrectRowVersionSupplied"
    line = {**await myob.line("1.00"), "RowID": 1}
    response = await myob.post("Sale/Invoice/Service", {"Date": "2026-03-10", "Customer": {"UID": customer["UID"]},
                                                        "Lines": [line]})
    assert response.status_code == 409
    assert myob.sandbox.control.count("invoice") == 0


async def test_numbers_are_unique_and_found_by_filter(myob):
    customer = await myob.customer()
    await myob.invoice(customer, "INV-7")
    again = await myob.post("Sale/Invoice/Service", {"Number": "INV-7", "Date": "2026-03-10",
                                                     "Customer": {"UID": customer["UID"]},
                                                     "Lines": [await myob.line("1.00")]})
    assert again.status_code == 400
    error = body_of(again)["Errors"][0]
    assert error["Name"] == "DuplicateIdentifier" and error["Severity"] == "Error" and "ErrorCode" in error
    assert "Information" in body_of(again) and again.headers["x-myobapi-requestid"]
    found = body_of(await myob.get("Sale/Invoice", params={"$filter": "Number eq 'INV-7'"}))
    assert found["Count"] == 1 and found["Items"][0]["Number"] == "INV-7"
    too_long = await myob.post("Sale/Invoice/Service", {"Number": "X" * 14, "Date": "2026-03-10",
                                                        "Customer": {"UID": customer["UID"]},
                                                        "Lines": [await myob.line("1.00")]})
    assert too_long.status_code == 400


async def test_put_needs_the_current_row_versions(myob, clock):
    customer = await myob.customer()
    invoice = await myob.invoice(customer, "RV-1")
    path = f"Sale/Invoice/Service/{invoice['UID']}"
    clock.advance(60)
    changed = {**invoice, "Comment": "Revised", "CustomerPurchaseOrderNumber": "PO-9"}
    updated = await myob.put(path, changed, params={"returnBody": "true"})
    assert updated.status_code == 200, updated.text
    after = body_of(updated)
    assert after["RowVersion"] != invoice["RowVersion"] and after["Comment"] == "Revised"
    assert after["LastModified"] == "2026-03-16T09:01:00.000" and after["Lines"][0]["RowID"] == 1
    stale = await myob.put(path, changed)  # the old RowVersion
    assert stale.status_code == 409 and body_of(stale)["Errors"][0]["Name"] == "IncorrectRowVersionSupplied"
    stale_line = {**after, "Lines": [{**after["Lines"][0], "RowVersion": "1"}, after["Lines"][1]]}
    assert (await myob.put(path, stale_line)).status_code == 409
    no_version = {k: v for k, v in after.items() if k != "RowVersion"}
    assert (await myob.put(path, no_version)).status_code == 409
    one_line = {**after, "Lines": [after["Lines"][0]]}
    shrunk = body_of(await myob.put(path, one_line, params={"returnBody": "true"}))
    assert shrunk["TotalAmount"] == Decimal("143.01") and len(shrunk["Lines"]) == 1
    assert (await myob.put("Sale/Invoice/Service/3f2b1c1e-0000-0000-0000-000000000001", after)).status_code == 404


async def test_delete_and_read_only_all_layouts_endpoint(myob):
    customer = await myob.customer()
    invoice = await myob.invoice(customer, "DEL-1")
    assert (await myob.post("Sale/Invoice", {"Date": "2026-03-10"})).status_code == 405
    deleted = await myob.delete(f"Sale/Invoice/Service/{invoice['UID']}")
    assert deleted.status_code == 200 and deleted.content == b""
    assert (await myob.get(f"Sale/Invoice/Service/{invoice['UID']}")).status_code == 404
    assert myob.sandbox.control.count("invoice") == 0


async def test_invoice_with_payments_cannot_be_deleted_or_shrunk(myob):
    customer = await myob.customer()
    invoice = await myob.invoice(customer, "PAID-1")
    assert (await myob.pay(customer, invoice, "100.00")).status_code == 201
    refused = await myob.delete(f"Sale/Invoice/Service/{invoice['UID']}")
    assert refused.status_code == 400
    current = body_of(await myob.get(f"Sale/Invoice/Service/{invoice['UID']}"))
    shrink = {**current, "Lines": [{**current["Lines"][1]}]}
    assert (await myob.put(f"Sale/Invoice/Service/{invoice['UID']}", shrink)).status_code == 400


async def test_bills_and_suppliers(myob):
    supplier = await myob.customer("Pipe Supplies Pty Ltd", kind="Supplier")
    body = {"Number": "B-1", "SupplierInvoiceNumber": "SUP-77", "Date": "2026-03-05",
            "Supplier": {"UID": supplier["UID"]}, "Lines": [await myob.line("50.00", account="6-1000")]}
    bill = await myob.create("Purchase/Bill/Service", body)
    assert bill["TotalAmount"] == Decimal("55.00") and bill["Status"] == "Open" and bill["SupplierInvoiceNumber"] == "SUP-77"
    customer = await myob.customer()
    wrong = {**body, "Number": "B-2", "Supplier": {"UID": customer["UID"]}}
    assert (await myob.post("Purchase/Bill/Service", wrong)).status_code == 400
    assert body_of(await myob.get("Purchase/Bill"))["Items"][0]["BillType"] == "Service"
    assert myob.sandbox.control.count("invoice") == 1 and myob.sandbox.control.count("contact") == 2


async def test_validation_errors_name_the_field(myob):
    customer = await myob.customer()
    missing = await myob.post("Sale/Invoice/Service", {"Customer": {"UID": customer["UID"]},
                                                       "Lines": [await myob.line("1.00")]})
    assert missing.status_code == 400
    error = body_of(missing)["Errors"][0]
    assert (error["Name"], error["ErrorCode"], error["AdditionalDetails"]) == ("Required", 100, "Date")
    unknown = await myob.post("Sale/Invoice/Service", {"Date": "2026-03-10",
                                                       "Customer": {"UID": "3f2b1c1e-0000-0000-0000-000000000001"},
                                                       "Lines": [await myob.line("1.00")]})
    assert body_of(unknown)["Errors"][0]["Name"] == "NotFound"
    header = await myob.post("Sale/Invoice/Service", {"Date": "2026-03-10", "Customer": {"UID": customer["UID"]},
                                                      "Lines": [await myob.line("1.00", account="4-0000")]})
    assert header.status_code == 400
    bad_json = await myob.call("POST", "Sale/Invoice/Service", headers={"Content-Type": "application/json"})
    assert bad_json.status_code == 400
