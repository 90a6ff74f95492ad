"""Fault injection: Xero's outage bodies, targeting by endpoint/method/count/window, files, transport errors."""

from __future__ import annotations

import json

import httpx
import pytest

from plugins.xero.sandbox import XeroSandbox

from .conftest import body_of, invoice

pytestmark = pytest.mark.anyio


async def test_maintenance_window_answers_plain_text_503(xero, clock):
    response = await xero.http.post("/__sandbox__/faults", json={"kind": "maintenance", "duration": 600})
    assert response.status_code == 201
    down = await xero.get("Invoices")
    assert down.status_code == 503 and down.text == "The Xero API is currently offline for maintenance"
    assert down.headers["content-type"].startswith("text/plain")
    clock.advance(600)
    assert (await xero.get("Invoices")).status_code == 200


async def test_targeted_count_limited_faults(xero):
    await xero.http.post("/__sandbox__/faults", json={"faults": [
        {"kind": "org_offline", "method": "PUT", "path": "/api.xro/2.0/Invoices", "count": 2},
        {"kind": "html_500", "path": "/api.xro/2.0/Payments*", "count": 1}]})
    assert (await xero.get("Invoices")).status_code == 200  # GET is not targeted
    for _ in range(2):
        offline = await xero.put("Invoices", {"Invoices": [invoice()]})
        assert (offline.status_code, offline.text) == (503, "The Organisation is offline")
    assert (await xero.put("Invoices", {"Invoices": [invoice()]})).status_code == 200
    html = await xero.get("Payments")
    assert html.status_code == 500 and "<title>Xero | Error 500</title>" in html.text
    assert (await xero.get("Payments")).status_code == 200
    assert (await xero.http.get("/__sandbox__/faults")).json()["faults"] == []  # spent faults are pruned
    assert len(xero.sandbox.ledger().invoices) == 1  # faulted writes changed nothing


async def test_rate_limit_storm_and_json_500(xero):
    await xero.http.post("/__sandbox__/faults", json=[
        {"kind": "rate_limit", "count": 3, "headers": {"Retry-After": "7", "X-Rate-Limit-Problem": "minute"}},
        {"kind": "error_500", "count": 1}])
    for _ in range(3):
        storm = await xero.get("Invoices")
        assert storm.status_code == 429 and storm.headers["Retry-After"] == "7"
        assert storm.headers["X-Rate-Limit-Problem"] == "minute"
    error = await xero.get("Invoices")
    assert error.status_code == 500 and body_of(error)["Title"] == "An error occurred"


async def test_latency_beyond_client_timeout_and_connection_reset(xero):
    await xero.http.post("/__sandbox__/faults", json={"kind": "latency", "delay": 0.5, "count": 1})
    with pytest.raises(httpx.ReadTimeout):
        await xero.http.get("/api.xro/2.0/Organisation", timeout=0.05)
    await xero.http.post("/__sandbox__/faults", json={"kind": "reset", "method": "PUT", "count": 1})
    with pytest.raises(httpx.RemoteProtocolError):
        await xero.put("Invoices", {"Invoices": [invoice()]})
    assert (await xero.put("Invoices", {"Invoices": [invoice()]})).status_code == 200
    log = xero.sandbox.requests.find("PUT", "/Invoices")
    assert len(log) == 2 and log[0].error and "reset" in log[0].error


async def test_custom_response_fault_and_bad_specs(xero):
    added = await xero.http.post("/__sandbox__/faults", json={"kind": "response", "status": 502, "body": {"x": 1}})
    fault_id = added.json()["faults"][0]["id"]
    response = await xero.get("Organisation", validate=False)
    assert response.status_code == 502 and response.json() == {"x": 1}
    assert (await xero.http.delete(f"/__sandbox__/faults/{fault_id}")).status_code == 204
    assert (await xero.get("Organisation")).status_code == 200
    for bad in ({"kind": "nope"}, {"kind": "response"}, {"kind": "maintenance", "count": 0}, {"kind": "latency"},
                {"kind": "maintenance", "typo": 1}, {"kind": "maintenance", "from": "2026-01-01T00:00:00"}):
        refused = await xero.http.post("/__sandbox__/faults", json=bad)
        assert refused.status_code == 400, bad
        assert refused.json()["error"]


async def test_faults_from_json_and_toml_files(tmp_path, clock):
    json_file = tmp_path / "faults.json"
    json_file.write_text(json.dumps({"faults": [{"kind": "maintenance", "path": "/api.xro/2.0/Invoices"}]}))
    assert [f.kind for f in XeroSandbox(clock=clock, faults=str(json_file)).faults.list()] == ["maintenance"]
    toml_file = tmp_path / "faults.toml"
    toml_file.write_text('[[faults]]\nkind = "org_offline"\nmethod = ["PUT", "POST"]\n'
                         'from = 2026-03-16T09:00:00Z\nuntil = 2026-03-16T10:00:00Z\n\n'
                         '[[faults]]\nkind = "latency"\ndelay = 0.01\ncount = 5\n')
    plan = XeroSandbox(clock=clock, faults=toml_file).faults
    first, second = plan.list()
    assert first.methods == ("PUT", "POST") and first.end.hour == 10 and second.delay == 0.01
    assert plan.take("PUT", "/api.xro/2.0/Invoices", {}) is first
    clock.advance(3600)
    assert plan.take("PUT", "/api.xro/2.0/Invoices", {}) is second
