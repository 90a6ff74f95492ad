"""A user's way through Xero: `sandbox xero`, `connect` (consent and --refresh-token), push, `disconnect`."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import httpx
import pytest

from core.tokens import new_secret_key
from tests.builders import envelope, invoice, payment
from tests.conftest import write_config
from tests.e2e.conftest import clean_env, describe


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def xero(tmp_path):
    """`ledgerbridge sandbox xero` running in its own process, and its JSON line."""
    process = subprocess.Popen([sys.executable, "-m", "core", "sandbox", "xero"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, env=clean_env(), cwd=tmp_path)
    try:
        yield json.loads(process.stdout.readline())
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def cli(sqlite_cli, xero):
    write_config(sqlite_cli.config_dir, f"sqlite:///{sqlite_cli.cwd / 'ledger.db'}", tenants=f"""
[tenants.acme]
name = "Acme Plumbing"
base_currency = "AUD"
accounting = "xero"
[tenants.acme.xero]
client_id = "{xero['client_id']}"
api_url = "{xero['api_url']}"
identity_url = "{xero['identity_url']}"
connections_url = "{xero['connections_url']}"
""")
    sqlite_cli.env.update({"LEDGERBRIDGE_SECRET_KEY": new_secret_key(),
                           "LEDGERBRIDGE_XERO_CLIENT_SECRET": xero["client_secret"]})
    sqlite_cli.ok("db", "upgrade")
    return sqlite_cli


def test_sandbox_line_has_what_a_client_needs(xero):
    assert set(xero) == {"api_url", "identity_url", "connections_url", "client_id", "client_secret",
                         "refresh_token", "tenant_id"}


def test_consent_push_disconnect_and_reconnect(cli, xero, tmp_path):
    port = free_port()
    connect = cli.popen("connect", "acme", "--port", str(port), "--timeout", "30", log_dir=tmp_path, name="connect")
    url = _first_line(connect)
    assert url.startswith(xero["identity_url"] + "/connect/authorize?") and "code_challenge_method=S256" in url
    page = httpx.get(url, follow_redirects=True, timeout=10)  # the sandbox consents at once and redirects back
    assert page.status_code == 200 and "Connected" in page.text
    assert connect.wait(20) == 0, connect.output()
    assert f"connected acme to Xero ({xero['tenant_id']})" in connect.output()
    assert cli.status()["tenants"]["acme"]["connection"] == "connected"

    events = "\n".join(json.dumps(e) for e in (envelope("invoice-created", invoice("INV-1"), tenant="acme"),
                                               envelope("payment-received", payment("PAY-1", "INV-1", "20.00"),
                                                        tenant="acme")))
    cli.ok("ingest", "-", input=events + "\n")
    worker = cli.ok("worker", "--until-idle")
    assert "3 pushed" in worker.stderr, worker.stderr  # the worker pushes by itself
    assert cli.status()["tenants"]["acme"]["pushed"] == 3
    pushed = json.loads(cli.ok("push", "--tenant", "acme", "--json").stdout)
    assert pushed[0]["pushed"] == {}, "nothing left to push"

    assert "disconnected acme from Xero" in cli.ok("disconnect", "acme").stderr
    assert cli.status()["tenants"]["acme"]["connection"] == "disconnected"
    reconnected = cli("connect", "acme", "--refresh-token", xero["refresh_token"])
    assert reconnected.returncode == 0, describe(reconnected)
    assert cli.status()["tenants"]["acme"]["connection"] == "connected"


def test_a_bad_refresh_token_is_refused_clearly(cli):
    result = cli("connect", "acme", "--refresh-token", "not-a-token")
    assert result.returncode == 1, describe(result)
    assert "Xero refused the grant" in result.stderr and "Traceback" not in result.stderr
    assert "not-a-token" not in result.stderr + result.stdout, "tokens never echoed"


def test_connect_without_a_key_says_how_to_make_one(cli):
    result = cli("connect", "acme", "--refresh-token", "x", env={"LEDGERBRIDGE_SECRET_KEY": ""})
    assert result.returncode == 2, describe(result)
    assert "LEDGERBRIDGE_SECRET_KEY is not set" in result.stderr and "--new-key" in result.stderr
    key = cli.ok("connect", "--new-key").stdout.strip()
    assert len(key) == 44


def _first_line(proc) -> str:
    import time

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        text = proc.out_path.read_text()
        if "\n" in text:
            return text.splitlines()[0].strip()
        time.sleep(0.05)
    raise AssertionError("connect printed no URL: " + proc.output())


def test_the_issue_yardstick_through_the_cli(cli, xero, tmp_path):
    """A tenant configured against `ledgerbridge sandbox xero` and connected with the printed refresh
    token gets 500 invoices, 100 bills and 300 payments pushed exactly once, in ≤ 30 API calls for the
    invoices, with zero 429s, every body valid against Xero's schema."""
    from decimal import Decimal

    from tests.builders import contact_data, invoice_data, line_data, payment_data
    from tests.plugins.xero import spec

    cli.ok("connect", "acme", "--refresh-token", xero["refresh_token"])
    events, totals = [], {}
    for i in range(500):
        data = invoice_data(f"I{i}", number=f"INV-{i:04d}", contact=contact_data(f"C-{i % 40}", f"Customer {i % 40}"),
                            issue_date="2026-11-02", due_date="2026-11-16",
                            lines=[line_data(quantity="2", unit_price=f"{50 + i % 9}.45", tax_code="OUTPUT",
                                             tax_amount=str((Decimal(2) * Decimal(f"{50 + i % 9}.45") / 10)
                                                            .quantize(Decimal("0.01"))))])
        totals[data["number"]] = Decimal(data["total"])
        events.append(envelope("invoice-created", data, tenant="acme"))
    for i in range(100):
        events.append(envelope("invoice-created", invoice_data(
            f"B{i}", number=f"BILL-{i}", ledger="purchase", contact=contact_data(f"S-{i % 8}", f"Supplier {i % 8}"),
            issue_date="2026-11-03", due_date="2026-12-01",
            lines=[line_data(quantity="1", unit_price="80.00", tax_amount="8.00", account_code="400",
                             tax_code="INPUT")]), tenant="acme"))
    for i in range(300):
        events.append(envelope("payment-received", payment_data(
            f"P{i}", f"I{i}", str(totals[f"INV-{i:04d}"]), date="2026-11-09"), tenant="acme"))
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in events) + "\n")
    cli.ok("ingest", str(path))
    worker = cli.ok("worker", "--until-idle", timeout=180)
    assert "948 pushed" in worker.stderr, worker.stderr  # 48 contacts + 600 invoices and bills + 300 payments

    admin = xero["api_url"].split("/api.xro")[0] + "/__sandbox__"
    invoices = json.loads(httpx.get(admin + "/documents/invoices").text, parse_float=Decimal)["invoices"]
    sales = {i["InvoiceNumber"]: i for i in invoices if i["Type"] == "ACCREC"}
    assert len(sales) == 500 and sum(1 for i in invoices if i["Type"] == "ACCPAY") == 100
    assert all(sales[number]["Total"] == total for number, total in totals.items())
    assert sum(1 for i in sales.values() if i["Status"] == "PAID") == 300
    requests = json.loads(httpx.get(admin + "/requests").text, parse_float=Decimal)["requests"]
    calls = [r for r in requests if r["path"].endswith("/Invoices")]
    assert len(calls) <= 30, len(calls)
    assert not [r for r in requests if r["status"] == 429]
    for exchange in requests:
        if exchange["method"] in ("PUT", "POST") and isinstance(exchange["body"], dict):
            for collection, schema in (("Invoices", "Invoice"), ("Contacts", "Contact"), ("Payments", "Payment")):
                for element in exchange["body"].get(collection, []):
                    spec.assert_valid(element, schema, strict=True)
