"""Batch (independent items, per-item Fault, 30 max, 40/min), CDC (30 days, deletes) and requestid."""

from __future__ import annotations

from datetime import timedelta

import pytest

from plugins.quickbooks.sandbox import QuickBooksSandbox

from .conftest import body_of, fault_code, invoice, payment

pytestmark = pytest.mark.anyio


async def test_batch_items_succeed_or_fail_on_their_own(qbo, sandbox):
    customer = await qbo.customer()
    existing = await qbo.create("Invoice", invoice(customer, number="B-1"))
    response = await qbo.post("batch", {"BatchItemRequest": [
        {"bId": "bid1", "operation": "create", "Invoice": invoice(customer, number="B-2")},
        {"bId": "bid2", "operation": "create", "Invoice": invoice(customer, number="B-1")},
        {"bId": "bid3", "operation": "update",
         "Invoice": {"Id": existing["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "batched"}},
        {"bId": "bid4", "Query": "select count(*) from Invoice"},
        {"bId": "bid5", "operation": "delete", "Customer": {"Id": customer["Id"], "SyncToken": "0"}},
    ]})
    assert response.status_code == 200
    answers = {a["bId"]: a for a in body_of(response)["BatchItemResponse"]}
    assert answers["bid1"]["Invoice"]["DocNumber"] == "B-2"
    assert answers["bid2"]["Fault"]["type"] == "ValidationFault"
    assert answers["bid2"]["Fault"]["Error"][0]["code"] == "6140"
    assert answers["bid3"]["Invoice"]["PrivateNote"] == "batched"
    assert answers["bid4"]["QueryResponse"] == {"totalCount": 2}
    assert answers["bid5"]["Fault"]["Error"][0]["code"] == "500"
    assert sandbox.control.count("invoice") == 2


async def test_batch_size_and_rate_limits(qbo, sandbox):
    customer = await qbo.customer()
    items = [{"bId": f"b{n}", "operation": "create", "Invoice": invoice(customer, number=f"N{n}")} for n in range(31)]
    oversize = await qbo.post("batch", {"BatchItemRequest": items})
    assert oversize.status_code == 400 and fault_code(oversize) == "1040"
    assert sandbox.control.count("invoice") == 0
    sandbox.set_limits(batch_per_minute=3)  # the refused oversize batch counted too
    for n in range(2):
        assert (await qbo.post("batch", {"BatchItemRequest": [{"bId": "q", "Query": "select * from Item"}]})
                ).status_code == 200
    throttled = await qbo.post("batch", {"BatchItemRequest": [{"bId": "q", "Query": "select * from Item"}]})
    assert throttled.status_code == 429 and "ThrottleExceeded" in throttled.text


async def test_requestid_replays_the_first_answer(qbo, sandbox):
    customer = await qbo.customer()
    body = invoice(customer, number="R-1")
    first = await qbo.post("invoice", body, params={"requestid": "req-1"})
    again = await qbo.post("invoice", body, params={"requestid": "req-1"})
    assert again.status_code == 200 and again.content == first.content
    assert sandbox.control.count("invoice") == 1
    other = await qbo.post("invoice", invoice(customer, number="R-2"), params={"requestid": "req-1"})
    assert other.status_code == 400 and fault_code(other) == "600"
    assert fault_code(await qbo.post("invoice", body, params={"requestid": "x" * 51})) == "2050"
    batch = {"BatchItemRequest": [{"bId": "waytoolongbid", "operation": "create", "Invoice": body}]}
    assert fault_code(await qbo.post("batch", batch, params={"requestid": "b-1"})) == "2050"
    sandbox.set_requestid_ttl(None)  # Intuit's replay is best-effort: prove the DocNumber pre-check instead
    duplicate = await qbo.post("invoice", body, params={"requestid": "req-1"})
    assert fault_code(duplicate) == "6140"


async def test_cdc_returns_changes_and_deletes_within_30_days(qbo, clock):
    customer = await qbo.customer()
    since = (clock.now() - timedelta(minutes=1)).isoformat()
    clock.advance(60)
    inv = await qbo.create("Invoice", invoice(customer))
    paid = await qbo.create("Payment", payment(customer, "10.00", (inv["Id"], "10.00")))
    await qbo.post("payment", {"Id": paid["Id"], "SyncToken": "0"}, params={"operation": "delete"})
    changes = body_of(await qbo.get("cdc", params={"entities": "Invoice,Payment,Customer", "changedSince": since}))
    groups = changes["CDCResponse"][0]["QueryResponse"]
    by_kind = {next(k for k in g if k not in ("startPosition", "maxResults")): g for g in groups}
    assert [i["Id"] for i in by_kind["Invoice"]["Invoice"]] == [inv["Id"]]
    assert by_kind["Payment"]["Payment"] == [{"domain": "QBO", "status": "Deleted", "Id": paid["Id"],
                                              "MetaData": by_kind["Payment"]["Payment"][0]["MetaData"]}]
    assert [c["Id"] for c in by_kind["Customer"]["Customer"]] == [customer["Id"]]
    clock.advance(1800)
    quiet = body_of(await qbo.get("cdc", params={"entities": "Invoice", "changedSince": clock.now().isoformat()}))
    assert quiet["CDCResponse"] == [{"QueryResponse": [{}]}]
    too_old = await qbo.get("cdc", params={"entities": "Invoice",
                                           "changedSince": (clock.now() - timedelta(days=31)).isoformat()})
    assert too_old.status_code == 400 and fault_code(too_old) == "4001"
    assert fault_code(await qbo.get("cdc", params={"entities": "TaxCode", "changedSince": since})) == "4001"
    assert fault_code(await qbo.get("cdc", params={"entities": "Invoice"})) == "2020"


def test_default_limits_are_qbo_ones():
    sandbox = QuickBooksSandbox()
    limits = sandbox.limiter.limits
    assert (limits.concurrent, limits.per_minute, sandbox.batch_limiter.limits.per_minute) == (10, 500, 40)
