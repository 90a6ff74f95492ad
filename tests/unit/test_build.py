"""core.db.build makes the same objects as the SQLModel constructors, only faster."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlmodel import Session, SQLModel, create_engine, select

from core.db.build import build
from core.db.models import Contact, ExternalLink, Invoice, InvoiceLine, Payment, ReconciliationRun
from core.repository import SqlRepository

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)

CASES = [
    (ExternalLink, dict(tenant="t", document_type="invoice", document_host_id="INV-1", package="xero", version=3,
                        created_at=NOW, updated_at=NOW)),
    (Contact, dict(tenant="t", host_id="C-1", name="Bob", is_customer=True, created_at=NOW, updated_at=NOW)),
    (InvoiceLine, dict(position=0, description="Labour", quantity=Decimal("1.5"), unit_price=Decimal("80.00"),
                       line_amount=Decimal("120.00"), account_code="200", tax_amount=Decimal("12.00"))),
    (ReconciliationRun, dict(tenant="t", kind="invoices", date_from=date(2026, 11, 1), date_to=date(2026, 11, 30),
                             trigger="bus", requested_at=NOW)),
]


@pytest.mark.parametrize("model, values", CASES, ids=[m.__name__ for m, _ in CASES])
def test_build_equals_the_constructor_column_by_column(model, values):
    built, constructed = build(model, **values), model(**values)
    for column in model.__table__.columns.keys():
        assert getattr(built, column) == getattr(constructed, column), column


def test_a_built_collection_is_the_starting_value_and_changes_like_a_loaded_one():
    lines = [build(InvoiceLine, **CASES[2][1]) for _ in range(2)]
    invoice = build(Invoice, tenant="t", host_id="INV-1", lines=lines)
    assert invoice.lines == lines and all(line.invoice is invoice for line in lines)
    invoice.lines.clear()
    invoice.lines.append(replacement := build(InvoiceLine, **CASES[2][1]))
    assert all(line.invoice is None for line in lines) and replacement.invoice is invoice


def test_defaults_and_default_factories_apply_when_building():
    before = datetime.now(UTC)
    first = build(ExternalLink, tenant="t", document_type="invoice", document_host_id="1", package="xero")
    second = build(ExternalLink, tenant="t", document_type="invoice", document_host_id="2", package="xero")
    after = datetime.now(UTC)
    assert (first.state, first.attempts, first.pushed_version, first.id) == ("pending", 0, 0, None)
    assert before <= first.created_at <= second.created_at <= after  # the factory ran for each object


def test_built_objects_keep_relationships_and_persist_through_the_repository():
    engine = create_engine("sqlite://")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        from core.db.models import Tenant

        session.add(Tenant(slug="t", name="T"))
        contact = build(Contact, tenant="t", host_id="C-1", name="Bob", created_at=NOW, updated_at=NOW)
        line = build(InvoiceLine, **CASES[2][1])
        invoice = build(Invoice, tenant="t", host_id="INV-1", number="1", ledger="sales", contact=contact,
                        issue_date=date(2026, 11, 2), due_date=date(2026, 11, 16), accounting_date=date(2026, 11, 2),
                        currency="AUD", amounts_are="exclusive", subtotal=Decimal("120.00"), tax_total=Decimal("12.00"),
                        total=Decimal("132.00"), status="authorised", last_event_id="e", lines=[line],
                        created_at=NOW, updated_at=NOW)
        payment = build(Payment, tenant="t", host_id="P-1", invoice=invoice, date=date(2026, 11, 5),
                        amount=Decimal("32.00"), currency="AUD", account_code="090", discount=Decimal(0),
                        last_event_id="e", created_at=NOW, updated_at=NOW)
        assert line.invoice is invoice and invoice.lines == [line] and invoice.payments == [payment]
        repo = SqlRepository(session)
        for obj in (contact, invoice, payment):
            repo.add(obj)
        repo.save()
        session.commit()
    with Session(engine) as session:
        stored = session.exec(select(Invoice)).one()
        assert stored.contact.name == "Bob" and stored.version == 1
        assert [l.line_amount for l in stored.lines] == [Decimal("120.00")]
        assert [p.amount for p in stored.payments] == [Decimal("32.00")]
