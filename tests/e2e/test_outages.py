"""Issue 5 fault injection (a) and (b): real worker processes on PostgreSQL + RabbitMQ pushing to the
Xero sandbox served over loopback in its own process, with Xero's real rate limits.

(a) the API goes down (plain-text 503) during a burst of 2,000 documents and comes back: every
    document arrives exactly once, by itself — no command is run after the outage;
(b) a 429 storm: no request reaches the package before the Retry-After it was given.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import create_engine, text

from core.tokens import new_secret_key
from tests.builders import contact_data, envelope, invoice_data, line_data, payment_data
from tests.conftest import write_config
from tests.e2e.conftest import Cli, clean_env, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq]

API = "/api.xro/2.0"
FAST_BREAKER = """
[push]
scan_seconds = 0.5
breaker_failures = 2
probe_min_seconds = 1
probe_max_seconds = 2
"""


@pytest.fixture
def xero(tmp_path):
    """`ledgerbridge sandbox xero` in its own process; its JSON line plus the admin URL."""
    process = subprocess.Popen([sys.executable, "-m", "core", "sandbox", "xero"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, env=clean_env(), cwd=tmp_path)
    try:
        line = json.loads(process.stdout.readline())
        line["admin"] = line["api_url"].split("/api.xro")[0] + "/__sandbox__"
        yield line
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def cli(tmp_path, pg_url, amqp_url, amqp_namespace, xero) -> Cli:
    config_dir = write_config(tmp_path / "config", pg_url, amqp_url, namespace=amqp_namespace, extra=FAST_BREAKER,
                              tenants=f"""
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
    work = tmp_path / "cwd"
    work.mkdir()
    runner = Cli(config_dir, work, {"LEDGERBRIDGE_SECRET_KEY": new_secret_key(),
                                    "LEDGERBRIDGE_XERO_CLIENT_SECRET": xero["client_secret"]})
    runner.ok("db", "upgrade")
    runner.ok("connect", "acme", "--refresh-token", xero["refresh_token"])
    return runner


def burst(tmp_path, invoices: int, payments: int, contacts: int = 50) -> tuple[str, dict[str, Decimal]]:
    """A JSON-lines file of *invoices* sales invoices and *payments* payments (one per invoice)."""
    events, totals = [], {}
    for i in range(invoices):
        data = invoice_data(f"I{i}", number=f"INV-{i:05d}",
                            contact=contact_data(f"C-{i % contacts}", f"Customer {i % contacts}"),
                            issue_date="2026-11-02", due_date="2026-11-16",
                            lines=[line_data(quantity="1", unit_price=f"{100 + i % 17}.00", tax_code="OUTPUT",
                                             tax_amount=f"{(100 + i % 17) / 10:.2f}")])
        totals[data["number"]] = Decimal(data["total"])
        events.append(envelope("invoice-created", data, tenant="acme"))
    for i in range(payments):
        events.append(envelope("payment-received", payment_data(
            f"P{i}", f"I{i}", str(totals[f"INV-{i:05d}"]), date="2026-11-09", reference=f"PAY-{i}"), tenant="acme"))
    path = tmp_path / "burst.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in events) + "\n")
    return str(path), totals


def admin_get(xero, what: str) -> dict:
    return json.loads(httpx.get(f"{xero['admin']}/{what}", timeout=30).text, parse_float=Decimal)


def sandbox_counts(xero) -> tuple[int, int]:
    (tenant,) = admin_get(xero, "state")["tenants"]
    return tenant["invoices"], tenant["payments"]


def assert_exactly_once(xero, totals: dict[str, Decimal], payments: int) -> None:
    invoices = admin_get(xero, "documents/invoices")["invoices"]
    numbers = [i["InvoiceNumber"] for i in invoices]
    assert len(numbers) == len(set(numbers)), "no invoice arrived twice"
    assert {i["InvoiceNumber"]: i["Total"] for i in invoices} == totals, "every invoice arrived, with its total"
    remote_payments = admin_get(xero, "documents/payments")["payments"]
    references = [p["Reference"] for p in remote_payments]
    assert len(references) == len(set(references)) == payments, "every payment arrived exactly once"


