"""MYOB's rules as the connector meets them: tax rounding, fix refusals, payments, bills, fetch."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from core.accounting import Contact, Invoice, Line, Period, Refusal
from core.testing import sample_contact, sample_invoice, sample_payment
from plugins.myob.mapping import ROUNDING
from plugins.myob.sandbox import MyobSandbox
from plugins.myob.sandbox.errors import ROW_VERSION, body

from .connect import BANK, PURCHASES, SALES, TAX, sandbox_connector

D = Decimal


@pytest.fixture
def sandbox():
    return MyobSandbox(limits={"per_second": 100_000})


@pytest.fixture
def connector(sandbox):
    connector = sandbox_connector(sandbox)
    yield connector
    connector.close()


def card(connector, name: str, supplier: bool = False) -> Contact:
    contact = sample_contact(name, supplier=supplier)
    (result,) = connector.push_contacts([contact])
    assert result.ok, result
    return replace(contact, remote_id=result.remote_id)


def pushed(connector, number="INV-R1", ledger="sales", **fields) -> Invoice:
    contact = card(connector, f"Rules {number}", supplier=ledger == "purchase")
    invoice = sample_invoice(number, contact, ledger=ledger, account=SALES if ledger == "sales" else PURCHASES,
                             tax_code=TAX, **fields)
    (result,) = connector.push_invoices([invoice])
    assert result.ok, result
    return replace(invoice, remote_id=result.remote_id, remote_version=result.remote_version)


def remote(connector, number, ledger=None):
    return next(i for i in connector.fetch_invoices(None, ledger) if i.number == number)


def per_line_rounded(number: str, contact: Contact, taxes: list[str]) -> Invoice:
    """Three lines of 0.05 at GST: per-line half-up tax 0.01 each, MYOB's per-document 0.015 → 0.02."""
    lines = tuple(Line("Washer", D(1), D("0.05"), D("0.05"), SALES, D(tax), TAX) for tax in taxes)
    tax = sum((line.tax_amount for line in lines), D(0))
    return Invoice(number=number, ledger="sales", contact=contact, issue_date=date(2026, 3, 2),
                   due_date=date(2026, 3, 16), accounting_date=date(2026, 3, 2), currency="AUD", exchange_rate=None,
                   amounts_are="exclusive", lines=lines, subtotal=D("0.15"), tax_total=tax, total=D("0.15") + tax,
                   status="authorised", host_id=f"host-{number}")


def test_per_line_rounding_is_kept_with_a_rounding_pair(connector, sandbox):
    invoice = per_line_rounded("INV-CENT", card(connector, "Cent Counter"), ["0.01", "0.01", "0.01"])
    (result,) = connector.push_invoices([invoice])
    assert result.ok, result
    stored = next(s for s in sandbox.business().sales.values() if s.number == "INV-CENT")
    assert (stored.subtotal, stored.total_tax, stored.total) == (D("0.15"), D("0.03"), D("0.18"))
    assert [l.description for l in stored.lines].count(ROUNDING) == 2, "+x taxed and −x GST-free"
    fetched = remote(connector, "INV-CENT")
    assert (fetched.subtotal, fetched.tax_total, fetched.total) == (D("0.15"), D("0.03"), D("0.18"))
    assert [l.line_amount for l in fetched.lines] == [D("0.05")] * 3, "the pair is not a difference"


def test_a_tax_that_is_not_rounding_is_refused_with_both_figures(connector, sandbox):
    invoice = per_line_rounded("INV-NOTAX", card(connector, "Wrong Tax"), ["0.00", "0.00", "0.00"])
    invoice = replace(invoice, lines=tuple(replace(l, line_amount=D("50.00"), unit_price=D("50.00"))
                                           for l in invoice.lines), subtotal=D("150.00"), total=D("150.00"))
    (result,) = connector.push_invoices([invoice])
    assert result.error and result.error.kind == "permanent"
    assert "tax 15.00" in result.error.message and "tax 0.00" in result.error.message
    assert not sandbox.business().sales


def test_fix_changes_lines_and_totals(connector):
    invoice = pushed(connector)
    line = replace(invoice.lines[0], quantity=D("2"), line_amount=D("173.34"), tax_amount=D("17.33"))
    local = replace(invoice, lines=(line, invoice.lines[1]), subtotal=D("173.64"), tax_total=D("17.36"),
                    total=D("191.00"))
    assert connector.fix_invoice(local, remote(connector, invoice.number)).fixed
    after = remote(connector, invoice.number)
    assert (after.subtotal, after.tax_total, after.total) == (D("173.64"), D("17.36"), D("191.00"))


def test_a_stale_row_version_is_re_read_once(connector, sandbox):
    invoice = pushed(connector)
    sandbox.faults.add({"kind": "response", "status": 409, "method": ["PUT"], "count": 1,
                        "body": json.dumps(body(ROW_VERSION)), "content_type": "application/json"})
    outcome = connector.fix_invoice(replace(invoice, reference="After 409"), remote(connector, invoice.number))
    assert outcome.fixed, outcome
    assert remote(connector, invoice.number).reference == "After 409"


def test_a_closed_financial_year_is_too_old(connector, sandbox):
    invoice = pushed(connector)
    sandbox.business().current_financial_year += 1  # the year of the invoice is closed now
    outcome = connector.fix_invoice(replace(invoice, reference="Late"), remote(connector, invoice.number))
    assert outcome.reason == Refusal.TOO_OLD and "DatePriorToBeginningOfFinancialYear" in outcome.message


