"""Reading: paging, where filters, If-Modified-Since, ID/number/status params, order, single GETs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from .conftest import body_of, invoice

pytestmark = pytest.mark.anyio


async def _make(xero, count: int, **kw) -> list[dict]:
    out = []
    for start in range(0, count, 50):
        batch = [invoice(f"INV-{n:04d}", **kw) for n in range(start, min(count, start + 50))]
        out += body_of(await xero.put("Invoices", {"Invoices": batch}))["Invoices"]
    return out


async def test_paging_boundaries(xero):
    await _make(xero, 201)
    first = body_of(await xero.get("Invoices", params={"page": "1"}))
    assert first["pagination"] == {"page": 1, "pageSize": 100, "pageCount": 3, "itemCount": 201}
    assert len(first["Invoices"]) == 100 and first["Invoices"][0]["LineItems"]
    third = body_of(await xero.get("Invoices", params={"page": "3"}))
    assert [i["InvoiceNumber"] for i in third["Invoices"]] == ["INV-0200"]
    beyond = body_of(await xero.get("Invoices", params={"page": "4"}))
    assert beyond["Invoices"] == [] and beyond["pagination"]["page"] == 4
    big = body_of(await xero.get("Invoices", params={"page": "1", "pageSize": "5000"}))
    assert big["pagination"]["pageSize"] == 1000 and len(big["Invoices"]) == 201
    exact = body_of(await xero.get("Invoices", params={"page": "2", "pageSize": "201"}))
    assert exact["Invoices"] == [] and exact["pagination"]["pageCount"] == 1


async def test_unpaged_list_has_every_match_without_line_items(xero):
    await _make(xero, 120)
    listed = body_of(await xero.get("Invoices"))
    assert len(listed["Invoices"]) == 120 and "pagination" not in listed
    assert all(i["LineItems"] == [] for i in listed["Invoices"])
    one = body_of(await xero.get("Invoices/INV-0007"))["Invoices"][0]
    assert one["InvoiceNumber"] == "INV-0007" and one["LineItems"]
    by_id = body_of(await xero.get(f"Invoices/{one['InvoiceID']}"))["Invoices"][0]
    assert by_id["InvoiceID"] == one["InvoiceID"]
    assert (await xero.get("Invoices/NOPE")).status_code == 404


async def test_where_filters_the_plugin_uses(xero):
    contact = body_of(await xero.put("Contacts", {"Contacts": [{"Name": "Zed"}]}))["Contacts"][0]["ContactID"]
    await xero.put("Invoices", {"Invoices": [
        invoice("S-1", date="2026-02-01"), invoice("S-2", date="2026-03-01", status="DRAFT"),
        invoice("B-1", kind="ACCPAY", date="2026-03-05", contact={"ContactID": contact}),
    ]})

    async def numbers(where: str) -> list[str]:
        response = await xero.get("Invoices", params={"where": where})
        assert response.status_code == 200, response.text
        return sorted(i.get("InvoiceNumber") for i in body_of(response)["Invoices"])

    assert await numbers('Type=="ACCREC"') == ["S-1", "S-2"]
    assert await numbers('Status=="DRAFT"') == ["S-2"]
    assert await numbers('InvoiceNumber=="S-1"') == ["S-1"]
    assert await numbers(f'Contact.ContactID==guid("{contact.upper()}")') == ["B-1"]
    assert await numbers("Date>=DateTime(2026,03,01) AND Date<DateTime(2026,03,05)") == ["S-2"]
    assert await numbers('Type=="ACCPAY" OR Status=="DRAFT"') == ["B-1", "S-2"]
    assert await numbers('(Type=="ACCREC" && Status=="AUTHORISED") || InvoiceNumber=="B-1"') == ["B-1", "S-1"]
    assert await numbers("AmountDue>=110 AND Date>=DateTime(2026, 2, 1, 0, 0, 0)") == ["B-1", "S-1", "S-2"]
    assert await numbers('InvoiceNumber.StartsWith("S-")') == ["S-1", "S-2"]


@pytest.mark.parametrize("where", ['Foo=="x"', 'InvoiceNumber.ToLower()=="x"', 'Date>="2026-01-01"',
                                   'Status=="A" XOR Type=="B"', 'Status=="unterminated'])
async def test_unsupported_where_is_refused_clearly(xero, where):
    response = await xero.get("Invoices", params={"where": where})
    assert response.status_code == 400
    error = body_of(response)
    assert error["Type"] == "QueryParseException" and error["Message"]


async def test_query_parameters_and_order(xero):
    made = await _make(xero, 5)
    made[2] = body_of(await xero.post(f"Invoices/{made[2]['InvoiceID']}", {"Status": "VOIDED"}))["Invoices"][0]
    ids = ",".join(i["InvoiceID"] for i in made[:2])
    assert len(body_of(await xero.get("Invoices", params={"IDs": ids}))["Invoices"]) == 2
    numbers = body_of(await xero.get("Invoices", params={"InvoiceNumbers": "INV-0003,INV-0004"}))["Invoices"]
    assert sorted(i["InvoiceNumber"] for i in numbers) == ["INV-0003", "INV-0004"]
    voided = body_of(await xero.get("Invoices", params={"Statuses": "VOIDED"}))["Invoices"]
    assert [i["InvoiceNumber"] for i in voided] == ["INV-0002"]
    contact = made[0]["Contact"]["ContactID"]
    assert len(body_of(await xero.get("Invoices", params={"ContactIDs": contact}))["Invoices"]) == 5
    ordered = body_of(await xero.get("Invoices", params={"order": "InvoiceNumber DESC"}))["Invoices"]
    assert [i["InvoiceNumber"] for i in ordered] == ["INV-0004", "INV-0003", "INV-0002", "INV-0001", "INV-0000"]
    assert (await xero.get("Invoices", params={"order": "Nope"})).status_code == 400


async def test_if_modified_since(xero, clock):
    await _make(xero, 3)
    clock.advance(3600)
    mark = clock.now()
    clock.advance(60)
    await xero.login()  # the access token lived 30 minutes
    later = body_of(await xero.put("Invoices", {"Invoices": [invoice("LATE")]}))["Invoices"][0]
    stamp = mark.strftime("%Y-%m-%dT%H:%M:%S")
    changed = body_of(await xero.get("Invoices", headers={"If-Modified-Since": stamp}))["Invoices"]
    assert [i["InvoiceNumber"] for i in changed] == ["LATE"]
    http_date = mark.strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert len(body_of(await xero.get("Invoices", headers={"If-Modified-Since": http_date}))["Invoices"]) == 1
    clock.advance(60)
    await xero.post(f"Invoices/{body_of(await xero.get('Invoices/INV-0001'))['Invoices'][0]['InvoiceID']}",
                    {"Reference": "touched"})
    changed = body_of(await xero.get("Invoices", headers={"If-Modified-Since": stamp}))["Invoices"]
    assert sorted(i["InvoiceNumber"] for i in changed) == ["INV-0001", "LATE"]
    assert later["UpdatedDateUTC"].startswith("/Date(")
    bad = await xero.get("Invoices", headers={"If-Modified-Since": "yesterday"})
    assert bad.status_code == 400


async def test_accounts_and_organisation(xero):
    accounts = body_of(await xero.get("Accounts"))["Accounts"]
    by_code = {a["Code"]: a for a in accounts}
    assert by_code["090"]["Type"] == "BANK" and by_code["090"]["BankAccountType"] == "BANK"
    assert by_code["610"]["SystemAccount"] == "DEBTORS" and by_code["800"]["SystemAccount"] == "CREDITORS"
    banks = body_of(await xero.get("Accounts", params={"where": 'Type=="BANK"'}))["Accounts"]
    assert {a["Code"] for a in banks} == {"090", "091"}
    one = body_of(await xero.get(f"Accounts/{by_code['200']['AccountID']}"))["Accounts"][0]
    assert one["Code"] == "200"
    org = body_of(await xero.get("Organisation"))["Organisations"][0]
    assert org["BaseCurrency"] == "AUD" and (org["FinancialYearEndDay"], org["FinancialYearEndMonth"]) == (30, 6)
    assert "PeriodLockDate" not in org
    from datetime import date
    xero.sandbox.set_lock_dates(date(2026, 1, 31), date(2025, 6, 30))
    org = body_of(await xero.get("Organisation"))["Organisations"][0]
    assert org["PeriodLockDate"] == "/Date(1769817600000+0000)/"
    assert org["EndOfYearLockDate"] == "/Date(1751241600000+0000)/"


async def test_paths_are_case_insensitive_and_unknown_resources_404(xero):
    assert (await xero.get("invoices")).status_code == 200
    assert (await xero.get("CreditNotes", validate=False)).status_code == 404
    assert (await xero.call("DELETE", "Invoices", validate=False)).status_code == 405


async def test_money_is_exact_in_json(xero):
    response = await xero.put("Invoices", {"Invoices": [invoice(amount="0.10"), invoice("INV-2", amount="0.20")]})
    assert b'"Total":0.11' in response.content and b'"Total":0.22' in response.content
    totals = [i["Total"] for i in body_of(response)["Invoices"]]
    assert sum(totals) == Decimal("0.33")
