"""A user's way through MYOB: `sandbox myob`, `connect` (consent with businessId, --refresh-token),
push to both editions, and the reconciliation refusal for a legacy Essentials tenant."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import httpx
import pytest

from core.tokens import new_secret_key
from tests.builders import envelope, invoice_data, line_data, payment_data
from tests.conftest import write_config
from tests.e2e.conftest import clean_env, describe

OPTION_KEYS = ("api_url", "token_url", "authorize_url", "client_id", "business_id", "essentials_api_url",
               "essentials_business_id")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def myob(tmp_path):
    """`ledgerbridge sandbox myob` running in its own process, and its JSON line."""
    process = subprocess.Popen([sys.executable, "-m", "core", "sandbox", "myob"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, env=clean_env(), cwd=tmp_path)
    try:
        yield json.loads(process.stdout.readline())
    finally:
        process.terminate()
        process.wait(10)


def tenant(slug: str, edition: str, creds: dict) -> str:
    options = "\n".join(f'{key} = "{creds[key]}"' for key in OPTION_KEYS)
    return f"""
[tenants.{slug}]
name = "{slug}"
base_currency = "AUD"
financial_year_start = "07-01"
accounting = "myob"
edition = "{edition}"
[tenants.{slug}.myob]
{options}
"""


@pytest.fixture
def cli(sqlite_cli, myob):
    write_config(sqlite_cli.config_dir, f"sqlite:///{sqlite_cli.cwd / 'ledger.db'}",
                 tenants=tenant("acme", "accountright", myob) + tenant("corner", "essentials", myob))
    sqlite_cli.env.update({"LEDGERBRIDGE_SECRET_KEY": new_secret_key(),
                           "LEDGERBRIDGE_MYOB_CLIENT_SECRET": myob["client_secret"],
                           "LEDGERBRIDGE_MYOB_API_KEY": myob["api_key"]})
    sqlite_cli.ok("db", "upgrade")
    return sqlite_cli


def documents(slug: str) -> str:
    invoice = invoice_data("INV-1", number="INV-1", issue_date="2026-03-10", due_date="2026-03-24",
                           lines=[line_data(quantity="2", unit_price="120.00", tax_amount="24.00",
                                            account_code="4-1000", tax_code="GST")])
    payment = payment_data("PAY-1", "INV-1", "20.00", date="2026-03-12", account_code="1-1110")
    return "\n".join(json.dumps(e) for e in (envelope("invoice-created", invoice, tenant=slug),
                                             envelope("payment-received", payment, tenant=slug))) + "\n"


def test_sandbox_line_has_what_a_client_needs(myob):
    assert {"api_url", "token_url", "authorize_url", "client_id", "client_secret", "api_key", "refresh_token",
            "business_id", "essentials_api_url", "essentials_business_id"} <= set(myob)


def test_consent_with_business_id_then_push(cli, myob, tmp_path):
    port = free_port()
    connect = cli.popen("connect", "acme", "--port", str(port), "--timeout", "30", log_dir=tmp_path, name="connect")
    url = _first_line(connect)
    assert url.startswith(myob["authorize_url"] + "?") and "prompt=consent" in url
    page = httpx.get(url, follow_redirects=True, timeout=10)  # the sandbox consents and redirects with businessId
    assert page.status_code == 200
    assert connect.wait(20) == 0, connect.output()
    assert f"connected acme to MYOB ({myob['business_id']})" in connect.output()

    cli.ok("ingest", "-", input=documents("acme"))
    cli.ok("worker", "--until-idle")
    cli.ok("push", "--tenant", "acme")  # the worker may have pushed them already
    assert_all_pushed(cli, "acme")
    assert cli.ok("tenants", "can", "acme", "reconcile_invoices").returncode == 0


def test_essentials_tenant_pushes_and_is_refused_reconciliation(cli, myob):
    connected = cli("connect", "corner", "--refresh-token", myob["refresh_token"])
    assert connected.returncode == 0, describe(connected)
    assert f"({myob['essentials_business_id']})" in connected.stderr

    cli.ok("ingest", "-", input=documents("corner"))
    cli.ok("worker", "--until-idle")
    cli.ok("push", "--tenant", "corner")
    assert_all_pushed(cli, "corner")

    refused = cli("tenants", "can", "corner", "reconcile_invoices")
    assert refused.returncode == 2, describe(refused)
    assert "essentials" in refused.stderr and "reconcile_invoices" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_a_bad_refresh_token_is_refused_clearly(cli):
    result = cli("connect", "acme", "--refresh-token", "not-a-token")
    assert result.returncode == 1, describe(result)
    assert "MYOB refused the grant" in result.stderr and "Traceback" not in result.stderr
    assert "not-a-token" not in result.stderr + result.stdout


def assert_all_pushed(cli, slug: str) -> None:
    row = cli.status()["tenants"][slug]
    assert (row["pushed"], row["pending"], row["failed"]) == (3, 0, 0), row


def _first_line(proc) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        text = proc.out_path.read_text()
        if "\n" in text:
            return text.splitlines()[0].strip()
        time.sleep(0.05)
    raise AssertionError("connect printed no URL: " + proc.output())
