"""Handlers against the in-memory FakeRepository: what each event does to the ledger (no I/O).

Every refusal goes through :func:`assert_refused`, which also proves the handler checked before
it changed anything: the repository's snapshot and ``ctx.to_sync`` are exactly as before.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from core.db.models import ExternalLink, InvoiceLine, ReconciliationRun
from core.events.model import Event
from core.handlers import HANDLERS, Context, HandlingError
from tests.fakes import (
    NOW, TENANT, FakeRepository, contact_data, context, invoice_created, invoice_updated, invoice_voided,
    line_data, payment_received, payment_removed, reconciliation_requested, tenant,
)

# The default invoice: one line 2 × 120.00 + 24.00 tax = 264.00 AUD, authorised, sales ledger.
TOTAL = Decimal("264.00")
RECORDS_ONLY = tenant(accounting=None)


def apply(repo: FakeRepository, *events: Event, config=None, now=NOW) -> Context:
    ctx = context(repo, config, now)
    for event in events:
        HANDLERS[event.type](event, ctx)
    return ctx


def assert_refused(repo: FakeRepository, event: Event, *needles: str, config=None) -> HandlingError:
    """The event is refused with a message containing every needle, and nothing changed."""
    before = repo.snapshot()
    ctx = context(repo, config)
    with pytest.raises(HandlingError) as info:
        HANDLERS[event.type](event, ctx)
    message = str(info.value)
    for needle in needles:
        assert needle in message, f"{needle!r} not in {message!r}"
    assert repo.snapshot() == before, "a refused event changed the repository"
    assert ctx.to_sync == set()
    return info.value


@pytest.fixture
def repo() -> FakeRepository:
    return FakeRepository()


@pytest.fixture
def invoiced(repo) -> FakeRepository:
    """A repository holding the default authorised invoice inv-1."""
    apply(repo, invoice_created())
    return repo


def invoice(repo: FakeRepository, host_id: str = "inv-1"):
    found = repo.get_invoice(TENANT, host_id)
    assert found is not None
    return found


def payment(repo: FakeRepository, host_id: str = "pay-1"):
    found = repo.get_payment(TENANT, host_id)
    assert found is not None
    return found


# --- the fake itself ---------------------------------------------------------------------------------

def test_fake_refuses_unknown_objects_and_duplicate_keys(invoiced):
    with pytest.raises(TypeError):
        invoiced.add(object())
    duplicate = invoice(invoiced).model_copy()
    with pytest.raises(AssertionError, match="duplicate"):
        invoiced.add(duplicate)


@pytest.mark.parametrize("change", [
    lambda r: setattr(invoice(r), "version", 2),
    lambda r: setattr(invoice(r).lines[0], "description", "changed"),
    lambda r: invoice(r).lines.append(InvoiceLine(position=1, description="x", quantity=Decimal(1),
                                                  unit_price=Decimal(1), line_amount=Decimal(1),
                                                  account_code="200", tax_amount=Decimal(0))),
    lambda r: setattr(r.get_contact(TENANT, "cust-1"), "name", "changed"),
    lambda r: setattr(r.link("invoice", "inv-1"), "state", "pushed"),
    lambda r: setattr(payment(r), "status", "removed"),
    lambda r: r.add(ExternalLink(tenant=TENANT, document_type="payment", document_host_id="p", package="myob")),
], ids=["invoice", "line", "new-line", "contact", "link", "payment", "added"])
def test_snapshot_sees_every_kind_of_change(invoiced, change):
    apply(invoiced, payment_received())
    before = invoiced.snapshot()
    change(invoiced)
    assert invoiced.snapshot() != before


# --- invoice-created ---------------------------------------------------------------------------------

def test_invoice_created_stores_invoice_lines_and_contact(repo):
    event = invoice_created("inv-1", lines=[
        line_data("Call-out", "1", "95.00", "9.50", tax_code="OUTPUT", item_code="CALLOUT"),
        line_data("Labour", "2.5", "120.00", "30.00"),
        line_data("Washer", "3", "0.3333", "0.10"),
    ], reference="Job 48213", contact=contact_data("cust-1", "Harbourside Dental", email="a@b.example", number="C-1"))
    ctx = apply(repo, event)

    stored = invoice(repo)
    assert (stored.tenant, stored.number, stored.ledger, stored.currency, stored.amounts_are, stored.status) == (
        TENANT, "INV-inv-1", "sales", "AUD", "exclusive", "authorised")
    assert (stored.subtotal, stored.tax_total, stored.total) == (Decimal("396.00"), Decimal("39.60"), Decimal("435.60"))
    assert (stored.issue_date, stored.due_date, stored.accounting_date) == (date(2026, 3, 10), date(2026, 3, 24), date(2026, 3, 10))
    assert (stored.reference, stored.exchange_rate, stored.version, stored.last_event_id) == ("Job 48213", None, 1, event.id)
    assert stored.created_at == stored.updated_at == ctx.now
    assert [(l.position, l.description, l.quantity, l.unit_price, l.line_amount, l.tax_amount, l.tax_code, l.item_code)
            for l in stored.lines] == [
        (0, "Call-out", Decimal("1"), Decimal("95.00"), Decimal("95.00"), Decimal("9.50"), "OUTPUT", "CALLOUT"),
        (1, "Labour", Decimal("2.5"), Decimal("120.00"), Decimal("300.00"), Decimal("30.00"), None, None),
        (2, "Washer", Decimal("3"), Decimal("0.3333"), Decimal("1.00"), Decimal("0.10"), None, None),
    ]
    assert all(l.invoice is stored for l in stored.lines)

    contact = repo.get_contact(TENANT, "cust-1")
    assert stored.contact is contact
    assert (contact.name, contact.email, contact.number, contact.version) == ("Harbourside Dental", "a@b.example", "C-1", 1)
    assert (contact.is_customer, contact.is_supplier) == (True, False)
    assert len(repo.invoices) == len(repo.contacts) == 1


def test_bill_makes_its_contact_a_supplier(repo):
    apply(repo, invoice_created(ledger="purchase"))
    contact = repo.get_contact(TENANT, "cust-1")
    assert (contact.is_customer, contact.is_supplier) == (False, True)
    assert invoice(repo).ledger == "purchase"


@pytest.mark.parametrize("package", ["xero", "quickbooks"])
def test_invoice_created_queues_invoice_and_contact_for_the_tenants_package(repo, package):
    ctx = apply(repo, invoice_created(), config=tenant(accounting=package))
    for document_type, host_id in (("invoice", "inv-1"), ("contact", "cust-1")):
        link = repo.link(document_type, host_id, package)
        assert (link.tenant, link.package, link.state, link.version, link.pushed_version, link.attempts) == (
            TENANT, package, "pending", 1, 0, 0)
        assert link.remote_id is None and link.created_at == NOW
    assert len(repo.links) == 2
    assert ctx.to_sync == {package}


def test_tenant_without_accounting_records_the_invoice_but_queues_nothing(repo):
    ctx = apply(repo, invoice_created(), config=RECORDS_ONLY)
    assert invoice(repo).total == TOTAL
    assert repo.get_contact(TENANT, "cust-1") is not None
    assert repo.links == {}
    assert ctx.to_sync == set()


@pytest.mark.parametrize("again", [invoice_created, invoice_updated], ids=["created", "updated"])
def test_identical_invoice_again_is_a_no_op(invoiced, again):
    link = invoiced.link("invoice", "inv-1")
    link.state, link.pushed_version = "pushed", 1
    before = invoiced.snapshot()
    ctx = apply(invoiced, again())
    assert invoiced.snapshot() == before
    assert invoice(invoiced).version == 1
    assert link.state == "pushed"
    assert ctx.to_sync == set()


# --- invoice-updated ---------------------------------------------------------------------------------

def test_invoice_updated_bumps_version_replaces_lines_and_requeues(repo):
    apply(repo, invoice_created(status="draft"))
    old_lines = list(invoice(repo).lines)
    update = invoice_updated(lines=[line_data("Labour"), line_data("Parts", "3", "10.00", "3.00")])
    later = NOW + timedelta(hours=1)
    ctx = apply(repo, update, now=later)

    stored = invoice(repo)
    assert (stored.version, stored.status, stored.total, stored.last_event_id) == (2, "authorised", Decimal("297.00"), update.id)
    assert (stored.created_at, stored.updated_at) == (NOW, later)
    assert [(l.position, l.description) for l in stored.lines] == [(0, "Labour"), (1, "Parts")]
    assert all(l.invoice is None for l in old_lines), "old lines must be replaced, not kept"
    assert len(repo.invoices) == 1
    link = repo.link("invoice", "inv-1")
    assert (link.state, link.version) == ("pending", 2)
    assert repo.link("contact", "cust-1").version == 1  # the contact did not change
    assert ctx.to_sync == {"xero"}


def test_successive_updates_keep_lines_equal_to_earlier_unsaved_ones(repo):
    # Unsaved lines compare equal by value; replacing the list wholesale used to drop such lines.
    parts, tap = line_data("Parts", "3", "10.00", "3.00"), line_data("Tap", "1", "5.00", "0.50")
    apply(repo, invoice_created(), invoice_updated(lines=[line_data(), parts]),
          invoice_updated(lines=[line_data(), parts, tap]))
    stored = invoice(repo)
    assert [(l.position, l.description) for l in stored.lines] == [(0, "Labour"), (1, "Parts"), (2, "Tap")]
    assert sum(l.line_amount + l.tax_amount for l in stored.lines) == stored.total == Decimal("302.50")
    assert stored.version == 3


@pytest.mark.parametrize("state", ["pushed", "failed", "pending"])
def test_invoice_updated_sets_the_link_back_to_pending(invoiced, state):
    link = invoiced.link("invoice", "inv-1")
    link.state, link.pushed_version, link.remote_id = state, 1, "xero-guid-1"
    link.attempts, link.next_attempt_at = 5, NOW + timedelta(hours=2)
    later = NOW + timedelta(minutes=5)
    ctx = apply(invoiced, invoice_updated(reference="changed"), now=later)
    assert invoiced.link("invoice", "inv-1") is link
    assert (link.state, link.version, link.attempts, link.next_attempt_at, link.updated_at) == (
        "pending", 2, 0, None, later)
    assert (link.remote_id, link.pushed_version) == ("xero-guid-1", 1)  # where it lives stays known
    assert ctx.to_sync == {"xero"}


def test_invoice_updated_of_an_unknown_invoice_is_refused(invoiced):
    # a new contact too: the refusal must come before the contact would be stored
    assert_refused(invoiced, invoice_updated("inv-9", contact=contact_data("cust-9")), "'inv-9'", "unknown", "invoice-created")
    assert invoiced.get_contact(TENANT, "cust-9") is None


def test_updating_a_voided_invoice_is_refused(invoiced):
    apply(invoiced, invoice_voided())
    assert_refused(invoiced, invoice_updated(contact=contact_data(name="Renamed")), "'inv-1'", "voided")
    assert_refused(invoiced, invoice_created(reference="again"), "'inv-1'", "voided")


def test_moving_an_invoice_to_the_other_ledger_is_refused(invoiced):
    assert_refused(invoiced, invoice_updated(ledger="purchase", contact=contact_data(name="Renamed")),
                   "'inv-1'", "sales", "purchase")


def test_contact_name_change_bumps_the_contact_only(invoiced):
    ctx = apply(invoiced, invoice_updated(contact=contact_data(name="Harbourside Dental Group")))
    contact = invoiced.get_contact(TENANT, "cust-1")
    assert (contact.name, contact.version) == ("Harbourside Dental Group", 2)
    assert (invoiced.link("contact", "cust-1").state, invoiced.link("contact", "cust-1").version) == ("pending", 2)
    assert invoice(invoiced).version == 1  # the invoice's own content did not change
    assert len(invoiced.contacts) == 1
    assert ctx.to_sync == {"xero"}


def test_contact_unchanged_on_a_second_invoice_keeps_its_version(invoiced):
    link = invoiced.link("contact", "cust-1")
    link.state = "pushed"
    apply(invoiced, invoice_created("inv-2"))
    assert invoiced.get_contact(TENANT, "cust-1").version == 1
    assert link.state == "pushed"
    assert invoice(invoiced, "inv-2").contact is invoice(invoiced).contact


def test_contact_on_a_bill_too_becomes_customer_and_supplier(invoiced):
    apply(invoiced, invoice_created("bill-1", ledger="purchase"))
    contact = invoiced.get_contact(TENANT, "cust-1")
    assert (contact.is_customer, contact.is_supplier, contact.version) == (True, True, 2)


def test_invoice_can_move_to_another_contact(invoiced):
    apply(invoiced, invoice_updated(contact=contact_data("cust-2", "Someone Else")))
    stored = invoice(invoiced)
    assert stored.contact is invoiced.get_contact(TENANT, "cust-2")
    assert stored.version == 2
    assert invoiced.link("contact", "cust-2").state == "pending"


# --- payment-received ----------------------------------------------------------------------------------

def test_payment_is_stored_against_its_invoice_and_queued(invoiced):
    event = payment_received(amount="100.00", reference="DD 1")
    ctx = apply(invoiced, event)
    stored = payment(invoiced)
    assert stored.invoice is invoice(invoiced)
    assert invoice(invoiced).payments == [stored]
    assert (stored.amount, stored.discount, stored.currency, stored.date, stored.account_code, stored.reference) == (
        Decimal("100.00"), Decimal("0"), "AUD", date(2026, 3, 14), "090", "DD 1")
    assert (stored.status, stored.origin, stored.version, stored.last_event_id) == ("active", "local", 1, event.id)
    link = invoiced.link("payment", "pay-1")
    assert (link.state, link.version) == ("pending", 1)
    assert ctx.to_sync == {"xero"}


def test_payment_for_a_records_only_tenant_is_stored_without_a_link(repo):
    apply(repo, invoice_created(), payment_received(), config=RECORDS_ONLY)
    assert payment(repo).amount == Decimal("100.00")
    assert repo.links == {}


def test_payment_on_an_unknown_invoice_is_refused(invoiced):
    assert_refused(invoiced, payment_received("pay-1", "inv-404"), "'pay-1'", "'inv-404'", "unknown")


def test_payment_on_a_draft_invoice_is_refused(repo):
    apply(repo, invoice_created(status="draft"))
    assert_refused(repo, payment_received(), "'pay-1'", "'inv-1'", "draft")


def test_payment_on_a_voided_invoice_is_refused(invoiced):
    apply(invoiced, invoice_voided())
    assert_refused(invoiced, payment_received(), "'pay-1'", "'inv-1'", "voided")


def test_payment_in_another_currency_is_refused(invoiced):
    assert_refused(invoiced, payment_received(currency="NZD"), "'pay-1'", "'inv-1'", "NZD", "AUD")


@pytest.mark.parametrize("amount, discount", [("264.01", None), ("260.00", "4.01"), ("0.01", "264.00")])
def test_overpayment_is_refused(invoiced, amount, discount):
    extra = {"discount": discount} if discount else {}
    assert_refused(invoiced, payment_received(amount=amount, **extra), "'pay-1'", "'inv-1'", "overpay", "264.00")


def test_payment_with_discount_may_settle_the_invoice_exactly(invoiced):
    apply(invoiced, payment_received(amount="260.00", discount="4.00"))
    assert (payment(invoiced).amount, payment(invoiced).discount) == (Decimal("260.00"), Decimal("4.00"))


def test_partial_payments_are_accepted_up_to_the_total(invoiced):
    apply(invoiced, payment_received("pay-1", amount="100.00"), payment_received("pay-2", amount="164.00"))
    assert sum(p.amount for p in invoice(invoiced).payments) == TOTAL
    error = assert_refused(invoiced, payment_received("pay-3", amount="0.01"), "'pay-3'", "'inv-1'")
    assert "already paid 264.00" in str(error)


def test_identical_payment_replay_is_a_no_op(invoiced):
    apply(invoiced, payment_received())
    invoiced.link("payment", "pay-1").state = "pushed"
    before = invoiced.snapshot()
    ctx = apply(invoiced, payment_received())
    assert invoiced.snapshot() == before
    assert payment(invoiced).version == 1
    assert ctx.to_sync == set()


def test_changed_payment_replaces_its_amount_without_counting_itself(invoiced):
    apply(invoiced, payment_received(amount="200.00"))
    update = payment_received(amount="264.00")  # 200 + 264 would overpay; the payment replaces itself
    apply(invoiced, update)
    stored = payment(invoiced)
    assert (stored.amount, stored.version, stored.last_event_id) == (TOTAL, 2, update.id)
    assert len(invoice(invoiced).payments) == 1
    assert (invoiced.link("payment", "pay-1").state, invoiced.link("payment", "pay-1").version) == ("pending", 2)


def test_payment_id_reused_for_another_invoice_is_refused(invoiced):
    apply(invoiced, invoice_created("inv-2"), payment_received("pay-1", "inv-1"))
    assert_refused(invoiced, payment_received("pay-1", "inv-2"), "'pay-1'", "another invoice")


# --- payment-removed -------------------------------------------------------------------------------------

def test_payment_removed_marks_it_removed_and_requeues(invoiced):
    apply(invoiced, payment_received())
    invoiced.link("payment", "pay-1").state = "pushed"
    event = payment_removed()
    ctx = apply(invoiced, event)
    stored = payment(invoiced)
    assert (stored.status, stored.version, stored.last_event_id) == ("removed", 2, event.id)
    assert invoice(invoiced).payments == [stored]  # kept, as history
    assert (invoiced.link("payment", "pay-1").state, invoiced.link("payment", "pay-1").version) == ("pending", 2)
    assert ctx.to_sync == {"xero"}


def test_removed_payment_frees_its_amount(invoiced):
    apply(invoiced, payment_received("pay-1", amount="264.00"), payment_removed("pay-1"))
    apply(invoiced, payment_received("pay-2", amount="264.00"))
    assert payment(invoiced, "pay-2").status == "active"


def test_payment_removed_twice_is_a_no_op(invoiced):
    apply(invoiced, payment_received(), payment_removed())
    before = invoiced.snapshot()
    ctx = apply(invoiced, payment_removed())
    assert invoiced.snapshot() == before
    assert ctx.to_sync == set()


def test_removed_payment_received_again_is_active_again(invoiced):
    apply(invoiced, payment_received(), payment_removed(), payment_received())
    assert (payment(invoiced).status, payment(invoiced).version) == ("active", 3)


def test_removing_an_unknown_payment_is_refused(invoiced):
    assert_refused(invoiced, payment_removed("pay-404"), "'pay-404'", "unknown")


# --- invoice-voided --------------------------------------------------------------------------------------

def test_voiding_an_invoice_with_an_active_payment_is_refused(invoiced):
    apply(invoiced, payment_received())
    assert_refused(invoiced, invoice_voided(), "'inv-1'", "payment-removed")


def test_voiding_after_the_payment_is_removed(invoiced):
    apply(invoiced, payment_received(), payment_removed())
    invoiced.link("invoice", "inv-1").state = "pushed"
    event = invoice_voided(reason="wrong customer")
    ctx = apply(invoiced, event)
    stored = invoice(invoiced)
    assert (stored.status, stored.version, stored.last_event_id) == ("voided", 2, event.id)
    assert (invoiced.link("invoice", "inv-1").state, invoiced.link("invoice", "inv-1").version) == ("pending", 2)
    assert ctx.to_sync == {"xero"}


def test_voiding_twice_is_a_no_op(invoiced):
    apply(invoiced, invoice_voided())
    before = invoiced.snapshot()
    ctx = apply(invoiced, invoice_voided())
    assert invoiced.snapshot() == before
    assert ctx.to_sync == set()


def test_voiding_an_unknown_invoice_is_refused(invoiced):
    assert_refused(invoiced, invoice_voided("inv-404"), "'inv-404'", "unknown")


def test_voiding_for_a_records_only_tenant_queues_nothing(repo):
    ctx = apply(repo, invoice_created(), invoice_voided(), config=RECORDS_ONLY)
    assert invoice(repo).status == "voided"
    assert repo.links == {} and ctx.to_sync == set()


# --- updates of paid invoices --------------------------------------------------------------------------------

@pytest.mark.parametrize("change, needle", [
    ({"lines": [line_data("Labour", "1", "50.00", "5.00")]}, "55.00"),  # total below the 100.00 paid
    ({"status": "draft"}, "draft"),
    ({"currency": "NZD"}, "NZD"),
], ids=["total-below-paid", "back-to-draft", "currency"])
def test_update_that_would_break_a_payment_is_refused(invoiced, change, needle):
    apply(invoiced, payment_received(amount="100.00"))
    assert_refused(invoiced, invoice_updated(contact=contact_data(name="Renamed"), **change),
                   "'inv-1'", "100.00", needle, "payment-removed")


def test_paid_invoice_may_still_change_within_its_payments(invoiced):
    apply(invoiced, payment_received(amount="100.00"))
    apply(invoiced, invoice_updated(lines=[line_data("Labour", "1", "90.91", "9.09")], reference="fixed"))
    assert (invoice(invoiced).total, invoice(invoiced).version) == (Decimal("100.00"), 2)


def test_unpaid_again_invoice_may_go_back_to_draft(invoiced):
    apply(invoiced, payment_received(), payment_removed(), invoice_updated(status="draft"))
    assert invoice(invoiced).status == "draft"


# --- reconciliation-requested --------------------------------------------------------------------------------

def test_reconciliation_requested_creates_a_run(repo):
    event = reconciliation_requested(kind="payments", fix=True, ledger="sales")
    ctx = apply(repo, event)
    assert len(repo.runs) == 1
    run = repo.runs[0]
    assert isinstance(run, ReconciliationRun)
    assert (run.tenant, run.kind, run.date_from, run.date_to, run.fix, run.ledger) == (
        TENANT, "payments", date(2026, 3, 1), date(2026, 3, 31), True, "sales")
    assert (run.trigger, run.status, run.event_id, run.requested_at) == ("bus", "requested", event.id, NOW)
    assert (run.started_at, run.finished_at) == (None, None)
    assert ctx.to_sync == set()


def test_reconciliation_for_a_tenant_without_accounting_is_refused(invoiced):
    event = reconciliation_requested()
    ctx = apply(invoiced, event, config=RECORDS_ONLY)
    (run,) = invoiced.runs
    assert run.status == "refused" and "no accounting package" in run.reason
    (notification,) = ctx.emitted
    assert notification[0] == "reconciliation-completed"
    assert notification[1]["status"] == "refused" and notification[1]["requested_by"] == event.id


def test_reconciliation_the_edition_cannot_do_is_refused_by_name(repo):
    def essentials(tenant, capability):
        return f"tenant {tenant.slug!r} uses myob edition 'essentials', which does not support {capability}"

    ctx = context(repo)
    ctx.refusal = essentials
    HANDLERS["reconciliation-requested"](reconciliation_requested(kind="invoices"), ctx)
    (run,) = repo.runs
    assert run.status == "refused" and "does not support reconcile_invoices" in run.reason
    assert ctx.emitted[0][1]["reason"] == run.reason and ctx.emitted[0][1]["kind"] == "invoices"
    assert ctx.to_sync == set()
