"""Admin endpoints: state, documents, request log with bodies, lock dates, limits, clock, reset."""

from __future__ import annotations

from decimal import Decimal

import pytest

from .conftest import body_of, invoice

pytestmark = pytest.mark.anyio


async def test_request_log_records_bodies_and_redacts_tokens(xero):
    await xero.put("Invoices", {"Invoices": [invoice("INV-1"), invoice("INV-2")]}, headers={"Idempotency-Key": "k1"})
    (entry,) = xero.sandbox.requests.find("PUT", "/Invoices")
    assert entry.status == 200 and len(entry.body["Invoices"]) == 2
    assert entry.body["Invoices"][0]["LineItems"][0]["UnitAmount"] == Decimal("100.00")
    assert entry.headers["idempotency-key"] == "k1" and "…" in entry.headers["authorization"]
    assert entry.response_body["Invoices"][0]["InvoiceNumber"] == "INV-1"
    listed = (await xero.http.get("/__sandbox__/requests", params={"method": "PUT"})).json()["requests"]
    assert len(listed) == 1 and listed[0]["body"]["Invoices"][1]["InvoiceNumber"] == "INV-2"
    assert (await xero.http.delete("/__sandbox__/requests")).status_code == 204
    assert xero.sandbox.requests.all() == []


async def test_state_documents_lock_dates_and_reset(xero):
    await xero.put("Invoices", {"Invoices": [invoice()]})
    state = (await xero.http.get("/__sandbox__/state")).json()
    assert state["tenants"][0]["invoices"] == 1 and state["tenants"][0]["journals"] == 1
    docs = (await xero.http.get("/__sandbox__/documents/invoices")).json()["invoices"]
    assert docs[0]["Date"] == "2026-03-10" and docs[0]["LineItems"][0]["AccountCode"] == "200"
    assert (await xero.http.get("/__sandbox__/documents/widgets")).status_code == 404
    org = (await xero.http.post("/__sandbox__/lock-dates", json={"PeriodLockDate": "2026-02-28"})).json()
    assert org["PeriodLockDate"] == "2026-02-28"
    refused = await xero.put("Invoices", {"Invoices": [invoice("X", date="2026-02-01")]})
    assert "period lock date" in body_of(refused)["Elements"][0]["ValidationErrors"][0]["Message"]
    await xero.http.post("/__sandbox__/lock-dates", json={"PeriodLockDate": None})
    assert xero.sandbox.ledger().org.period_lock_date is None
    assert (await xero.http.post("/__sandbox__/reset")).status_code == 204
    assert xero.sandbox.ledger().invoices == {} and xero.sandbox.requests.all() == []
    assert (await xero.get("Organisation")).status_code == 200  # tokens survive a reset


async def test_limits_clock_tokens_and_credentials(xero, clock):
    state = (await xero.http.post("/__sandbox__/limits", json={"per_minute": 1, "reset_counters": True})).json()
    assert state["limits"]["per_minute"] == 1
    await xero.get("Organisation")
    assert (await xero.get("Organisation")).status_code == 429
    moved = (await xero.http.post("/__sandbox__/clock", json={"advance": 61})).json()
    assert moved["now"].startswith("2026-03-16T09:01:01")
    assert (await xero.get("Organisation")).status_code == 200
    await xero.http.post("/__sandbox__/tokens/expire")
    assert (await xero.get("Organisation")).status_code == 401
    creds = (await xero.http.get("/__sandbox__/credentials")).json()
    assert set(creds) == {"api_url", "identity_url", "connections_url", "client_id", "client_secret",
                          "refresh_token", "tenant_id"}
    assert creds["api_url"] == "http://xero.sandbox/api.xro/2.0"
