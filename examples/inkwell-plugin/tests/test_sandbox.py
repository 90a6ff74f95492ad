"""The sandbox's own rules, and the connector details the kit does not look at."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from importlib import metadata

import httpx
import pytest
from pydantic import ValidationError

from core.accounting import PermanentError, Refusal, TransientError
from core.plugins import load_plugins
from core.testing import PERIOD, sample_contact, sample_invoice, sample_payment
from ledgerbridge_inkwell import PACKAGE, InkwellSettings
from ledgerbridge_inkwell.connector import API_KEY_ENV, InkwellConnector
from ledgerbridge_inkwell.sandbox import InkwellSandbox


@pytest.fixture
def sandbox():
    return InkwellSandbox(api_key="k")


@pytest.fixture
def api(sandbox):
    with httpx.Client(base_url="http://inkwell.test", transport=sandbox.transport(),
                      headers={"Authorization": "Bearer k"}) as client:
        yield client


def contact(api, name="Harbourside Dental", **fields):
    response = api.post("/v1/contacts", json={"name": name, "customer": True, **fields})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def invoice_body(contact_id, number="INV-1", kind="sale", **fields):
    account = "4000" if kind == "sale" else "5000"
    return {"kind": kind, "number": number, "contact_id": contact_id, "issue_date": "2026-03-02",
            "due_date": "2026-03-16", "currency": "AUD", "tax_mode": "exclusive", "total": "143.34",
            "lines": [{"description": "Labour", "quantity": "1.5", "unit_price": "86.6700", "amount": "130.01",
                       "tax": "13.00", "account": account, "tax_code": "S10"},
                      {"description": "Parts", "quantity": "3", "unit_price": "0.1000", "amount": "0.30",
                       "tax": "0.03", "account": account, "tax_code": "S10"}], **fields}


def test_api_key_is_required(sandbox):
    with httpx.Client(base_url="http://inkwell.test", transport=sandbox.transport()) as anonymous:
        assert anonymous.get("/v1/company").status_code == 401
        assert anonymous.get("/v1/company", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_money_is_decimal_strings_and_totals_must_agree(api):
    cid = contact(api)
    as_number = invoice_body(cid, total=143.34)
    assert api.post("/v1/invoices", json=as_number).json()["message"].startswith("total: must be a decimal string")
    wrong = api.post("/v1/invoices", json=invoice_body(cid, total="143.35"))
    assert wrong.status_code == 422 and "does not agree" in wrong.json()["message"]
    created = api.post("/v1/invoices", json=invoice_body(cid)).json()
    assert (created["subtotal"], created["tax"], created["total"], created["amount_due"]) == \
        ("130.31", "13.03", "143.34", "143.34")


def test_invoice_numbers_are_unique_per_kind(api):
    cid = contact(api)
    first = api.post("/v1/invoices", json=invoice_body(cid)).json()
    again = api.post("/v1/invoices", json=invoice_body(cid))
    assert again.status_code == 422 and again.json()["existing_id"] == first["id"]
    assert "already exists" in again.json()["message"]
    assert api.post("/v1/invoices", json=invoice_body(cid, kind="bill")).status_code == 201


def test_idempotency_key_replays_the_stored_answer(api, sandbox):
    cid = contact(api)
    first = api.post("/v1/invoices", json=invoice_body(cid), headers={"Idempotency-Key": "abc"})
    second = api.post("/v1/invoices", json=invoice_body(cid), headers={"Idempotency-Key": "abc"})
    assert second.status_code == 201 and second.headers["Idempotent-Replayed"] == "true"
    assert second.json()["id"] == first.json()["id"] and sandbox.control.count("invoice") == 1


def test_cursor_paging(api, sandbox):
    cid = contact(api)
    for n in range(5):
        api.post("/v1/invoices", json=invoice_body(cid, number=f"INV-{n}"))
    sandbox.control.set_page_size(2)
    seen, cursor, pages = [], None, 0
    while True:
        page = api.get("/v1/invoices", params={"cursor": cursor} if cursor else {}).json()
        seen += [item["number"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"INV-{n}" for n in range(5)] and pages == 3
    assert len(api.get("/v1/invoices", params={"limit": 50}).json()["items"]) == 2  # the admin cap wins


def test_lock_date_and_void_refuse_changes(api, sandbox):
    cid = contact(api)
    inv = api.post("/v1/invoices", json=invoice_body(cid)).json()
    sandbox.control.lock_until(PERIOD.start.replace(day=2))
    locked = api.patch(f"/v1/invoices/{inv['id']}", json={"reference": "late"})
    assert locked.status_code == 423 and "lock date" in locked.json()["message"]
    sandbox.control.lock_until(None)  # type: ignore[arg-type]
    assert api.post(f"/v1/invoices/{inv['id']}/void").json()["status"] == "void"
    assert api.patch(f"/v1/invoices/{inv['id']}", json={"reference": "x"}).status_code == 409


def test_payments_never_exceed_the_amount_due(api):
    cid = contact(api)
    inv = api.post("/v1/invoices", json=invoice_body(cid)).json()
    draft = api.post("/v1/invoices", json=invoice_body(cid, number="INV-D", status="draft")).json()
    pay = {"invoice_id": inv["id"], "date": "2026-03-05", "account": "1000"}
    assert api.post("/v1/payments", json={**pay, "amount": "143.35"}).status_code == 422
    assert api.post("/v1/payments", json={**pay, "invoice_id": draft["id"], "amount": "1.00"}).status_code == 422
    assert api.post("/v1/payments", json={**pay, "amount": "1.00", "account": "4000"}).status_code == 422
    paid = api.post("/v1/payments", json={**pay, "amount": "143.34"})
    assert paid.status_code == 201
    assert api.get(f"/v1/invoices/{inv['id']}").json()["status"] == "paid"
    assert api.delete(f"/v1/payments/{paid.json()['id']}").status_code == 204
    assert api.get(f"/v1/invoices/{inv['id']}").json()["amount_due"] == "143.34"


def test_ledger_balances(api):
    cid = contact(api)
    inv = api.post("/v1/invoices", json=invoice_body(cid)).json()
    api.post("/v1/invoices", json=invoice_body(cid, kind="bill"))
    api.post("/v1/payments", json={"invoice_id": inv["id"], "date": "2026-03-05", "account": "1000", "amount": "40.00"})
    balances = {account: sum((Decimal(p["amount"]) for p in api.get("/v1/ledger", params={"account": account})
                              .json()["items"]), Decimal(0))
                for account in ("1000", "1100", "2100", "2200", "4000", "5000")}
    assert balances["1100"] == Decimal("103.34") and balances["2100"] == Decimal("-143.34")
    assert sum(balances.values()) == 0


def test_injected_failures(api, sandbox):
    sandbox.control.fail_next("transient")
    outage = api.get("/v1/company")
    assert outage.status_code == 503 and outage.headers["Retry-After"] == "1"
    assert outage.headers["Content-Type"].startswith("text/plain")
    sandbox.control.fail_next("lost_response")
    assert api.get("/v1/company").status_code == 200  # reads are not lost: the next write is
    with pytest.raises(httpx.RemoteProtocolError):
        api.post("/v1/contacts", json={"name": "Lost Ltd"})
    assert sandbox.control.count("contact") == 1


def test_lost_response_over_loopback_drops_the_connection(sandbox):
    url, stop = sandbox.serve_in_thread()
    try:
        with httpx.Client(base_url=url, headers={"Authorization": "Bearer k"}) as client:
            sandbox.control.fail_next("lost_response")
            with pytest.raises(httpx.TransportError):
                client.post("/v1/contacts", json={"name": "Lost Ltd"})
            counts = client.get("/_sandbox/counts").json()
            assert counts["contact"] == 1 and counts["created"] == {"contact": 1}
    finally:
        stop()


def connector_for(sandbox, edition="cloud", **kwargs):
    from core.testing import tenant_context

    context = tenant_context(PACKAGE, edition, {"api_url": "http://inkwell.test"},
                             secrets={API_KEY_ENV: sandbox.api_key}, **kwargs)
    return InkwellConnector(context, transport=sandbox.transport())


def pushed_invoice(connector, number="INV-9"):
    [c] = connector.push_contacts([sample_contact("Outgoing Pty Ltd")])
    invoice = sample_invoice(number, replace(sample_contact("Outgoing Pty Ltd"), remote_id=c.remote_id),
                             account="4000", tax_code="S10")
    [result] = connector.push_invoices([invoice])
    return replace(invoice, remote_id=result.remote_id)


def test_outgoing_wrappers_see_every_payload(sandbox):
    seen = []

    def outgoing(document, payload):
        seen.append(type(document).__name__)
        return {**payload, "reference": "via wrapper"} if "lines" in payload else payload

    connector = connector_for(sandbox, outgoing=outgoing)
    invoice = pushed_invoice(connector)
    connector.push_payments([sample_payment(invoice, invoice.remote_id, account="1000")])
    assert seen == ["Contact", "Invoice", "Payment"]
    assert [i.reference for i in connector.fetch_invoices(PERIOD)] == ["via wrapper"]


def test_error_classes(sandbox):
    connector = connector_for(sandbox)
    invoice = pushed_invoice(connector)
    sandbox.control.fail_next("transient")
    with pytest.raises(TransientError) as outage:
        connector.probe()
    assert outage.value.retry_after == 1.0 and outage.value.status == 503
    [over] = connector.push_payments([sample_payment(invoice, invoice.remote_id, Decimal("999.00"), account="1000")])
    assert over.error.kind == "permanent" and "more than the 143.34 due" in over.error.message
    bad_key = InkwellConnector(replace(connector.context, secret=lambda name: "nope"), transport=sandbox.transport())
    with pytest.raises(PermanentError, match="401"):
        bad_key.probe()


def test_fix_refusal_on_a_void_invoice_is_not_editable(sandbox):
    connector = connector_for(sandbox)
    invoice = pushed_invoice(connector)
    [remote] = list(connector.fetch_invoices(PERIOD))
    connector.void_invoices([invoice])
    outcome = connector.fix_invoice(replace(invoice, reference="x"), remote)
    assert not outcome.fixed and outcome.reason == Refusal.NOT_EDITABLE and "void" in outcome.message


def test_settings_validate_tenant_options():
    assert InkwellSettings(api_url="https://api.inkwell.example/").api_url == "https://api.inkwell.example"
    for bad in ({}, {"api_url": "ftp://x"}, {"api_url": "https://x", "region": "au"}):
        with pytest.raises(ValidationError):
            InkwellSettings.model_validate(bad)


def test_found_through_the_entry_point_when_installed():
    try:
        version = metadata.version("ledgerbridge-inkwell")
    except metadata.PackageNotFoundError:
        pytest.skip("ledgerbridge-inkwell is not installed (pip install examples/inkwell-plugin)")
    rows = [row for row in load_plugins({"LEDGERBRIDGE_PLUGINS": "inkwell"}).describe() if row["name"] == "inkwell"]
    assert [(row["version"], row["package"]) for row in rows] == [(version, "inkwell")]


def test_fetch_changed_since(sandbox):
    connector = connector_for(sandbox)
    first = pushed_invoice(connector, "INV-OLD")
    [remote] = list(connector.fetch_invoices(PERIOD))
    connector.push_invoices([replace(first, reference="changed")])
    pushed_invoice(connector, "INV-NEW")
    since = remote.updated_at.replace(tzinfo=None)  # naive means UTC
    assert sorted(i.number for i in connector.fetch_invoices(None, modified_since=since)) == ["INV-NEW", "INV-OLD"]
    latest = max(i.updated_at for i in connector.fetch_invoices(None))
    assert [i.reference for i in connector.fetch_invoices(None, "sales", modified_since=latest)] == ["Job 1042"]
