"""The per-tenant connection to one accounting package: what a plugin implements.

A connector is built by the package's factory for one tenant (see
:class:`core.accounting.package.AccountingPackage`) and holds that tenant's per-connection state —
tokens, HTTP client, rate limiter. It only ever receives that tenant's documents.

Batch methods take a sequence and return one :class:`PushResult` per element, in order, so a
package that accepts batches (Xero: 50 per call) can use them and one that doesn't loops. A
failure of the whole call raises :mod:`core.accounting.errors`; a failure of one element is that
element's ``PushResult.error``.

A connector only needs the methods its advertised capabilities use; :class:`BaseConnector`
refuses the rest, and the core never calls a method whose capability is not advertised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Literal, Protocol, Sequence, runtime_checkable

if TYPE_CHECKING:
    from core.accounting.package import TenantContext

from core.accounting.capabilities import Capability
from core.accounting.errors import TransientError
from core.accounting.documents import Contact, Invoice, Ledger, OrganisationFacts, Payment, Period, Posting


@dataclass(frozen=True, slots=True)
class ElementError:
    """Why one element of a batch was not accepted."""

    kind: Literal["transient", "permanent"]
    message: str  # the package's own text


@dataclass(frozen=True, slots=True)
class PushResult:
    """The outcome for one pushed document: its remote id and version, or an error."""

    remote_id: str | None = None
    remote_version: str | None = None
    error: ElementError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class Refusal(StrEnum):
    """Why a package will not change a document to match the local one."""

    LOCKED_PERIOD = "locked_period"            # the date falls in a locked / closed period
    RECONCILED_PAYMENT = "reconciled_payment"  # a payment on it is reconciled in the bank feed
    TOO_OLD = "too_old"                        # older than the package lets an API change
    NOT_EDITABLE = "not_editable"              # e.g. paid, credited, voided or deleted remotely
    PACKAGE_ERROR = "package_error"            # the package said no in its own words


@dataclass(frozen=True, slots=True)
class FixOutcome:
    """Result of bringing one remote document in line: fixed, or refused for a typed reason."""

    fixed: bool
    reason: Refusal | None = None
    message: str = ""  # the package's text for a refusal, or what was changed
    remote_version: str | None = None

    @classmethod
    def done(cls, message: str = "", remote_version: str | None = None) -> "FixOutcome":
        return cls(True, None, message, remote_version)

    @classmethod
    def refused(cls, reason: Refusal | str, message: str) -> "FixOutcome":
        return cls(False, Refusal(reason), message)


@runtime_checkable
class Connector(Protocol):
    """One tenant's connection to one accounting package."""

    # --- push (capabilities push_invoices / push_bills / update_invoices / void_invoices / push_payments)
    def push_contacts(self, contacts: Sequence[Contact]) -> list[PushResult]:
        """Find each contact (by number, then name) or create it; never a duplicate."""

    def push_invoices(self, invoices: Sequence[Invoice]) -> list[PushResult]:
        """Create, or update when ``remote_id`` is set. Each invoice's contact has its ``remote_id``.

        Must be idempotent: a retry with the same ``idempotency_key`` — even after the first
        answer was lost — leaves exactly one remote document (look it up by number first)."""

    def void_invoices(self, invoices: Sequence[Invoice]) -> list[PushResult]:
        """Void documents that exist remotely (``remote_id`` set)."""

    def push_payments(self, payments: Sequence[Payment]) -> list[PushResult]:
        """Create payments; each ``payment.invoice.remote_id`` is set. Idempotent like invoices."""

    def remove_payments(self, payments: Sequence[Payment]) -> list[PushResult]:
        """Delete or reverse payments that exist remotely (``remote_id`` set)."""

    # --- fetch (fetch_invoices / fetch_payments / ledger_postings)
    def fetch_invoices(self, period: Period | None, ledger: Ledger | None = None, *,
                       modified_since: datetime | None = None) -> Iterator[Invoice]:
        """Every invoice/bill dated in *period* (all if None), or changed since *modified_since*,
        across every page."""

    def fetch_payments(self, period: Period | None, *, modified_since: datetime | None = None) -> Iterator[Payment]:
        """Every payment dated in *period* (all if None), or changed since *modified_since*."""

    def fetch_contacts(self, *, modified_since: datetime | None = None) -> Iterator[Contact]:
        """Every contact, or those changed since *modified_since*."""

    def ledger_postings(self, period: Period, accounts: Iterable[str]) -> Iterator[Posting]:
        """Postings on the given control accounts dated up to ``period.end`` (balances need the past)."""

    def organisation(self) -> OrganisationFacts:
        """Lock date, financial year and base currency of the company file."""

    # --- fix (fix_discrepancies)
    def fix_invoice(self, local: Invoice, remote: Invoice) -> FixOutcome:
        """Change *remote* to match *local* where the package allows; say why not otherwise."""

    # --- lifecycle
    def probe(self) -> None:
        """A cheap call that succeeds when the package answers (raises an AccountingError if not)."""

    def close(self) -> None:
        """Release connections."""


