"""Ledger → pusher → QuickBooks connector → the QuickBooks sandbox over loopback, connected with OAuth.

The issue's yardstick: 500 invoices, 100 bills and 300 payments pushed exactly once, linked, with
QuickBooks' TotalAmt equal to the local total for every document — tax-exclusive with per-line
rounding, tax-inclusive, and foreign-currency ones — in few calls and with zero 429s.
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

import pytest

from core.inbound import Inbound, InboundProcessor
from core.sandbox.serve import start_in_thread
from core.sync import Pusher
from plugins.quickbooks.sandbox import QuickBooksSandbox
from tests.builders import contact_data, envelope, invoice_data, line_data, payment_data

from .ledger import connect, quickbooks_app

CENT = Decimal("0.01")


@pytest.fixture(autouse=True)
def fresh_limiters():
    """The client-side limiters are per process; every sandbox has the same realm id."""
    from plugins.quickbooks import BATCH_LIMITER, LIMITER

    LIMITER.reset()
    BATCH_LIMITER.reset()


@pytest.fixture
def sandbox():
    return QuickBooksSandbox()


@pytest.fixture
def server(sandbox):
    with start_in_thread(sandbox.app) as running:
        yield running


@pytest.fixture
def app(tmp_path, sandbox, server):
    application, creds = quickbooks_app(tmp_path, sandbox, server.url)
    connect(application, creds["refresh_token"])
    yield application
    application.close()


def apply(application, events):
    processor = InboundProcessor(application.settings, application.session)
    for start in range(0, len(events), 200):
        outcome = processor.process([Inbound(json.dumps(e), "test") for e in events[start:start + 200]])
        assert outcome.dead_lettered == 0, outcome.reasons


def gst(amount: Decimal, inclusive: bool) -> Decimal:
    share = amount * 15 / 115 if inclusive else amount * Decimal("0.15")
    return share.quantize(CENT, rounding=ROUND_HALF_UP)


def sales(i: int) -> dict:
    """Every 10th (i ≡ 7) in AUD for one of five AUD customers, every 10th (i ≡ 3) tax-inclusive;
    two lines each, so per-line tax rounding differs from QuickBooks' per-rate rounding."""
    foreign, inclusive = i % 10 == 7, i % 10 == 3
    lines = []
    for qty, price in (("3", f"{40 + i % 7}.35"), ("1", f"{i % 13}.07")):
        amount = Decimal(qty) * Decimal(price)
        lines.append(line_data(quantity=qty, unit_price=price, tax_amount=str(gst(amount, inclusive)),
                               tax_code="5", account_code="200"))
    fields = {"currency": "AUD", "exchange_rate": "0.9174311927"} if foreign and i % 20 == 7 else \
        {"currency": "AUD"} if foreign else {"currency": "NZD"}
    contact = contact_data(f"A-{i // 10 % 5}", f"Aussie Customer {i // 10 % 5}") if foreign else \
        contact_data(f"C-{i % 50}", f"Customer {i % 50}")
    return envelope("invoice-created", invoice_data(
        f"I{i}", number=f"INV-{i:04d}", contact=contact, issue_date="2026-11-02", due_date="2026-11-16",
        amounts_are="inclusive" if inclusive else "exclusive", lines=lines, **fields), tenant="acme")


def bill(i: int) -> dict:
    return envelope("invoice-created", invoice_data(
        f"B{i}", number=f"SUP-{i:03d}", ledger="purchase", contact=contact_data(f"S-{i % 10}", f"Supplier {i % 10}"),
        issue_date="2026-11-03", due_date="2026-12-01", currency="NZD",
        lines=[line_data(description="Pipe", quantity="1", unit_price="99.99", tax_amount="15.00",
                         account_code="400", tax_code="5")]), tenant="acme")


def payments(count: int, invoices: dict[str, dict]) -> list[dict]:
    events = []
    for i in range(count):
        data = invoices[f"I{i}"]
        total = Decimal(data["total"])
        amount = total if i % 3 else (total / 2).quantize(CENT)
        events.append(envelope("payment-received", payment_data(f"P{i}", f"I{i}", str(amount), date="2026-11-10",
                                                                currency=data["currency"]), tenant="acme"))
    return events


def test_invoices_bills_and_payments_arrive_once_with_exact_totals(app, sandbox):
    invoices = [sales(i) for i in range(500)]
    by_id = {e["data"]["invoice_id"]: e["data"] for e in invoices}
    apply(app, invoices + [bill(i) for i in range(100)] + payments(300, by_id))

    report = Pusher(app).push("acme")
    assert report.failed == {} and report.waiting == {}, report.errors[:5]
    assert dict(report.pushed) == {"contact": 60, "invoice": 600, "payment": 300}

    company = sandbox.company
    remote = {d["DocNumber"]: d for d in company.all("Invoice")}
    assert len(remote) == 500
    for i in range(500):
        local, qbo = by_id[f"I{i}"], remote[f"INV-{i:04d}"]
        assert qbo["TotalAmt"] == Decimal(local["total"]), (i, local["amounts_are"], local["currency"])
        assert qbo["CurrencyRef"]["value"] == local["currency"]
        assert qbo["GlobalTaxCalculation"] == ("TaxInclusive" if local["amounts_are"] == "inclusive" else "TaxExcluded")
        if local["currency"] == "AUD":
            expected = Decimal("1.0900000000") if i % 20 == 7 else Decimal("1.09")  # given (inverted) or QBO's
            assert qbo["ExchangeRate"] == expected
    bills = company.all("Bill")
    assert len(bills) == 100 and all(b["TotalAmt"] == Decimal("114.99") for b in bills)
    linked = company.all("Payment")
    assert len(linked) == 300
    assert all(len(p["Line"]) == 1 and p["Line"][0]["LinkedTxn"][0]["TxnType"] == "Invoice" for p in linked)
    paid = sum(1 for d in remote.values() if d["Balance"] == 0)
    assert paid == 200, "two thirds paid in full"
    assert len(company.all("Customer")) == 50 and len(company.all("Vendor")) == 10

    calls = Counter(e.path.rsplit("/", 1)[-1] for e in sandbox.requests.all() if "/v3/company/" in e.path)
    batches = calls["batch"]
    assert batches <= 40, "Intuit allows 40 batch calls a minute"
    assert sum(calls.values()) <= 120, calls
    assert not sandbox.requests.find(status=429), "the client-side limiters keep under Intuit's limits"
    for exchange in sandbox.requests.all():
        if "/v3/company/" in exchange.path:
            assert "minorversion=75" in str(exchange.query)
            assert exchange.headers.get("accept") == "application/json"
            if exchange.method == "POST" and not exchange.path.endswith("/query"):
                assert "requestid=" in str(exchange.query), exchange.path

    print(f"API calls for the push: {sum(calls.values())} ({dict(calls)})")
    again = Pusher(app).push("acme")
    assert again.total_pushed == 0 and len(company.all("Invoice")) == 500
