"""Admin endpoints: state, documents, the request log with bodies, clock, token expiry, reset."""

from __future__ import annotations

from decimal import Decimal

import pytest

pytestmark = pytest.mark.anyio


async def test_state_documents_and_request_log(myob, http):
    customer = await myob.customer()
    await myob.invoice(customer)
    state = (await http.get("/__sandbox__/state")).json()
    ar = next(b for b in state["businesses"] if b["edition"] == "accountright")
    assert (ar["invoices"], ar["contacts"], ar["financial_year_start"]) == (1, 1, "2024-07-01")
    assert state["limits"]["per_second"] == 100_000
    invoices = (await http.get("/__sandbox__/documents/invoices")).json()["invoices"]
    assert invoices[0]["TotalAmount"] == 143.34 and invoices[0]["InvoiceType"] == "Service"
    journals = (await http.get("/__sandbox__/documents/journals")).json()["journals"]
    assert journals[0]["JournalType"] == "Sale"
    assert (await http.get("/__sandbox__/documents/nope")).status_code == 404
    posts = myob.sandbox.requests.find("POST", "/Sale/Invoice/Service")
    assert len(posts) == 1 and posts[0].status == 201
    assert posts[0].body["Lines"][0]["Total"] == Decimal("130.01")
    assert posts[0].headers["authorization"].startswith("Bearer …")
    logged = (await http.get("/__sandbox__/requests", params={"method": "POST", "path": "Contact"})).json()
    assert len(logged["requests"]) == 1 and logged["requests"][0]["response_body"]["CompanyName"] == "Harbourside Dental"


async def test_clock_tokens_credentials_and_reset(myob, http):
    assert (await http.post("/__sandbox__/clock", json={"advance": 30})).json()["now"] == "2026-03-16T09:00:30+00:00"
    assert (await http.post("/__sandbox__/tokens/expire")).status_code == 204
    assert (await myob.get("Company")).status_code == 401
    creds = (await http.get("/__sandbox__/credentials")).json()
    assert creds["api_key"] == creds["client_id"] and creds["essentials_business_id"] == "168254"
    await myob.login()
    await myob.customer()
    assert (await http.post("/__sandbox__/reset")).status_code == 204
    assert myob.sandbox.control.count("contact") == 0 and myob.sandbox.requests.all() == []
    assert (await myob.get("Company")).status_code == 200  # OAuth survives a reset