def health(pg_url: str) -> dict:
    engine = create_engine(pg_url)
    try:
        with engine.connect() as connection:
            row = connection.execute(text("SELECT state, failures, hold_until FROM connection_health "
                                          "WHERE tenant = 'acme'")).first()
            links = dict(connection.execute(text(
                "SELECT state, count(*) FROM external_links WHERE tenant = 'acme' GROUP BY state")).all())
    finally:
        engine.dispose()
    return {"state": row[0] if row else "up", "failures": row[1] if row else 0, "links": links}


def test_an_outage_during_a_burst_drains_by_itself_exactly_once(cli, xero, tmp_path, pg_url):
    path, totals = burst(tmp_path, 1000, 1000)
    # each call takes half a second, as a busy Xero's do: the outage lands mid-burst
    assert httpx.post(f"{xero['admin']}/limits", json={"processing_delay": 0.5}, timeout=10).status_code == 200
    worker = cli.popen("worker", log_dir=tmp_path, name="worker")
    try:
        cli.ok("ingest", path, timeout=120)
        wait_for(lambda: sandbox_counts(xero)[0] >= 200, 60, 0.1, "the first invoices in Xero")
        # down for 20 s: long enough for two failed calls (each retried inside the call for ~7 s)
        fault = httpx.post(f"{xero['admin']}/faults", json={"kind": "maintenance", "path": API, "duration": 20},
                           timeout=10)
        assert fault.status_code == 201, fault.text
        assert sandbox_counts(xero)[1] < 1000, "the outage began mid-burst"
        seen_down = wait_for(lambda: health(pg_url)["state"] == "down", 30, 0.2, "the breaker to open")
        assert seen_down
        down_at = len(admin_get(xero, "requests")["requests"])
        # no command: the worker probes, sees Xero back and drains the rest
        wait_for(lambda: health(pg_url)["links"] == {"pushed": 2050}, 150, 0.5,
                 "every document pushed after the outage")
        assert worker.process.poll() is None, worker.output()
    finally:
        worker.stop()
    assert_exactly_once(xero, totals, 1000)
    requests = admin_get(xero, "requests")["requests"]
    outage = [r for r in requests if r["status"] == 503]
    assert outage and all(r["response_body"] == "The Xero API is currently offline for maintenance" for r in outage)
    assert not [r for r in requests if r["status"] == 429], "Xero's limits were respected"
    # while down, only probes went out: between 503s of document calls there are GET /Organisation probes
    writes_while_down = [r for r in requests[down_at:] if r["status"] == 503 and r["method"] in ("PUT", "POST")]
    probes = [r for r in requests[down_at:] if r["path"].endswith("/Organisation")]
    assert probes, "the breaker probed the connection"
    assert len(writes_while_down) <= 3, "documents were not sent while the connection was down"
    assert health(pg_url)["state"] == "up"


def test_a_429_storm_sends_nothing_before_retry_after(cli, xero, tmp_path, pg_url):
    path, totals = burst(tmp_path, 200, 0, contacts=10)
    storm = {"kind": "response", "path": API, "status": 429, "count": 6, "content_type": "application/json",
             "body": json.dumps({"Title": "Too Many Requests", "Status": 429}),
             "headers": {"Retry-After": "3", "X-Rate-Limit-Problem": "minute"}}
    assert httpx.post(f"{xero['admin']}/faults", json=storm, timeout=10).status_code == 201
    worker = cli.popen("worker", log_dir=tmp_path, name="worker")
    try:
        cli.ok("ingest", path, timeout=60)
        wait_for(lambda: health(pg_url)["links"] == {"pushed": 210}, 120, 0.5, "every document pushed")
    finally:
        worker.stop()
    assert_exactly_once(xero, totals, 0)
    requests = [r for r in admin_get(xero, "requests")["requests"] if r["path"].startswith(API)]
    limited = [r for r in requests if r["status"] == 429]
    assert len(limited) == 6
    for answer in limited:
        at = datetime.fromisoformat(answer["at"])
        early = [r for r in requests if r["seq"] > answer["seq"]
                 and (datetime.fromisoformat(r["at"]) - at).total_seconds() < 3]
        assert not early, f"request(s) sent within Retry-After of the 429 at {answer['at']}: {early[:2]}"
