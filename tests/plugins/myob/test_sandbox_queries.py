"""OData: $filter (dates, LastModified, Number, and/or, functions, lambdas), $orderby, $top ≤ 1000, $skip, NextPageLink."""

from __future__ import annotations

import pytest

from .conftest import BASE, body_of

pytestmark = pytest.mark.anyio


async def _invoices(myob, clock, count: int) -> dict:
    customer = await myob.customer()
    for n in range(count):
        await myob.invoice(customer, f"Q-{n:02d}", date=f"2026-03-{n + 1:02d}", lines=[await myob.line(f"{n + 1}.00")])
        clock.advance(60)
    return customer


async def test_filters(myob, clock):
    await _invoices(myob, clock, 5)

    async def numbers(expr: str) -> list[str]:
        response = await myob.get("Sale/Invoice", params={"$filter": expr})
        assert response.status_code == 200, response.text
        return [i["Number"] for i in body_of(response)["Items"]]

    assert await numbers("Date ge datetime'2026-03-02' and Date lt datetime'2026-03-04'") == ["Q-01", "Q-02"]
    assert await numbers("LastModified gt datetime'2026-03-16T09:02:30'") == ["Q-03", "Q-04"]
    assert await numbers("Number eq 'Q-00' or Number eq 'Q-04'") == ["Q-00", "Q-04"]
    assert await numbers("TotalAmount ge 4.4M and Status eq 'Open'") == ["Q-03", "Q-04"]
    assert await numbers("substringof('-0', Number) eq true and not (Number eq 'Q-00')") == ["Q-01", "Q-02", "Q-03", "Q-04"]
    assert await numbers("startswith(Customer/Name, 'Harbour') and Date le datetime'2026-03-01T00:00:00'") == ["Q-00"]
    assert await numbers("Lines/any(x: x/Total eq 3)") == ["Q-02"]
    bad = await myob.get("Sale/Invoice", params={"$filter": "Nope eq 1"})
    assert bad.status_code == 400 and body_of(bad)["Errors"][0]["Name"] == "InvalidODataQuery"
    assert (await myob.get("Sale/Invoice", params={"$filter": "Number eq"})).status_code == 400


async def test_paging_follows_next_page_link(myob, clock):
    await _invoices(myob, clock, 5)
    seen, url, pages = [], None, 0
    first = body_of(await myob.get("Sale/Invoice/Service", params={"$top": "2", "$orderby": "Number desc"}))
    assert first["Count"] == 5
    page = first
    while True:
        pages += 1
        seen += [i["Number"] for i in page["Items"]]
        url = page["NextPageLink"]
        if not url:
            break
        assert url.startswith(BASE + "/ar1/accountright/") and "%24skip" not in url
        page = body_of(await myob.call("GET", url.removeprefix(BASE), absolute=True))
    assert pages == 3 and seen == ["Q-04", "Q-03", "Q-02", "Q-01", "Q-00"]
    skipped = body_of(await myob.get("Sale/Invoice", params={"$skip": "4"}))
    assert [i["Number"] for i in skipped["Items"]] == ["Q-04"] and skipped["NextPageLink"] is None


async def test_top_is_capped_at_1000_and_defaults_to_400(myob):
    business = myob.sandbox.business()
    from plugins.myob.sandbox import contacts
    from plugins.myob.sandbox.rules import Ctx
    ctx = Ctx(business, myob.sandbox.clock.now(), "")
    with myob.sandbox.lock:
        for n in range(1005):
            contacts.create(ctx, "Customer", {"CompanyName": f"Card {n:04d}"})
    default = body_of(await myob.get("Contact/Customer"))
    assert len(default["Items"]) == 400 and default["Count"] == 1005 and "%24top=400" not in default["NextPageLink"]
    capped = body_of(await myob.get("Contact/Customer", params={"$top": "5000"}))
    assert len(capped["Items"]) == 1000 and "$top=1000" in capped["NextPageLink"]
    assert "$skip=1000" in capped["NextPageLink"]
    ordered = body_of(await myob.get("Contact", params={"$top": "2", "$orderby": "CompanyName desc"}))
    assert [c["CompanyName"] for c in ordered["Items"]] == ["Card 1004", "Card 1003"]


async def test_lookup_by_number_before_recreating(myob):
    customer = await myob.customer()
    await myob.invoice(customer, "O'NEIL-1")
    found = body_of(await myob.get("Sale/Invoice", params={"$filter": "Number eq 'O''NEIL-1'"}))
    assert found["Count"] == 1
    uid = found["Items"][0]["UID"]
    by_guid = body_of(await myob.get("Sale/Invoice", params={"$filter": f"UID eq guid'{uid.upper()}'"}))
    assert by_guid["Count"] == 1
    assert body_of(await myob.get("Sale/Invoice", params={"$filter": "Number eq 'NOPE'"})) == {
        "Items": [], "NextPageLink": None, "Count": 0}
