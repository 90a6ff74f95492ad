"""Xero's rules as the connector meets them: fix refusals, incremental fetch, bills, organisation."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from core.accounting import Period, Refusal
from core.testing import sample_contact, sample_invoice, sample_payment
from plugins.xero.sandbox import XeroSandbox

from .test_connector_conformance import sandbox_connector


@pytest.fixture
def sandbox():
    return XeroSandbox()


@pytest.fixture
def connector(sandbox):
    connector = sandbox_connector(sandbox)
    yield connector
    connector.close()


def with_new_amounts(invoice):
    line = replace(invoice.lines[0], quantity=Decimal("2"), line_amount=Decimal("173.34"), tax_amount=Decimal("17.33"))
    return replace(invoice, lines=(line, invoice.lines[1]), subtotal=Decimal("173.64"), tax_total=Decimal("17.36"),
                   total=Decimal("191.00"))


def pushed_invoice(connector, number="INV-R1", ledger="sales"):
    (contact_result,) = connector.push_contacts([sample_contact(f"Rules {number}", supplier=ledger == "purchase")])
    contact = replace(sample_contact(f"Rules {number}"), remote_id=contact_result.remote_id)
    invoice = sample_invoice(number, contact, ledger=ledger, account="200" if ledger == "sales" else "400",
                             tax_code="OUTPUT" if ledger == "sales" else "INPUT")
    (result,) = connector.push_invoices([invoice])
    assert result.ok, result
    return replace(invoice, remote_id=result.remote_id)


def remote(connector, number):
    return next(i for i in connector.fetch_invoices(None) if i.number == number)


def test_a_paid_invoice_cannot_be_fixed(connector):
    invoice = pushed_invoice(connector)
    (paid,) = connector.push_payments([sample_payment(invoice, invoice.remote_id, Decimal("10.00"))])
    assert paid.ok
    outcome = connector.fix_invoice(with_new_amounts(invoice), remote(connector, invoice.number))
    assert not outcome.fixed and outcome.reason == Refusal.NOT_EDITABLE
    assert "payment or credit note allocated" in outcome.message


def test_a_reconciled_payment_is_named_as_the_reason(connector, sandbox):
    invoice = pushed_invoice(connector)
    response = connector.client.request("PUT", "Payments", body={"Payments": [{
        "Invoice": {"InvoiceID": invoice.remote_id}, "Account": {"Code": "090"}, "Date": "2026-03-05",
        "Amount": Decimal("10.00"), "IsReconciled": True}]})
    assert response.status_code == 200
    outcome = connector.fix_invoice(with_new_amounts(invoice), remote(connector, invoice.number))
    assert not outcome.fixed and outcome.reason == Refusal.RECONCILED_PAYMENT


def test_a_voided_invoice_cannot_be_fixed(connector):
    invoice = pushed_invoice(connector)
    (voided,) = connector.void_invoices([replace(invoice, status="voided")])
    assert voided.ok
    outcome = connector.fix_invoice(invoice, remote(connector, invoice.number))
    assert outcome.reason == Refusal.NOT_EDITABLE and "VOIDED" in outcome.message


def test_fix_changes_lines_and_totals(connector):
    invoice = pushed_invoice(connector)
    local = with_new_amounts(invoice)
    assert connector.fix_invoice(local, remote(connector, invoice.number)).fixed
    after = remote(connector, invoice.number)
    assert (after.subtotal, after.tax_total, after.total) == (Decimal("173.64"), Decimal("17.36"), Decimal("191.00"))


def test_a_draft_invoice_is_deleted_rather_than_voided(connector):
    (contact,) = connector.push_contacts([sample_contact("Drafty")])
    draft = replace(sample_invoice("INV-D1", replace(sample_contact("Drafty"), remote_id=contact.remote_id)),
                    status="draft")
    (result,) = connector.push_invoices([draft])
    (gone,) = connector.void_invoices([replace(draft, remote_id=result.remote_id, status="voided")])
    assert gone.ok
    assert remote(connector, "INV-D1").status == "deleted"


def test_incremental_fetch_returns_only_what_changed(connector, sandbox):
    first = pushed_invoice(connector, "INV-A")
    since = datetime.now(UTC) + timedelta(seconds=1)
    time.sleep(1.2)  # the sandbox runs on the system clock
    pushed_invoice(connector, "INV-B")
    changed = [i.number for i in connector.fetch_invoices(None, modified_since=since)]
    assert changed == ["INV-B"]
    assert first.number in [i.number for i in connector.fetch_invoices(Period(date(2026, 3, 1), date(2026, 3, 31)))]


def test_bills_with_the_same_number_from_two_suppliers_are_two_bills(connector):
    a = pushed_invoice(connector, "SUP-1", ledger="purchase")
    (other,) = connector.push_contacts([sample_contact("Other Supplier", supplier=True)])
    b = sample_invoice("SUP-1", replace(sample_contact("Other Supplier", supplier=True), remote_id=other.remote_id),
                       ledger="purchase", account="400", tax_code="INPUT")
    (result,) = connector.push_invoices([replace(b, previous_attempts=1)])  # looked up: not the other's bill
    assert result.ok and result.remote_id != a.remote_id


def test_organisation_facts(connector, sandbox):
    sandbox.set_lock_dates(period_lock_date=date(2026, 1, 31))
    facts = connector.organisation()
    assert facts.base_currency == "AUD" and facts.lock_date == date(2026, 1, 31)
    assert facts.financial_year_end is not None