def one_by_one(documents: Sequence[Any], push_one: Callable[[Any], PushResult],
               permanent: tuple[type[Exception], ...] = ()) -> list[PushResult]:
    """Push *documents* one call each (packages without batch endpoints).

    An exception in *permanent* is that document's own error. An outage after some documents went
    through ends the run, the rest answering ``transient`` — so what was sent is still recorded;
    an outage before anything went through is raised for the whole call.
    """
    results: list[PushResult] = []
    for document in documents:
        try:
            results.append(push_one(document))
        except permanent as exc:
            results.append(PushResult(error=ElementError("permanent", str(exc))))
        except TransientError as exc:
            if not any(r.ok for r in results):
                raise
            results += [PushResult(error=ElementError("transient", exc.message))] * (len(documents) - len(results))
            break
    return results


#: Which capabilities make each connector operation legitimate (any one of them).
OPERATION_CAPABILITIES: dict[str, frozenset[Capability]] = {
    "push_contacts": frozenset({Capability.PUSH_INVOICES, Capability.PUSH_BILLS}),
    "push_invoices": frozenset({Capability.PUSH_INVOICES, Capability.PUSH_BILLS, Capability.UPDATE_INVOICES}),
    "void_invoices": frozenset({Capability.VOID_INVOICES}),
    "push_payments": frozenset({Capability.PUSH_PAYMENTS}),
    "remove_payments": frozenset({Capability.PUSH_PAYMENTS}),
    "fetch_invoices": frozenset({Capability.FETCH_INVOICES, Capability.RECONCILE_INVOICES,
                                 Capability.FIX_DISCREPANCIES}),
    "fetch_payments": frozenset({Capability.FETCH_PAYMENTS, Capability.PULL_PAYMENTS,
                                 Capability.RECONCILE_PAYMENTS}),
    "fetch_contacts": frozenset({Capability.FETCH_INVOICES, Capability.PUSH_INVOICES, Capability.PUSH_BILLS}),
    "ledger_postings": frozenset({Capability.LEDGER_POSTINGS}),
    "organisation": frozenset(Capability),
    "fix_invoice": frozenset({Capability.FIX_DISCREPANCIES}),
    "probe": frozenset(Capability),
}


class BaseConnector:
    """Convenience base: keeps the tenant's context, refuses operations its edition does not
    advertise (:meth:`allow`), and raises ``NotImplementedError`` for operations not overridden."""

    package = "?"

    def __init__(self, context: "TenantContext"):
        self.context = context

    def allow(self, operation: str, capability: Capability | None = None) -> None:
        """Raise :class:`Unsupported` unless the edition advertises *capability* (or, without one,
        any capability that makes *operation* legitimate)."""
        advertised = self.context.capabilities
        if capability is not None:
            self.context.require(capability)
        elif not OPERATION_CAPABILITIES[operation] & advertised:
            self.context.require(min(OPERATION_CAPABILITIES[operation]))

    def close(self) -> None:
        pass


def _not_implemented(name: str):
    def method(self, *args, **kwargs):
        raise NotImplementedError(f"the {self.package} connector does not implement {name}")
    method.__name__ = name
    return method


for _name in OPERATION_CAPABILITIES:
    setattr(BaseConnector, _name, _not_implemented(_name))
