"""The query language subset: operators, paging, COUNT, ordering, errors, and the page-size lever."""

from __future__ import annotations

from decimal import Decimal

import pytest

from plugins.quickbooks.sandbox.errors import QBOFault
from plugins.quickbooks.sandbox.query import parse

from .conftest import body_of, fault_code, invoice

pytestmark = pytest.mark.anyio


@pytest.fixture
async def seeded(qbo):
    acme, other = await qbo.customer("Acme Ltd"), await qbo.customer("O'Brien Plumbing")
    for n, (who, amount, day) in enumerate([(acme, "10.00", "2026-01-05"), (acme, "20.00", "2026-02-05"),
                                            (other, "30.00", "2026-02-10"), (acme, "40.00", "2026-03-01"),
                                            (other, "50.00", "2026-03-02")], start=1):
        await qbo.create("Invoice", invoice(who, amount, number=f"INV-{n:03d}", date=day))
    return qbo, acme, other


async def rows(qbo, text: str) -> list[dict]:
    response = await qbo.query(text)
    assert response.status_code == 200, response.text
    return body_of(response)["QueryResponse"].get("Invoice", [])


async def test_where_operators(seeded):
    qbo, acme, other = seeded
    numbers = lambda found: [i["DocNumber"] for i in found]  # noqa: E731
    assert numbers(await rows(qbo, "SELECT * FROM Invoice WHERE TxnDate >= '2026-02-05' AND TxnDate < '2026-03-02'"))\
        == ["INV-002", "INV-003", "INV-004"]
    assert numbers(await rows(qbo, f"select * from invoice where CustomerRef = '{other['Id']}'")) == ["INV-003", "INV-005"]
    assert numbers(await rows(qbo, "SELECT * FROM Invoice WHERE DocNumber IN ('INV-001', 'inv-005')")) == \
        ["INV-001", "INV-005"]
    assert numbers(await rows(qbo, "SELECT * FROM Invoice WHERE DocNumber LIKE '%-00_'")) == []
    assert len(await rows(qbo, "SELECT * FROM Invoice WHERE DocNumber LIKE 'INV%'")) == 5
    assert numbers(await rows(qbo, "SELECT * FROM Invoice WHERE TotalAmt > '40' AND TotalAmt <= 46")) == ["INV-004"]
    assert numbers(await rows(qbo, "SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime >= '2026-03-16T00:00:00-08:00'"
                                   " AND Id IN ('1', '2')")) == ["INV-001", "INV-002"]
    customers = body_of(await qbo.query("SELECT * FROM Customer WHERE DisplayName = 'O\\'Brien Plumbing'"))
    assert [c["Id"] for c in customers["QueryResponse"]["Customer"]] == [other["Id"]]


async def test_paging_ordering_and_count(seeded, sandbox):
    qbo, *_ = seeded
    page = body_of(await qbo.query("SELECT * FROM Invoice ORDERBY TotalAmt DESC STARTPOSITION 2 MAXRESULTS 2"))
    assert page["QueryResponse"]["startPosition"] == 2 and page["QueryResponse"]["maxResults"] == 2
    assert [i["DocNumber"] for i in page["QueryResponse"]["Invoice"]] == ["INV-004", "INV-003"]
    order_by = await rows(qbo, "SELECT * FROM Invoice ORDER BY TxnDate ASC, DocNumber")
    assert order_by[0]["DocNumber"] == "INV-001"
    assert body_of(await qbo.query("SELECT COUNT(*) FROM Invoice WHERE TotalAmt > '23'"))["QueryResponse"] == \
        {"totalCount": 3}
    assert body_of(await qbo.query("SELECT * FROM Invoice STARTPOSITION 6"))["QueryResponse"] == {}
    assert len(await rows(qbo, "SELECT * FROM Invoice MAXRESULTS 5000")) == 5  # capped at 1000, never refused
    sandbox.control.set_page_size(2)
    capped = body_of(await qbo.query("SELECT * FROM Invoice MAXRESULTS 1000"))["QueryResponse"]
    assert capped["maxResults"] == 2 and len(capped["Invoice"]) == 2
    posted = await qbo.call("POST", "query", content=b"select count(*) from invoice",
                            headers={"Content-Type": "application/text"})
    assert body_of(posted)["QueryResponse"]["totalCount"] == 5


@pytest.mark.parametrize("text, code", [
    ("SELECT * FROM", "4000"), ("SELECT Id FROM Invoice", "4000"), ("SELECT * FROM Invoice WHERE", "4000"),
    ("SELECT * FROM Invoice WHERE TotalAmt = 1 OR TotalAmt = 2", "4000"),
    ("SELECT * FROM Invoice WHERE Line.Amount > '1'", "4001"), ("SELECT * FROM Invoice WHERE Nope = '1'", "4001"),
    ("SELECT * FROM Invoice WHERE Id > '1'", "4001"), ("SELECT * FROM Widget", "4001"),
    ("SELECT * FROM Invoice STARTPOSITION 0", "4000"), ("SELECT * FROM Invoice WHERE DocNumber != 'x'", "4001"),
])
async def test_query_errors(qbo, text, code):
    response = await qbo.query(text)
    assert response.status_code == 400 and fault_code(response) == code, response.text
    message = body_of(response)["Fault"]["Error"][0]
    assert message["Detail"].startswith("QueryParserError" if code == "4000" else "QueryValidationError")


def test_parser_is_case_insensitive_and_reads_values():
    query = parse("select * from INVOICE where docnumber in ('A\\'B', 'C') and totalamt >= 10.50 and "
                  "Active = true orderby TxnDate desc startposition 3 maxresults 7")
    assert query.entity == "Invoice" and (query.start, query.max_results) == (3, 7)
    assert query.where == [("docnumber", "IN", ["A'B", "C"]), ("totalamt", ">=", Decimal("10.50")),
                           ("Active", "=", True)]
    assert query.order == [("TxnDate", True)]
    with pytest.raises(QBOFault):
        parse("SELECT * FROM Invoice WHERE DocNumber = 'unterminated")