def test_must_reverse_files_refuse_changes(connector, sandbox):
    invoice = pushed(connector)
    sandbox.business().must_reverse = True
    outcome = connector.fix_invoice(replace(invoice, reference="Changed"), remote(connector, invoice.number))
    assert outcome.reason == Refusal.NOT_EDITABLE and "TransactionsCannotBeChanged" in outcome.message
    (voided,) = connector.void_invoices([invoice])
    assert voided.error and "TransactionsCannotBeDeleted" in voided.error.message


def test_paid_invoices_refuse_a_total_below_what_was_paid_naming_a_reconciled_payment(connector, sandbox):
    invoice = pushed(connector)
    (paid,) = connector.push_payments([sample_payment(invoice, invoice.remote_id, D("100.00"), account=BANK)])
    assert paid.ok, paid
    line = replace(invoice.lines[0], line_amount=D("10.00"), unit_price=D("10.00"), quantity=D(1), tax_amount=D("1.00"))
    smaller = replace(invoice, lines=(line,), subtotal=D("10.00"), tax_total=D("1.00"), total=D("11.00"))
    outcome = connector.fix_invoice(smaller, remote(connector, invoice.number))
    assert outcome.reason == Refusal.NOT_EDITABLE and "TransactionHasPaymentsApplied" in outcome.message
    sandbox.business().payments[paid.remote_id].reconciled = date(2026, 3, 31)
    outcome = connector.fix_invoice(smaller, remote(connector, invoice.number))
    assert outcome.reason == Refusal.RECONCILED_PAYMENT


def test_payments_never_exceed_the_balance_and_bills_get_supplier_payments(connector, sandbox):
    invoice = pushed(connector)  # total 143.34
    first, too_much = connector.push_payments([sample_payment(invoice, invoice.remote_id, D("100.00"), account=BANK),
                                               sample_payment(invoice, invoice.remote_id, D("50.00"), account=BANK)])
    assert first.ok and too_much.error and "balance due of 43.34" in too_much.error.message
    bill = pushed(connector, "SUP-1", ledger="purchase")
    (paid,) = connector.push_payments([sample_payment(bill, bill.remote_id, bill.total, account=BANK)])
    assert paid.ok
    assert remote(connector, "SUP-1", "purchase").status == "paid"
    fetched = {p.remote_id: p for p in connector.fetch_payments(None)}
    assert fetched[paid.remote_id].invoice.ledger == "purchase" and fetched[paid.remote_id].account_code == BANK
    (removed,) = connector.remove_payments([replace(sample_payment(bill, bill.remote_id, bill.total),
                                                    remote_id=paid.remote_id)])
    assert removed.ok and remote(connector, "SUP-1", "purchase").amount_due == bill.total


def test_same_bill_number_same_supplier_twice_is_two_bills_and_a_retry_finds_its_own(connector, sandbox):
    supplier = card(connector, "Pipe Supplier", supplier=True)
    a = sample_invoice("SUP-9", supplier, ledger="purchase", account=PURCHASES, tax_code=TAX)
    b = replace(sample_invoice("SUP-9", supplier, ledger="purchase", account=PURCHASES, tax_code=TAX), host_id="host-b")
    first, second = connector.push_invoices([a, b])
    assert first.ok and second.ok and first.remote_id != second.remote_id
    (again,) = connector.push_invoices([replace(b, previous_attempts=1)])
    assert again.remote_id == second.remote_id and len(sandbox.business().sales) == 2


def test_a_customer_card_is_not_used_for_a_bill(connector, sandbox):
    customer = card(connector, "Both Ways Pty Ltd")
    bill = sample_invoice("SUP-2", customer, ledger="purchase", account=PURCHASES, tax_code=TAX)
    (result,) = connector.push_invoices([bill])
    assert result.ok, result
    kinds = sorted(c.kind for c in sandbox.business().contacts.values())
    assert kinds == ["Customer", "Supplier"]


def test_item_lines_use_the_item_layout(connector, sandbox):
    contact = card(connector, "Item Buyer")
    line = Line("Labour", D(2), D("95.00"), D("190.00"), "4-2000", D("19.00"), TAX, item_code="LABOUR")
    invoice = replace(sample_invoice("INV-ITEM", contact, account=SALES, tax_code=TAX), lines=(line,),
                      subtotal=D("190.00"), tax_total=D("19.00"), total=D("209.00"))
    (result,) = connector.push_invoices([invoice])
    assert result.ok, result
    assert next(iter(sandbox.business().sales.values())).layout == "Item"
    fetched = remote(connector, "INV-ITEM")
    assert fetched.lines[0].item_code == "LABOUR" and fetched.lines[0].quantity == D(2)


def test_incremental_fetch_returns_only_what_changed(connector):
    first = pushed(connector, "INV-A")
    since = datetime.now(UTC) + timedelta(seconds=1)
    time.sleep(1.2)  # the sandbox runs on the system clock
    pushed(connector, "INV-B")
    assert [i.number for i in connector.fetch_invoices(None, modified_since=since)] == ["INV-B"]
    assert first.number in [i.number for i in connector.fetch_invoices(Period(date(2026, 3, 1), date(2026, 3, 31)))]


def test_organisation_facts(connector, sandbox):
    sandbox.control.lock_until(date(2026, 1, 31))
    facts = connector.organisation()
    assert facts.base_currency == "AUD" and facts.lock_date == date(2026, 1, 31)
    assert facts.financial_year_end == (6, 30) and facts.name == "Sandbox Plumbing Pty Ltd"


def test_postings_on_the_receivable_account(connector):
    invoice = pushed(connector)
    connector.push_payments([sample_payment(invoice, invoice.remote_id, D("40.00"), account=BANK)])
    postings = list(connector.ledger_postings(Period(date(2026, 3, 1), date(2026, 3, 31)), ["1-1200"]))
    assert sorted(p.amount for p in postings) == [D("-40.00"), invoice.total]
