"""Legacy Essentials (v0): camelCase, page-number paging, invoices and payments, 418 upgraded / 423 upgrading."""

from __future__ import annotations

from decimal import Decimal

import pytest

from .conftest import body_of

pytestmark = pytest.mark.anyio


async def _setup(legacy) -> tuple[dict, dict, dict]:
    contact = body_of(await legacy.post("contacts", {"name": "Brighton Body Works", "types": ["Customer"]}))
    accounts = body_of(await legacy.get("generalledger/accounts"))["items"]
    sales = next(a for a in accounts if a["displayId"] == "4-1000")
    gst = next(t for t in body_of(await legacy.call("GET", "/au/essentials/tax/types", absolute=True))["items"]
               if t["code"] == "GST")
    return contact, sales, gst


async def test_invoice_and_payment_in_camel_case(legacy):
    contact, sales, gst = await _setup(legacy)
    created = await legacy.post("sale/invoices", {
        "invoiceNumber": "IV00000000001", "contact": {"uid": contact["uid"]}, "issueDate": "2026-03-02",
        "dueDate": "2026-03-10", "gstInclusive": True,
        "lines": [{"description": "ball point", "account": {"uid": sales["uid"]}, "taxType": {"uid": gst["uid"]},
                   "quantity": Decimal("150"), "unitPrice": Decimal("6.05"), "total": Decimal("907.50")}]})
    assert created.status_code == 201, created.text
    invoice = body_of(created)
    assert created.headers["Location"] == invoice["uri"] and invoice["uid"].isdigit()
    assert (invoice["total"], invoice["gst"], invoice["amountDue"], invoice["status"]) == (
        Decimal("907.50"), Decimal("82.50"), Decimal("907.50"), "Open")
    assert invoice["issueDate"] == "2026-03-02" and invoice["displayStatus"] == "Overdue"
    assert invoice["contact"]["name"] == "Brighton Body Works" and invoice["lines"][0]["taxType"]["code"] == "GST"
    payment = await legacy.post("sale/payments", {
        "contact": {"uid": contact["uid"]}, "date": "2026-03-05", "account": {"uid": "10108101"},
        "lines": [{"invoice": {"uid": invoice["uid"]}, "amount": Decimal("907.50")}]})
    assert payment.status_code == 201, payment.text
    paid = body_of(await legacy.get(f"sale/invoices/{invoice['uid']}"))
    assert (paid["amountPaid"], paid["amountDue"], paid["status"]) == (Decimal("907.50"), Decimal("0.00"), "Paid")
    over = await legacy.post("sale/payments", {
        "contact": {"uid": contact["uid"]}, "date": "2026-03-05", "account": {"uid": "10108101"},
        "lines": [{"invoice": {"uid": invoice["uid"]}, "amount": Decimal("0.01")}]})
    assert over.status_code == 400 and body_of(over)["errors"][0]["name"] == "AmountAppliedExceedsBalanceDue"
    control = legacy.sandbox.control_for("essentials")
    assert (control.count("invoice"), control.count("payment"), control.count("contact")) == (1, 1, 1)
    assert legacy.sandbox.control.count("invoice") == 0  # the AccountRight file is separate


async def test_page_number_paging_and_filter(legacy):
    contact, sales, gst = await _setup(legacy)
    for n in range(5):
        response = await legacy.post("sale/invoices", {
            "invoiceNumber": f"E-{n}", "contact": {"uid": contact["uid"]}, "issueDate": f"2026-03-0{n + 1}",
            "lines": [{"account": {"uid": sales["uid"]}, "taxType": {"uid": gst["uid"]}, "total": Decimal("10.00")}]})
        assert response.status_code == 201
    page = body_of(await legacy.get("sale/invoices", params={"page": "2", "size": "2"}))
    assert [i["invoiceNumber"] for i in page["items"]] == ["E-2", "E-3"]
    assert page["page"] == {"size": 2, "totalElements": 5, "totalPages": 3, "number": 2}
    assert {link["rel"] for link in page["_links"]} == {"self", "next", "previous"}
    legacy.sandbox.control_for("essentials").set_page_size(4)
    capped = body_of(await legacy.get("sale/invoices", params={"size": "1000"}))
    assert capped["page"]["size"] == 4 and capped["page"]["totalPages"] == 2
    found = body_of(await legacy.get("sale/invoices", params={"filter": "invoiceNumber eq 'E-3'"}))
    assert [i["invoiceNumber"] for i in found["items"]] == ["E-3"]
    dated = body_of(await legacy.get("sale/invoices", params={"fromDate": "2026-03-04"}))
    assert [i["invoiceNumber"] for i in dated["items"]] == ["E-3", "E-4"]


async def test_upgrade_states_answer_423_then_418(legacy, myob, http):
    assert (await legacy.get("sale/invoices")).status_code == 200
    await http.post("/__sandbox__/upgrade", json={"state": "upgrading"})
    upgrading = await legacy.get("sale/invoices")
    assert upgrading.status_code == 423 and body_of(upgrading)["errors"][0]["name"] == "BusinessUpgrading"
    await http.post("/__sandbox__/upgrade", json={"state": "upgraded"})
    upgraded = await legacy.get("sale/invoices")
    assert upgraded.status_code == 418 and "upgraded" in body_of(upgraded)["errors"][0]["message"]
    files = body_of(await myob.call("GET", "/accountright/", absolute=True))
    assert sorted(f["UIAccessFlags"] for f in files) == [2, 3]
    assert (await http.post("/__sandbox__/upgrade", json={"state": "bogus"})).status_code == 400


async def test_version_and_edition_are_kept_apart(legacy, myob):
    assert (await legacy.get("sale/invoices", headers={"x-myobapi-version": "v2"})).status_code == 400
    legacy_id = legacy.sandbox.essentials_business_id
    assert (await myob.call("GET", f"/accountright/{legacy_id}/Sale/Invoice", absolute=True)).status_code == 404
    assert (await legacy.call("GET", "/au/essentials/businesses", absolute=True)).status_code == 200
    put = await legacy.put("sale/invoices/999", {})
    assert put.status_code == 404


async def test_legacy_update_and_delete(legacy):
    contact, sales, gst = await _setup(legacy)
    invoice = body_of(await legacy.post("sale/invoices", {
        "contact": {"uid": contact["uid"]}, "issueDate": "2026-03-02",
        "lines": [{"account": {"uid": sales["uid"]}, "taxType": {"uid": gst["uid"]}, "total": Decimal("10.00")}]}))
    assert invoice["invoiceNumber"] == "00000001" and invoice["total"] == Decimal("11.00")
    changed = await legacy.put(f"sale/invoices/{invoice['uid']}", {
        "contact": {"uid": contact["uid"]}, "issueDate": "2026-03-03", "notes": "revised",
        "lines": [{"account": {"uid": sales["uid"]}, "taxType": {"uid": gst["uid"]}, "total": Decimal("20.00")}]})
    assert changed.status_code == 200 and body_of(changed)["total"] == Decimal("22.00")
    assert body_of(changed)["invoiceNumber"] == "00000001"
    assert (await legacy.delete(f"sale/invoices/{invoice['uid']}")).status_code == 200
    assert (await legacy.get(f"sale/invoices/{invoice['uid']}")).status_code == 404
