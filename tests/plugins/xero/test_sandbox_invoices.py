"""Invoices: totals, PUT vs POST, number uniqueness, summarizeErrors, status machine, edit refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from .conftest import body_of, invoice, payment

pytestmark = pytest.mark.anyio
D = Decimal


async def test_exclusive_totals_round_tax_per_line(xero):
    element = invoice(LineItems=[{"Description": d, "Quantity": D("1"), "UnitAmount": D(a), "AccountCode": "200",
                                  "TaxType": "OUTPUT"} for d, a in (("a", "25.06"), ("b", "25.61"), ("c", "25.63"))])
    xero.sandbox.ledger().tax_rates["OUTPUT"].rate = D("15")  # Xero's rounding-guide example rate
    created = body_of(await xero.put("Invoices", {"Invoices": [element]}))["Invoices"][0]
    assert [l["TaxAmount"] for l in created["LineItems"]] == [D("3.76"), D("3.84"), D("3.84")]
    assert (created["SubTotal"], created["TotalTax"], created["Total"]) == (D("76.30"), D("11.44"), D("87.74"))
    assert created["AmountDue"] == D("87.74") and created["AmountPaid"] == D("0.00")


async def test_inclusive_and_no_tax_totals(xero):
    inclusive = invoice("INV-I", LineAmountTypes="Inclusive", LineItems=[
        {"Description": "x", "Quantity": D("3"), "UnitAmount": D("7.33"), "AccountCode": "200"}])
    notax = invoice("INV-N", LineAmountTypes="NoTax")
    result = body_of(await xero.put("Invoices", {"Invoices": [inclusive, notax]}))["Invoices"]
    inc, nt = result
    assert inc["LineItems"][0]["LineAmount"] == D("21.99")
    assert inc["TotalTax"] == D("2.00")  # 21.99 × 10/110 = 1.999 → 2.00
    assert (inc["SubTotal"], inc["Total"]) == (D("19.99"), D("21.99"))
    assert (nt["SubTotal"], nt["TotalTax"], nt["Total"]) == (D("100.00"), D("0.00"), D("100.00"))


async def test_discount_quantity_and_unitdp(xero):
    element = invoice("INV-D", LineItems=[{"Description": "x", "Quantity": D("2.5"), "UnitAmount": D("10.1648"),
                                           "DiscountRate": D("10"), "AccountCode": "200"}])
    two_dp = body_of(await xero.put("Invoices", {"Invoices": [element]}))["Invoices"][0]["LineItems"][0]
    assert two_dp["UnitAmount"] == D("10.16") and two_dp["LineAmount"] == D("22.86")  # 2.5 × 10.16 × 0.9 = 22.86
    element["InvoiceNumber"] = "INV-D4"
    four = body_of(await xero.put("Invoices", {"Invoices": [element]}, params={"unitdp": "4"}))["Invoices"][0]
    assert four["LineItems"][0]["UnitAmount"] == D("10.1648") and four["LineItems"][0]["LineAmount"] == D("22.87")


async def test_accrec_numbers_unique_and_autonumbered_accpay_numbers_free(xero):
    first = await xero.put("Invoices", {"Invoices": [invoice("INV-7")]})
    assert first.status_code == 200
    again = await xero.put("Invoices", {"Invoices": [invoice("INV-7")]})
    assert again.status_code == 400
    error = body_of(again)
    assert error["Type"] == "ValidationException" and error["ErrorNumber"] == 10
    assert error["Elements"][0]["ValidationErrors"] == [{"Message": "Invoice # must be unique."}]
    bills = await xero.put("Invoices", {"Invoices": [invoice("B-1", kind="ACCPAY"), invoice("B-1", kind="ACCPAY")]})
    assert bills.status_code == 200 and len(body_of(bills)["Invoices"]) == 2
    auto = body_of(await xero.put("Invoices", {"Invoices": [invoice(None), invoice(None)]}))["Invoices"]
    assert [i["InvoiceNumber"] for i in auto] == ["INV-0001", "INV-0002"]


async def test_voided_numbers_stay_taken_deleted_numbers_are_freed(xero):
    created = body_of(await xero.put("Invoices", {"Invoices": [invoice("INV-V"), invoice("INV-X", status="DRAFT")]}))
    void_id, draft_id = (i["InvoiceID"] for i in created["Invoices"])
    assert (await xero.post(f"Invoices/{void_id}", {"Status": "VOIDED"})).status_code == 200
    assert (await xero.post(f"Invoices/{draft_id}", {"Status": "DELETED"})).status_code == 200
    assert (await xero.put("Invoices", {"Invoices": [invoice("INV-V")]})).status_code == 400
    assert (await xero.put("Invoices", {"Invoices": [invoice("INV-X")]})).status_code == 200


async def test_post_updates_accrec_by_number_and_creates_otherwise(xero):
    created = body_of(await xero.post("Invoices", {"Invoices": [invoice("INV-P", status="DRAFT")]}))["Invoices"][0]
    updated = body_of(await xero.post("Invoices", {"Invoices": [invoice("INV-P", status="DRAFT", amount="250.00")]}))
    assert updated["Invoices"][0]["InvoiceID"] == created["InvoiceID"]
    assert updated["Invoices"][0]["Total"] == D("275.00")
    assert len(xero.sandbox.ledger().invoices) == 1


async def test_summarize_errors_default_returns_400_yet_creates_the_valid_elements(xero):
    batch = [invoice("INV-1"), invoice("INV-2", Contact={}), invoice("INV-3")]
    response = await xero.put("Invoices", {"Invoices": batch})
    assert response.status_code == 400
    elements = body_of(response)["Elements"]
    assert len(elements) == 1 and elements[0]["InvoiceNumber"] == "INV-2"
    assert "at least 1 of the following elements" in elements[0]["ValidationErrors"][0]["Message"]
    numbers = sorted(i.number for i in xero.sandbox.ledger().invoices.values())
    assert numbers == ["INV-1", "INV-3"]  # the documented quirk: the good ones were created


async def test_summarize_errors_false_gives_200_with_per_element_status(xero):
    batch = [invoice("INV-1"), invoice("INV-2", LineItems=[{"Description": "x", "Quantity": D("1"),
                                                            "UnitAmount": D("5"), "AccountCode": "476"}])]
    response = await xero.put("Invoices", {"Invoices": batch}, params={"summarizeErrors": "false"})
    assert response.status_code == 200
    ok, bad = body_of(response)["Invoices"]
    assert ok["StatusAttributeString"] == "OK" and ok["HasErrors"] is False and "InvoiceID" in ok
    assert bad["StatusAttributeString"] == "ERROR" and bad["HasErrors"] is True
    assert bad["ValidationErrors"] == [
        {"Message": "Account code '476' has been removed as it does not match a recognised account."}]


async def test_batch_of_fifty_in_one_call(xero):
    batch = [invoice(f"INV-{n:03d}") for n in range(50)]
    response = await xero.put("Invoices", {"Invoices": batch}, params={"summarizeErrors": "false"})
    assert response.status_code == 200 and len(body_of(response)["Invoices"]) == 50
    assert len(xero.sandbox.requests.find("PUT", "/Invoices")) == 1


@pytest.mark.parametrize(("start", "to", "allowed"), [
    ("DRAFT", "SUBMITTED", True), ("DRAFT", "AUTHORISED", True), ("DRAFT", "DELETED", True),
    ("SUBMITTED", "DRAFT", True), ("SUBMITTED", "AUTHORISED", True), ("SUBMITTED", "DELETED", True),
    ("AUTHORISED", "VOIDED", True), ("AUTHORISED", "DRAFT", False), ("AUTHORISED", "DELETED", False),
    ("AUTHORISED", "PAID", False), ("DRAFT", "VOIDED", False), ("DRAFT", "PAID", False)])
async def test_status_machine(xero, start, to, allowed):
    created = body_of(await xero.put("Invoices", {"Invoices": [invoice(status=start)]}))["Invoices"][0]
    response = await xero.post(f"Invoices/{created['InvoiceID']}", {"Invoices": [{"Status": to}]})
    if allowed:
        assert response.status_code == 200 and body_of(response)["Invoices"][0]["Status"] == to
    else:
        assert response.status_code == 400
        assert body_of(response)["Elements"][0]["ValidationErrors"][0]["Message"] == \
            "Invoice not of valid status for modification"


async def test_voided_and_deleted_are_final(xero):
    created = body_of(await xero.put("Invoices", {"Invoices": [invoice()]}))["Invoices"][0]
    await xero.post(f"Invoices/{created['InvoiceID']}", {"Status": "VOIDED"})
    response = await xero.post(f"Invoices/{created['InvoiceID']}", {"Reference": "again"})
    assert response.status_code == 400


async def test_paid_or_part_paid_invoice_cannot_be_edited_or_voided(xero):
    created = body_of(await xero.put("Invoices", {"Invoices": [invoice()]}))["Invoices"][0]
    ident = created["InvoiceID"]
    assert (await xero.put("Payments", {"Payments": [payment(ident, "10.00")]})).status_code == 200
    edit = await xero.post(f"Invoices/{ident}", invoice(amount="90.00"))
    assert body_of(edit)["Elements"][0]["ValidationErrors"][0]["Message"] == \
        "This document cannot be edited as it has a payment or credit note allocated to it."
    void = await xero.post(f"Invoices/{ident}", {"Status": "VOIDED"})
    assert body_of(void)["Elements"][0]["ValidationErrors"][0]["Message"] == "Invoice not of valid status for modification"
    reference_only = await xero.post(f"Invoices/{ident}", {"Reference": "PO-77"})
    assert reference_only.status_code == 200 and body_of(reference_only)["Invoices"][0]["Reference"] == "PO-77"
    same_content = await xero.post(f"Invoices/{ident}", invoice())
    assert same_content.status_code == 200  # nothing money-related changed


async def test_lock_dates_refuse_posting_and_editing(xero):
    sandbox = xero.sandbox
    created = body_of(await xero.put("Invoices", {"Invoices": [invoice("INV-OLD", date="2026-01-20")]}))["Invoices"][0]
    from datetime import date
    sandbox.set_lock_dates(period_lock_date=date(2026, 1, 31))
    refused = await xero.put("Invoices", {"Invoices": [invoice("INV-L", date="2026-01-31")]})
    assert body_of(refused)["Elements"][0]["ValidationErrors"][0]["Message"] == \
        "The document date cannot be before the period lock date, currently set at 31-Jan-2026"
    assert (await xero.put("Invoices", {"Invoices": [invoice("INV-D", status="DRAFT", date="2026-01-15")]})).status_code == 200
    edit = await xero.post(f"Invoices/{created['InvoiceID']}", invoice("INV-OLD", date="2026-01-20", amount="5.00"))
    assert body_of(edit)["Elements"][0]["ValidationErrors"][0]["Message"] == \
        "The document cannot be edited as it is currently dated before the period lock date"
    sandbox.set_lock_dates(period_lock_date=date(2026, 1, 31), end_of_year_lock_date=date(2025, 6, 30))
    eoy = await xero.put("Invoices", {"Invoices": [invoice("INV-E", date="2025-06-30")]})
    assert body_of(eoy)["Elements"][0]["ValidationErrors"][0]["Message"] == \
        "The document date cannot be before the end of year lock date, currently set at 30-Jun-2025"
    assert (await xero.put("Invoices", {"Invoices": [invoice("INV-OK", date="2026-02-01")]})).status_code == 200


async def test_foreign_currency_rate_default_given_and_unsubscribed(xero):
    usd = body_of(await xero.put("Invoices", {"Invoices": [invoice("INV-U", CurrencyCode="USD")]}))["Invoices"][0]
    assert usd["CurrencyCode"] == "USD" and usd["CurrencyRate"] == D("0.650000")
    given = body_of(await xero.put("Invoices", {"Invoices": [invoice("INV-G", CurrencyCode="USD",
                                                                      CurrencyRate=D("0.7"))]}))["Invoices"][0]
    assert given["CurrencyRate"] == D("0.700000")
    one = body_of(await xero.put("Invoices", {"Invoices": [invoice("INV-1R", CurrencyCode="USD",
                                                                    CurrencyRate=D("1"))]}))["Invoices"][0]
    assert one["StatusAttributeString"] == "WARNING" and one["Warnings"]
    jpy = await xero.put("Invoices", {"Invoices": [invoice("INV-J", CurrencyCode="JPY")]})
    assert body_of(jpy)["Elements"][0]["ValidationErrors"][0]["Message"] == "Organisation is not subscribed to currency JPY"


async def test_invoice_contact_resolution(xero):
    contact = body_of(await xero.put("Contacts", {"Contacts": [{"Name": "Bob's Pipes", "ContactNumber": "C-9"}]}))
    contact_id = contact["Contacts"][0]["ContactID"]
    by_number = body_of(await xero.put("Invoices", {"Invoices": [invoice("A", contact={"ContactNumber": "C-9"})]}))
    assert by_number["Invoices"][0]["Contact"]["ContactID"] == contact_id
    by_name = body_of(await xero.put("Invoices", {"Invoices": [invoice("B", contact={"Name": "Bob's Pipes"})]}))
    assert by_name["Invoices"][0]["Contact"]["ContactID"] == contact_id
    new = body_of(await xero.put("Invoices", {"Invoices": [invoice("C", contact={"Name": "New Co"})]}))
    assert new["Invoices"][0]["Contact"]["Name"] == "New Co" and len(xero.sandbox.ledger().contacts) == 2
    unknown = await xero.put("Invoices", {"Invoices": [invoice("D", contact={"ContactID": "00000000-0000-0000-0000-000000000001"})]})
    assert unknown.status_code == 400


async def test_invoice_validation_messages(xero):
    response = await xero.put("Invoices", {"Invoices": [
        {"Contact": {"Name": "X"}, "LineItems": [{"Description": "x", "UnitAmount": D("1"), "AccountCode": "200"}]},
        invoice("N1", LineItems=[]),
        invoice("N2", Status="PAID"),
        invoice("N3", LineItems=[{"Description": "x", "UnitAmount": D("1"), "AccountCode": "200", "TaxType": "BOGUS"}]),
    ]}, params={"summarizeErrors": "false"})
    messages = [e.get("ValidationErrors", [{}])[0].get("Message") for e in body_of(response)["Invoices"]]
    assert messages[0] == "Invoice Type must be specified and be ACCREC or ACCPAY"
    assert messages[1] == "At least one line item must be specified"
    assert messages[2] == "Invoice not of valid status for creation"
    assert messages[3] == "The TaxType code 'BOGUS' cannot be used with account code '200'"


async def test_bad_json_is_post_data_invalid(xero):
    response = await xero.http.put("/api.xro/2.0/Invoices", content=b"{not json", headers={
        "Authorization": f"Bearer {xero.access_token}", "xero-tenant-id": xero.tenant})
    assert response.status_code == 400 and body_of(response)["Type"] == "PostDataInvalidException"
    missing = await xero.put("Invoices", {})
    assert missing.status_code == 400 and body_of(missing)["ErrorNumber"] == 14
