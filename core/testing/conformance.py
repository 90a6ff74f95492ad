"""Reusable tests every accounting connector must pass (subclass :class:`ConnectorConformance`).

Modelled on eventsourcing's recorder test cases: the kit holds the tests, a plugin's test module
subclasses it and supplies fixtures for its own connector and sandbox::

    from core.testing import ConnectorConformance

    class TestMyConnector(ConnectorConformance):
        @pytest.fixture
        def package(self):
            return MY_PACKAGE

        @pytest.fixture
        def sandbox(self):               # a fresh sandbox per test
            return MySandbox()

        @pytest.fixture
        def control(self, sandbox):      # a core.testing.SandboxControl for it
            return sandbox.control

        @pytest.fixture
        def connector(self, package, edition, sandbox):
            return package.connect(tenant_context(package, edition, {"api_url": ...}))

Optional fixture: ``edition`` (default: the package's default edition; parametrize it to run
the kit per edition). Class attributes name account codes valid in the sandbox's chart.
Tests for a capability the edition does not advertise check that it is refused instead.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any, Callable

import pytest

from core.accounting import (
    ALL, OPERATION_CAPABILITIES, AccountingError, AccountingPackage, Capability, Connector, FixOutcome, Invoice, PackageSettings, Period,
    PermanentError, Posting, PushResult, Refusal, TenantContext, TransientError, Unsupported,
)
from core.testing.control import SandboxControl
from core.testing.documents import ISSUED, sample_contact, sample_invoice, sample_payment

OUTAGE_CALLS = 10
PERIOD = Period(ISSUED - timedelta(days=1), ISSUED + timedelta(days=40))

def tenant_context(package: AccountingPackage, edition: str | None = None, options: dict[str, Any] | None = None,
                   *, slug: str = "conformance", secrets: dict[str, str] | None = None,
                   outgoing: Callable[[Any, dict], dict] | None = None) -> TenantContext:
    """A :class:`TenantContext` for tests, as the core would build it from tenants.toml."""
    edition = edition or package.default_edition
    settings: PackageSettings = package.settings.model_validate(options or {})
    return TenantContext(
        slug=slug, name=f"{slug} (tests)", base_currency="AUD", financial_year_start="07-01", package=package.name,
        edition=edition, capabilities=package.capabilities(edition), options=settings,
        secret=lambda name: (secrets or {}).get(name),
        outgoing=outgoing or (lambda document, payload: payload))


def outcome(call: Callable[[], list[PushResult]]) -> tuple[str, PushResult | AccountingError]:
    """``("ok" | "transient" | "permanent", result or error)`` for a one-element batch call."""
    try:
        results = call()
    except TransientError as exc:
        return "transient", exc
    except AccountingError as exc:  # PermanentError (NeedsReauth does not belong in these tests)
        return "permanent", exc
    assert len(results) == 1, f"a one-element batch must give one result, got {len(results)}"
    result = results[0]
    assert isinstance(result, PushResult), f"expected PushResult, got {type(result).__name__}"
    return ("ok" if result.ok else result.error.kind), result  # type: ignore[union-attr]


class ConnectorConformance:
    """The contract, as tests. Provide fixtures ``package``, ``connector``, ``control`` (and ``edition``)."""

    sales_account = "200"
    purchase_account = "400"
    bank_account = "090"
    sales_tax_code: str | None = "OUTPUT"
    purchase_tax_code: str | None = "INPUT"
    receivable_account = "610"  # control account of the sales ledger in the sandbox's chart

    # -- fixtures a subclass may override ------------------------------------------------------------
    @pytest.fixture
    def edition(self, package: AccountingPackage) -> str:
        return package.default_edition

    @pytest.fixture
    def capabilities(self, package: AccountingPackage, edition: str) -> frozenset[Capability]:
        return package.capabilities(edition)

    # -- helpers ------------------------------------------------------------------------------------
    def need(self, capabilities: frozenset[Capability], capability: Capability) -> None:
        if capability not in capabilities:
            pytest.skip(f"the edition does not advertise {capability.value} (refusal is checked separately)")

    def pushed(self, call: Callable[[], list[PushResult]]) -> PushResult:
        kind, result = outcome(call)
        assert kind == "ok", f"push failed ({kind}): {result}"
        assert isinstance(result, PushResult) and result.remote_id, "a pushed document needs its remote id"
        return result

    def contact(self, connector: Connector, *, supplier: bool = False, name: str | None = None):
        contact = sample_contact(name or f"Conformance {uuid.uuid4().hex[:8]}", supplier=supplier)
        result = self.pushed(lambda: connector.push_contacts([contact]))
        return replace(contact, remote_id=result.remote_id)

    def invoice(self, connector: Connector, number: str | None = None, *, ledger: str = "sales", **fields) -> Invoice:
        contact = self.contact(connector, supplier=ledger == "purchase")
        account = self.sales_account if ledger == "sales" else self.purchase_account
        tax_code = self.sales_tax_code if ledger == "sales" else self.purchase_tax_code
        return sample_invoice(number or f"CF-{uuid.uuid4().hex[:8].upper()}", contact, ledger=ledger,
                              account=account, tax_code=tax_code, **fields)

    def push_invoice(self, connector: Connector, invoice: Invoice) -> Invoice:
        result = self.pushed(lambda: connector.push_invoices([invoice]))
        return replace(invoice, remote_id=result.remote_id, remote_version=result.remote_version)

    def fetched(self, connector: Connector, number: str, period: Period = PERIOD) -> Invoice:
        found = [i for i in connector.fetch_invoices(period) if i.number == number]
        assert len(found) == 1, f"expected invoice {number} once in the package, found {len(found)}"
        return found[0]

    # -- advertising -----------------------------------------------------------------------------
    def test_control_implements_the_protocol(self, control):
        assert isinstance(control, SandboxControl), "the control fixture must implement core.testing.SandboxControl"

    def test_advertised_capabilities_are_in_the_vocabulary(self, package, edition, capabilities):
        assert edition in package.editions
        assert capabilities <= ALL

    def test_capabilities_not_advertised_are_refused(self, package, edition, capabilities, connector):
        context = replace(getattr(connector, "context", None) or tenant_context(package, edition),
                          capabilities=capabilities, edition=edition)
        for capability in ALL - capabilities:
            with pytest.raises(Unsupported, match=capability.value):
                context.require(capability)
        contact = sample_contact("Refused Ltd", remote_id="remote-1")
        invoice = sample_invoice("CF-REFUSED", contact, remote_id="remote-2")
        calls = {
            "push_contacts": lambda: connector.push_contacts([contact]),
            "push_invoices": lambda: connector.push_invoices([invoice]),
            "void_invoices": lambda: connector.void_invoices([invoice]),
            "push_payments": lambda: connector.push_payments([sample_payment(invoice, "remote-2")]),
            "remove_payments": lambda: connector.remove_payments(
                [replace(sample_payment(invoice, "remote-2"), remote_id="remote-3", status="removed")]),
            "fetch_invoices": lambda: list(connector.fetch_invoices(PERIOD)),
            "fetch_payments": lambda: list(connector.fetch_payments(PERIOD)),
            "ledger_postings": lambda: list(connector.ledger_postings(PERIOD, [self.receivable_account])),
            "fix_invoice": lambda: connector.fix_invoice(invoice, invoice),
        }
        for operation, needs in OPERATION_CAPABILITIES.items():
            if needs & capabilities:
                continue
            try:
                calls[operation]()
            except (NotImplementedError, Unsupported, AccountingError):
                continue
            pytest.fail(f"{operation} is not advertised by edition {edition!r} but did not refuse")

    # -- push idempotency ---------------------------------------------------------------------------
    # Documents the core sends again carry ``previous_attempts`` > 0: the connector must then make
    # sure the first send did not already create them (look up by number before creating).
    def test_same_invoice_pushed_twice_exists_once(self, connector, control, capabilities):
        self.need(capabilities, Capability.PUSH_INVOICES)
        invoice = self.invoice(connector)
        before = control.count("invoice")
        first = self.pushed(lambda: connector.push_invoices([invoice]))
        again = replace(invoice, previous_attempts=1)  # as the core sends it after an unrecorded success
        second = self.pushed(lambda: connector.push_invoices([again]))
        assert second.remote_id == first.remote_id
        assert control.count("invoice") == before + 1

    def test_same_contact_pushed_twice_exists_once(self, connector, control, capabilities):
        self.need(capabilities, Capability.PUSH_INVOICES)
        contact = sample_contact(f"Twice {uuid.uuid4().hex[:6]}")
        before = control.count("contact")
        first = self.pushed(lambda: connector.push_contacts([contact]))
        again = replace(contact, idempotency_key=str(uuid.uuid4()))
        second = self.pushed(lambda: connector.push_contacts([again]))
        assert second.remote_id == first.remote_id
        assert control.count("contact") == before + 1

    @pytest.mark.parametrize("new_key", [False, True], ids=["same-key", "key-expired"])
    def test_repush_after_lost_response_exists_once(self, connector, control, capabilities, new_key):
        self.need(capabilities, Capability.PUSH_INVOICES)
        invoice = self.invoice(connector)
        before = control.count("invoice")
        control.fail_next("lost_response")
        kind, _ = outcome(lambda: connector.push_invoices([invoice]))
        assert kind in ("ok", "transient"), "a lost answer is transient (unless the connector's own retry healed it)"
        assert control.count("invoice") == before + 1, "the lost write was applied once"
        retry = replace(invoice, previous_attempts=1)
        if new_key:  # the package's idempotency cache has forgotten the key by now
            retry = replace(retry, idempotency_key=str(uuid.uuid4()))
        self.pushed(lambda: connector.push_invoices([retry]))
        assert control.count("invoice") == before + 1

    def test_payment_pushed_twice_exists_once(self, connector, control, capabilities):
        self.need(capabilities, Capability.PUSH_PAYMENTS)
        self.need(capabilities, Capability.PUSH_INVOICES)
        invoice = self.push_invoice(connector, self.invoice(connector))
        payment = sample_payment(invoice, invoice.remote_id, Decimal("40.00"), account=self.bank_account)
        before = control.count("payment")
        control.fail_next("lost_response")
        kind, _ = outcome(lambda: connector.push_payments([payment]))
        assert kind in ("ok", "transient")
        payment = replace(payment, previous_attempts=1)
        first = self.pushed(lambda: connector.push_payments([payment]))
        second = self.pushed(lambda: connector.push_payments([replace(payment, previous_attempts=2)]))
        assert first.remote_id == second.remote_id
        assert control.count("payment") == before + 1

    # -- error classes ------------------------------------------------------------------------------
    def test_outage_is_transient(self, connector, control, capabilities):
        self.need(capabilities, Capability.PUSH_INVOICES)
        invoice = self.invoice(connector)
        before = control.count("invoice")
        control.fail_next("transient", OUTAGE_CALLS)  # longer than any connector's own quick retries
        kind, error = outcome(lambda: connector.push_invoices([invoice]))
        assert kind == "transient", f"an outage must be transient, got {kind}: {error}"
        assert control.count("invoice") == before

    def test_rejection_is_permanent_with_the_package_text(self, connector, control, capabilities):
        self.need(capabilities, Capability.PUSH_INVOICES)
        invoice = self.invoice(connector)
        control.fail_next("permanent")
        kind, error = outcome(lambda: connector.push_invoices([invoice]))
        assert kind == "permanent", f"a validation error must be permanent, got {kind}: {error}"
        message = error.message if isinstance(error, PermanentError) else error.error.message  # type: ignore
        assert message.strip(), "a permanent error must carry the package's own text"

    # -- fetch --------------------------------------------------------------------------------------
    def test_fetch_crosses_page_boundaries(self, connector, control, capabilities):
        self.need(capabilities, Capability.FETCH_INVOICES)
        self.need(capabilities, Capability.PUSH_INVOICES)
        control.set_page_size(2)
        numbers = []
        for _ in range(5):
            invoice = self.push_invoice(connector, self.invoice(connector))
            numbers.append(invoice.number)
        fetched = [i.number for i in connector.fetch_invoices(PERIOD) if i.number in numbers]
        assert sorted(fetched) == sorted(numbers), "every invoice exactly once across pages"

    def test_amounts_round_trip_as_decimal(self, connector, capabilities):
        self.need(capabilities, Capability.FETCH_INVOICES)
        self.need(capabilities, Capability.PUSH_INVOICES)
        invoice = self.push_invoice(connector, self.invoice(connector))
        remote = self.fetched(connector, invoice.number)
        for name in ("subtotal", "tax_total", "total"):
            value = getattr(remote, name)
            assert isinstance(value, Decimal), f"{name} must be Decimal, got {type(value).__name__}"
            assert value == getattr(invoice, name), f"{name}: sent {getattr(invoice, name)}, got {value}"
        assert [line.line_amount for line in remote.lines] == [line.line_amount for line in invoice.lines]
        assert all(isinstance(line.quantity, Decimal) and isinstance(line.unit_price, Decimal) for line in remote.lines)
        assert remote.remote_id == invoice.remote_id and remote.contact.name == invoice.contact.name

    def test_fetch_payments(self, connector, capabilities):
        self.need(capabilities, Capability.FETCH_PAYMENTS)
        self.need(capabilities, Capability.PUSH_PAYMENTS)
        invoice = self.push_invoice(connector, self.invoice(connector))
        payment = sample_payment(invoice, invoice.remote_id, Decimal("10.05"), account=self.bank_account)
        pushed = self.pushed(lambda: connector.push_payments([payment]))
        found = [p for p in connector.fetch_payments(PERIOD) if p.remote_id == pushed.remote_id]
        assert len(found) == 1
        assert found[0].amount == Decimal("10.05") and isinstance(found[0].amount, Decimal)
        assert found[0].invoice.remote_id == invoice.remote_id

    # -- the other advertised operations --------------------------------------------------------------
    def test_push_bill(self, connector, control, capabilities):
        self.need(capabilities, Capability.PUSH_BILLS)
        before = control.count("invoice")
        self.push_invoice(connector, self.invoice(connector, ledger="purchase"))
        assert control.count("invoice") == before + 1

    def test_update_invoice(self, connector, capabilities):
        self.need(capabilities, Capability.UPDATE_INVOICES)
        invoice = self.push_invoice(connector, self.invoice(connector))
        changed = replace(invoice, reference="Job 1042 (revised)", version=2, idempotency_key=str(uuid.uuid4()))
        result = self.pushed(lambda: connector.push_invoices([changed]))
        assert result.remote_id == invoice.remote_id, "an update must not create a second document"
        if Capability.FETCH_INVOICES in capabilities:
            assert self.fetched(connector, invoice.number).reference == "Job 1042 (revised)"

    def test_void_invoice(self, connector, control, capabilities):
        self.need(capabilities, Capability.VOID_INVOICES)
        invoice = self.push_invoice(connector, self.invoice(connector))
        before = control.count("invoice")
        voided = replace(invoice, status="voided", version=2, idempotency_key=str(uuid.uuid4()))
        self.pushed(lambda: connector.void_invoices([voided]))
        assert control.count("invoice") == before - 1, "a voided document no longer counts as live"

    def test_remove_payment(self, connector, control, capabilities):
        self.need(capabilities, Capability.PUSH_PAYMENTS)
        invoice = self.push_invoice(connector, self.invoice(connector))
        payment = sample_payment(invoice, invoice.remote_id, Decimal("20.00"), account=self.bank_account)
        pushed = self.pushed(lambda: connector.push_payments([payment]))
        before = control.count("payment")
        removed = replace(payment, remote_id=pushed.remote_id, status="removed", version=2)
        kind, result = outcome(lambda: connector.remove_payments([removed]))
        assert kind == "ok", result
        assert control.count("payment") == before - 1

    def test_ledger_postings_follow_documents(self, connector, capabilities):
        self.need(capabilities, Capability.LEDGER_POSTINGS)
        self.need(capabilities, Capability.PUSH_INVOICES)

        def balance() -> Decimal:
            postings = list(connector.ledger_postings(PERIOD, [self.receivable_account]))
            assert all(isinstance(p, Posting) and isinstance(p.amount, Decimal) for p in postings)
            return sum((p.amount for p in postings if p.account_code == self.receivable_account), Decimal(0))

        before = balance()
        invoice = self.push_invoice(connector, self.invoice(connector))
        assert balance() - before == invoice.total, "an authorised invoice debits the receivable account by its total"

    # -- fix ----------------------------------------------------------------------------------------
    def test_fix_brings_the_remote_document_in_line(self, connector, capabilities):
        self.need(capabilities, Capability.FIX_DISCREPANCIES)
        invoice = self.push_invoice(connector, self.invoice(connector))
        remote = self.fetched(connector, invoice.number)
        local = replace(invoice, reference="Corrected reference", version=2, idempotency_key=str(uuid.uuid4()))
        result = connector.fix_invoice(local, remote)
        assert isinstance(result, FixOutcome) and result.fixed, result
        assert self.fetched(connector, invoice.number).reference == "Corrected reference"

    def test_fix_in_a_locked_period_is_refused_with_a_reason(self, connector, control, capabilities):
        self.need(capabilities, Capability.FIX_DISCREPANCIES)
        invoice = self.push_invoice(connector, self.invoice(connector))
        remote = self.fetched(connector, invoice.number)
        control.lock_until(invoice.issue_date + timedelta(days=1))
        local = replace(invoice, reference="Too late", version=2, idempotency_key=str(uuid.uuid4()))
        result = connector.fix_invoice(local, remote)
        assert isinstance(result, FixOutcome)
        assert not result.fixed and result.reason == Refusal.LOCKED_PERIOD, result
        assert result.message.strip(), "a refusal carries the package's text"
