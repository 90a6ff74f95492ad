"""Faults and limits: HTML/XML outages, Fault in a 200, throttling, the control levers, XML answers."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from core.ratelimit import Limits
from core.testing import SandboxControl
from plugins.quickbooks.sandbox import QuickBooksSandbox

from .conftest import body_of, fault_code, invoice

pytestmark = pytest.mark.anyio


async def test_outage_presets_keep_their_own_formats(qbo):
    await qbo.http.post("/__sandbox__/faults", json=[
        {"kind": "unavailable", "count": 1}, {"kind": "gateway_timeout", "count": 1},
        {"kind": "company_status_200", "count": 1}, {"kind": "throttle", "count": 1}])
    html = await qbo.get("preferences")
    assert html.status_code == 503 and html.headers["content-type"].startswith("text/html")
    assert "We'll be back soon" in html.text and html.headers["intuit_tid"]
    timeout = await qbo.get("preferences")
    assert timeout.status_code == 504 and 'code="6002"' in timeout.text
    ok_with_fault = await qbo.get("preferences")
    assert ok_with_fault.status_code == 200 and fault_code(ok_with_fault) == "6190"
    throttled = await qbo.get("preferences")
    assert throttled.status_code == 429 and "errorCode=003001" in throttled.text
    assert (await qbo.get("preferences")).status_code == 200


async def test_rate_and_concurrency_limits_answer_429_xml(clock):
    sandbox = QuickBooksSandbox(clock=clock, limits=Limits(concurrent=2, per_minute=3, per_day=10 ** 9,
                                                          app_per_minute=10 ** 9))
    from core.sandbox.transport import SandboxTransport
    from .conftest import BASE, QBO
    async with httpx.AsyncClient(transport=SandboxTransport(sandbox.app), base_url=BASE) as http:
        qbo = QBO(sandbox, http)
        await qbo.login()
        assert [(await qbo.get("preferences")).status_code for _ in range(4)] == [200, 200, 200, 429]
        limited = await qbo.get("preferences")
        assert limited.headers["content-type"].startswith("application/xml") and "Retry-After" not in limited.headers
        assert "ThrottleExceeded" in limited.text
        clock.advance(60)
        sandbox.set_limits(per_minute=500)
        sandbox.processing_delay = 0.05
        codes = await asyncio.gather(*[qbo.get("preferences") for _ in range(4)])
        assert sorted(r.status_code for r in codes) == [200, 200, 429, 429]


async def test_control_levers(qbo, sandbox):
    control = sandbox.control
    assert isinstance(control, SandboxControl)
    customer = await qbo.customer()
    control.fail_next("transient")
    assert (await qbo.post("invoice", invoice(customer))).status_code == 503
    control.fail_next("permanent")
    assert (await qbo.query("select * from Invoice")).status_code == 200  # reads pass
    rejected = await qbo.post("invoice", invoice(customer))
    assert rejected.status_code == 400 and body_of(rejected)["Fault"]["Error"][0]["Detail"]
    assert control.count("invoice") == 0
    control.fail_next("lost_response")
    with pytest.raises(httpx.RemoteProtocolError):
        await qbo.post("invoice", invoice(customer), params={"requestid": "lost-1"})
    assert control.count("invoice") == 1
    replay = await qbo.post("invoice", invoice(customer), params={"requestid": "lost-1"})
    assert replay.status_code == 200 and control.count("invoice") == 1
    with pytest.raises(ValueError):
        control.fail_next("sometimes")
    with pytest.raises(ValueError):
        control.count("journal")


async def test_xml_unless_json_is_asked_for_and_minorversion_is_ignored(qbo):
    customer = await qbo.customer()
    xml = await qbo.get(f"customer/{customer['Id']}", headers={"Accept": "*/*"}, params={"minorversion": "4"})
    assert xml.headers["content-type"].startswith("application/xml")
    assert '<Customer domain="QBO" sparse="false">' in xml.text and "<DisplayName>Acme Ltd</DisplayName>" in xml.text
    fault = await qbo.post("customer", {"DisplayName": "Acme Ltd"}, headers={"Accept": "application/xml"})
    assert fault.status_code == 400 and '<Fault type="ValidationFault"><Error code="6240"' in fault.text
    assert qbo.sandbox.requests.find("GET", "/customer/")[0].params["minorversion"] == "4"


async def test_admin_endpoints_and_fault_files(qbo, sandbox, tmp_path, clock):
    state = body_of(await qbo.http.get("/__sandbox__/state"))
    assert state["home_currency"] == "NZD" and state["limits"]["per_minute"] == 500
    await qbo.customer()
    docs = body_of(await qbo.http.get("/__sandbox__/documents/customers"))
    assert [c["DisplayName"] for c in docs["Customer"]] == ["Acme Ltd"]
    closed = await qbo.http.post("/__sandbox__/book-close-date", json={"BookCloseDate": "2026-01-31"})
    assert body_of(closed) == {"BookCloseDate": "2026-01-31"}
    assert body_of(await qbo.http.post("/__sandbox__/limits", json={"page_size": 3}))["limits"]["page_size"] == 3
    logged = body_of(await qbo.http.get("/__sandbox__/requests", params={"method": "POST", "path": "/customer"}))["requests"]
    assert logged[0]["body"] == {"DisplayName": "Acme Ltd"} and logged[0]["headers"]["authorization"].startswith("Bearer …")
    assert (await qbo.http.post("/__sandbox__/faults", json={"kind": "nope"})).status_code == 400
    await qbo.http.post("/__sandbox__/tokens/expire")
    assert (await qbo.get("preferences")).status_code == 401
    assert (await qbo.http.post("/__sandbox__/reset")).status_code == 204
    assert sandbox.control.count("contact") == 0 and sandbox.company.book_close_date is None
    faults = tmp_path / "faults.json"
    faults.write_text(json.dumps({"faults": [{"kind": "unavailable", "path": "/v3/company/*/invoice*"}]}))
    assert [f.kind for f in QuickBooksSandbox(clock=clock, faults=str(faults)).faults.list()] == ["unavailable"]
