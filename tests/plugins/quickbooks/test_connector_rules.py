"""QuickBooks' own rules as the connector meets them: typed fix refusals, duplicates without
requestid replay, open balances, bills that cannot be voided, CDC and its 30-day window, the
GeneralLedger, inclusive tax round trips."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from core.accounting import Refusal
from core.testing import PERIOD, sample_contact, sample_invoice, sample_payment
from plugins.quickbooks.sandbox import QuickBooksSandbox

from .helpers import sandbox_connector


@pytest.fixture
def sandbox():
    return QuickBooksSandbox(seed={"home_currency": "AUD"})


@pytest.fixture
def connector(sandbox):
    connector = sandbox_connector(sandbox)
    yield connector
    connector.close()


def pushed_invoice(connector, number: str, *, ledger: str = "sales", **changes):
    supplier = ledger == "purchase"
    contact = sample_contact(f"{number} Party", supplier=supplier)
    (result,) = connector.push_contacts([contact])
    invoice = sample_invoice(number, replace(contact, remote_id=result.remote_id), ledger=ledger,
                             account="200" if not supplier else "400", tax_code="5")
    invoice = replace(invoice, **changes)
    (result,) = connector.push_invoices([invoice])
    assert result.ok, result
    return replace(invoice, remote_id=result.remote_id, remote_version=result.remote_version)


def remote(connector, number):
    (found,) = [i for i in connector.fetch_invoices(PERIOD) if i.number == number]
    return found


def test_fix_refusals_are_typed(connector, sandbox):
    paid = pushed_invoice(connector, "FX-1")
    (payment,) = connector.push_payments([sample_payment(paid, paid.remote_id, Decimal("100.00"))])
    cheaper = replace(paid, lines=paid.lines[1:], subtotal=Decimal("0.30"), tax_total=Decimal("0.03"),
                      total=Decimal("0.33"))
    refused = connector.fix_invoice(cheaper, remote(connector, "FX-1"))
    assert refused.reason == Refusal.NOT_EDITABLE and "payments applied" in refused.message

    voided = pushed_invoice(connector, "FX-2")
    connector.void_invoices([voided])
    refused = connector.fix_invoice(voided, remote(connector, "FX-2"))
    assert refused.reason == Refusal.NOT_EDITABLE and "voided" in refused.message

    odd = pushed_invoice(connector, "FX-3")
    bad = replace(odd, lines=tuple(replace(line, tax_code="7", tax_amount=Decimal(0)) for line in odd.lines),
                  amounts_are="exclusive")
    sandbox.faults.add({"kind": "validation", "count": 1, "method": "POST", "path": "/v3/company/*/invoice"})
    refused = connector.fix_invoice(bad, remote(connector, "FX-3"))
    assert refused.reason == Refusal.PACKAGE_ERROR and "[6000]" in refused.message

    sandbox.set_book_close_date(odd.issue_date)
    refused = connector.fix_invoice(replace(odd, reference="late"), remote(connector, "FX-3"))
    assert refused.reason == Refusal.LOCKED_PERIOD and "Account Period Closed" in refused.message


def test_a_deposited_payment_cannot_be_removed(connector, sandbox):
    invoice = pushed_invoice(connector, "DP-1")
    local = sample_payment(invoice, invoice.remote_id, Decimal("30.00"))
    (pushed,) = connector.push_payments([local])
    sandbox.company.deposited.add(pushed.remote_id)
    (removed,) = connector.remove_payments([replace(local, remote_id=pushed.remote_id, status="removed")])
    assert not removed.ok and "Deposited Transaction cannot be changed" in removed.error.message


def test_duplicates_are_found_by_number_even_without_requestid_replay():
    sandbox = QuickBooksSandbox(seed={"home_currency": "AUD"}, requestid_ttl=None)
    connector = sandbox_connector(sandbox)
    invoice = pushed_invoice(connector, "DU-1")
    again = replace(invoice, remote_id=None, previous_attempts=1)
    (result,) = connector.push_invoices([again])
    assert result.remote_id == invoice.remote_id and len(sandbox.company.all("Invoice")) == 1
    fresh = replace(invoice, remote_id=None, previous_attempts=0)  # the core thinks it never got there
    (result,) = connector.push_invoices([fresh])
    assert result.remote_id == invoice.remote_id, "a 6140 is looked up and recognised as our own"
    other = replace(fresh, total=Decimal("1.00"))
    (clash,) = connector.push_invoices([other])
    assert not clash.ok and "Duplicate Document Number Error" in clash.error.message
    connector.close()


def test_payments_never_exceed_the_open_balance(connector, sandbox):
    invoice = pushed_invoice(connector, "OB-1")
    first, second = (sample_payment(invoice, invoice.remote_id, Decimal("100.00")),
                     sample_payment(invoice, invoice.remote_id, Decimal("50.00")))
    results = connector.push_payments([first, second])
    assert results[0].ok and not results[1].ok
    assert "more than the open balance 43.34" in results[1].error.message
    assert len(sandbox.company.all("Payment")) == 1


def test_bills_are_deleted_for_want_of_a_void_and_bill_payments_link(connector, sandbox):
    bill = pushed_invoice(connector, "BL-1", ledger="purchase")
    (paid,) = connector.push_payments([sample_payment(bill, bill.remote_id, Decimal("10.00"))])
    stored = sandbox.company.get("BillPayment", paid.remote_id)
    assert stored["PayType"] == "Check" and stored["Line"][0]["LinkedTxn"] == [{"TxnId": bill.remote_id,
                                                                                "TxnType": "Bill"}]
    (removed,) = connector.remove_payments([replace(sample_payment(bill, bill.remote_id, Decimal("10.00")),
                                                    remote_id=paid.remote_id, status="removed")])
    assert removed.ok
    (voided,) = connector.void_invoices([bill])
    assert voided.ok and sandbox.company.get("Bill", bill.remote_id) is None


def test_incremental_fetch_uses_cdc_within_30_days_and_a_query_beyond(connector, sandbox):
    kept, gone = pushed_invoice(connector, "CD-1"), pushed_invoice(connector, "CD-2", ledger="purchase")
    since = datetime.now(UTC) - timedelta(minutes=5)
    connector.void_invoices([gone])
    changed = {(i.remote_id, i.status) for i in connector.fetch_invoices(None, modified_since=since)}
    assert (kept.remote_id, "authorised") in changed and (gone.remote_id, "deleted") in changed
    assert [e for e in sandbox.requests.all() if e.path.endswith("/cdc")]
    old = {i.remote_id for i in connector.fetch_invoices(None, modified_since=since - timedelta(days=45))}
    assert kept.remote_id in old
    assert any("LastUpdatedTime" in e.query for e in sandbox.requests.all() if e.path.endswith("/query"))


def test_inclusive_and_foreign_documents_round_trip(sandbox):
    connector = sandbox_connector(sandbox)
    contact = sample_contact("Kiwi Ltd")
    (result,) = connector.push_contacts([contact])
    base = sample_invoice("IN-1", replace(contact, remote_id=result.remote_id), tax_code="5")
    lines = tuple(replace(line, tax_amount=(line.line_amount * 15 / 115).quantize(Decimal("0.01")))
                  for line in base.lines)
    inclusive = replace(base, currency="NZD", exchange_rate=Decimal("1.0800"), amounts_are="inclusive",
                        lines=lines, subtotal=Decimal("130.31"), tax_total=sum(l.tax_amount for l in lines),
                        total=Decimal("130.31"))
    (result,) = connector.push_invoices([inclusive])
    assert result.ok, result
    back = remote(connector, "IN-1")
    assert (back.total, back.subtotal, back.tax_total, back.amounts_are) == (
        Decimal("130.31"), Decimal("130.31"), inclusive.tax_total, "inclusive")
    assert back.currency == "NZD" and back.exchange_rate == Decimal("1.0800")
    assert sandbox.company.get("Invoice", result.remote_id)["ExchangeRate"] == Decimal("0.9259259259")
    connector.close()


def test_ledger_postings_come_from_the_general_ledger(connector):
    invoice = pushed_invoice(connector, "GL-1")
    connector.push_payments([sample_payment(invoice, invoice.remote_id, Decimal("40.00"))])
    postings = [p for p in connector.ledger_postings(PERIOD, ["610"]) if p.remote_id]
    assert sorted((p.source.split()[0], p.amount) for p in postings) == [("Invoice", invoice.total),
                                                                         ("Payment", Decimal("-40.00"))]
    assert all(p.account_code == "610" for p in postings)
    facts = connector.organisation()
    assert facts.base_currency == "AUD" and facts.financial_year_end == (3, 31) and facts.lock_date is None
