"""Faults: control.fail_next, presets (HTML 503, 504, rate-limit storms), latency, resets, files, admin."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest

from plugins.myob.sandbox import MyobSandbox

from .conftest import body_of

pytestmark = pytest.mark.anyio


async def test_fail_next_transient_permanent_and_lost_response(myob):
    control = myob.sandbox.control
    customer = await myob.customer()
    control.fail_next("transient")
    down = await myob.get("Sale/Invoice")
    assert down.status_code == 503 and "text/html" in down.headers["content-type"]
    assert (await myob.get("Sale/Invoice")).status_code == 200
    control.fail_next("permanent")
    assert (await myob.get("Sale/Invoice")).status_code == 200  # reads pass; the next write fails
    rejected = await myob.post("Sale/Invoice/Service", {"Date": "2026-03-10", "Customer": {"UID": customer["UID"]},
                                                        "Lines": [await myob.line("1.00")]})
    assert rejected.status_code == 400 and body_of(rejected)["Errors"][0]["Message"]
    assert control.count("invoice") == 0
    control.fail_next("lost_response")
    with pytest.raises(httpx.RemoteProtocolError):
        await myob.post("Sale/Invoice/Service", {"Number": "LOST-1", "Date": "2026-03-10",
                                                 "Customer": {"UID": customer["UID"]}, "Lines": [await myob.line("1.00")]})
    assert control.count("invoice") == 1
    found = body_of(await myob.get("Sale/Invoice", params={"$filter": "Number eq 'LOST-1'"}))
    assert found["Count"] == 1  # the plugin's lookup-by-number finds the applied write
    with pytest.raises(ValueError):
        control.fail_next("nonsense")


async def test_presets_and_windows(myob, clock):
    faults = myob.sandbox.faults
    faults.add({"kind": "rate_limit", "count": 3})
    storm = [await myob.get("Company") for _ in range(4)]
    assert [r.status_code for r in storm] == [403, 403, 403, 200]
    assert body_of(storm[0])["Errors"][0]["Name"] == "RateLimitError"
    faults.add({"kind": "gateway_timeout", "method": "POST", "path": "*/Sale/*", "duration": 600})
    assert (await myob.get("Sale/Invoice")).status_code == 200
    customer = await myob.customer()  # Contact path: not matched
    timed_out = await myob.post("Sale/Invoice/Service", {"Date": "2026-03-10", "Customer": {"UID": customer["UID"]},
                                                         "Lines": [await myob.line("1.00")]})
    assert timed_out.status_code == 504 and body_of(timed_out)["Errors"][0]["Name"] == "GatewayTimeout"
    clock.advance(600)
    assert (await myob.invoice(customer))["TotalAmount"] == Decimal("143.34")
    faults.add({"kind": "html_500", "count": 1})
    assert (await myob.get("Company")).text.startswith("<!DOCTYPE html>")


async def test_latency_and_reset_raise_httpx_errors(myob):
    myob.sandbox.faults.add({"kind": "latency", "delay": 1.0, "count": 1})
    with pytest.raises(httpx.ReadTimeout):
        await myob.http.get(f"{myob.base}/Company", headers=myob.headers(), timeout=0.05)
    myob.sandbox.faults.add({"kind": "reset", "count": 1})
    with pytest.raises(httpx.RemoteProtocolError):
        await myob.get("Company")
    assert (await myob.get("Company")).status_code == 200


async def test_faults_from_a_file_and_the_admin_endpoint(tmp_path, clock, http, myob):
    path = tmp_path / "faults.json"
    path.write_text(json.dumps({"faults": [{"kind": "maintenance", "path": "/au/essentials"}]}))
    sandbox = MyobSandbox(clock=clock, faults=str(path))
    assert sandbox.faults.list()[0].kind == "maintenance"
    added = await http.post("/__sandbox__/faults", json=[{"kind": "developer_inactive", "count": 1}])
    assert added.status_code == 201
    assert (await myob.get("Company")).status_code == 403
    assert (await http.post("/__sandbox__/faults", json={"kind": "nope"})).status_code == 400
    await http.post("/__sandbox__/faults", json={"kind": "unavailable"})
    assert "unavailable" in [f["kind"] for f in (await http.get("/__sandbox__/faults")).json()["faults"]]
    assert (await http.delete("/__sandbox__/faults")).status_code == 204
    assert (await myob.get("Company")).status_code == 200
