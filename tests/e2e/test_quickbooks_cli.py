"""A user's way through QuickBooks Online: `sandbox quickbooks`, `connect` (consent with the realm on
the redirect, and --refresh-token), push, `disconnect`."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import pytest

from core.tokens import new_secret_key
from tests.builders import envelope, invoice_data, line_data, payment_data
from tests.conftest import write_config
from tests.e2e.conftest import clean_env, describe
from tests.e2e.test_xero_cli import _first_line, free_port


@pytest.fixture
def quickbooks(tmp_path):
    """`ledgerbridge sandbox quickbooks` running in its own process, and its JSON line."""
    process = subprocess.Popen([sys.executable, "-m", "core", "sandbox", "quickbooks"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, env=clean_env(), cwd=tmp_path)
    try:
        yield json.loads(process.stdout.readline())
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def cli(sqlite_cli, quickbooks):
    write_config(sqlite_cli.config_dir, f"sqlite:///{sqlite_cli.cwd / 'ledger.db'}", tenants=f"""
[tenants.northside]
name = "Northside Pest Control Ltd"
base_currency = "NZD"
financial_year_start = "04-01"
accounting = "quickbooks"
[tenants.northside.quickbooks]
client_id = "{quickbooks['client_id']}"
api_url = "{quickbooks['api_url']}"
token_url = "{quickbooks['token_url']}"
authorize_url = "{quickbooks['authorize_url']}"
realm_id = "{quickbooks['realm_id']}"
""")
    sqlite_cli.env.update({"LEDGERBRIDGE_SECRET_KEY": new_secret_key(),
                           "LEDGERBRIDGE_QUICKBOOKS_CLIENT_SECRET": quickbooks["client_secret"]})
    sqlite_cli.ok("db", "upgrade")
    return sqlite_cli


def test_sandbox_line_has_what_a_client_needs(quickbooks):
    assert set(quickbooks) == {"api_url", "token_url", "authorize_url", "realm_id", "client_id", "client_secret",
                               "refresh_token"}


def test_consent_push_disconnect_and_reconnect(cli, quickbooks, tmp_path):
    port = free_port()
    connect = cli.popen("connect", "northside", "--port", str(port), "--timeout", "30", log_dir=tmp_path,
                        name="connect")
    url = _first_line(connect)
    assert url.startswith(quickbooks["authorize_url"] + "?") and "scope=com.intuit.quickbooks.accounting" in url
    page = httpx.get(url, follow_redirects=True, timeout=10)  # the sandbox consents and redirects with realmId
    assert page.status_code == 200 and "Connected" in page.text
    assert connect.wait(20) == 0, connect.output()
    assert f"connected northside to QuickBooks Online ({quickbooks['realm_id']})" in connect.output()
    assert cli.status()["tenants"]["northside"]["connection"] == "connected"

    sale = invoice_data("INV-1", number="INV-1", currency="NZD", contact={"id": "C-1", "name": "Olivia Brown"},
                        lines=[line_data(quantity="2", unit_price="55.50", tax_amount="16.65", tax_code="5")])
    events = "\n".join(json.dumps(e) for e in (
        envelope("invoice-created", sale, tenant="northside"),
        envelope("payment-received", payment_data("PAY-1", "INV-1", "20.00", currency="NZD"), tenant="northside")))
    cli.ok("ingest", "-", input=events + "\n")
    cli.ok("worker", "--until-idle")  # applies the events and pushes what they queued
    cli.ok("push", "--tenant", "northside")  # whatever the worker left (nothing, normally)
    tenant = cli.status()["tenants"]["northside"]
    assert (tenant["pushed"], tenant["pending"], tenant["failed"]) == (3, 0, 0), tenant

    assert "disconnected northside from QuickBooks Online" in cli.ok("disconnect", "northside").stderr
    assert cli.status()["tenants"]["northside"]["connection"] == "disconnected"
    reconnected = cli("connect", "northside", "--refresh-token", quickbooks["refresh_token"])
    assert reconnected.returncode == 0, describe(reconnected)
    assert cli.status()["tenants"]["northside"]["connection"] == "connected"


def test_a_bad_refresh_token_is_refused_clearly(cli):
    result = cli("connect", "northside", "--refresh-token", "not-a-token")
    assert result.returncode == 1, describe(result)
    assert "QuickBooks Online refused the grant" in result.stderr and "Traceback" not in result.stderr
    assert "not-a-token" not in result.stderr + result.stdout, "tokens never echoed"
