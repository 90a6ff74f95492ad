"""The closed vocabulary of what an accounting package can do, and the refusal when it can't.

Every package edition advertises a set of :class:`Capability`. The core asks before it acts
(:func:`require`); an unsupported request is refused with :class:`Unsupported`, which names the
package, the edition and the capability — never a traceback, never a silent no-op.
"""

from __future__ import annotations

from enum import StrEnum


class Capability(StrEnum):
    """What a package edition lets ledgerbridge do. The vocabulary is closed: plugins pick from it."""

    PUSH_INVOICES = "push_invoices"            # create sales invoices (and their contacts)
    PUSH_BILLS = "push_bills"                  # create purchase invoices / bills (and their suppliers)
    PUSH_PAYMENTS = "push_payments"            # create payments against pushed documents; remove them
    UPDATE_INVOICES = "update_invoices"        # change an already pushed invoice or bill
    VOID_INVOICES = "void_invoices"            # void an already pushed invoice or bill
    FETCH_INVOICES = "fetch_invoices"          # read invoices/bills for a period, or changed since
    FETCH_PAYMENTS = "fetch_payments"          # read payments for a period, or changed since
    PULL_PAYMENTS = "pull_payments"            # record payments entered in the package locally
    RECONCILE_INVOICES = "reconcile_invoices"  # the invoice reconciliation report
    RECONCILE_PAYMENTS = "reconcile_payments"  # the payments report
    FIX_DISCREPANCIES = "fix_discrepancies"    # bring a differing remote document in line (--fix)
    LEDGER_POSTINGS = "ledger_postings"        # control-account postings (open-invoices report)
    WEBHOOKS = "webhooks"                      # the package notifies changes (signed webhooks)


DESCRIPTIONS: dict[Capability, str] = {
    Capability.PUSH_INVOICES: "create sales invoices and their customers",
    Capability.PUSH_BILLS: "create bills (purchase invoices) and their suppliers",
    Capability.PUSH_PAYMENTS: "create and remove payments against pushed invoices and bills",
    Capability.UPDATE_INVOICES: "update invoices and bills that were already pushed",
    Capability.VOID_INVOICES: "void invoices and bills that were already pushed",
    Capability.FETCH_INVOICES: "read invoices and bills for a period or changed since a time",
    Capability.FETCH_PAYMENTS: "read payments for a period or changed since a time",
    Capability.PULL_PAYMENTS: "bring payments entered in the package into the local ledger",
    Capability.RECONCILE_INVOICES: "run the invoice reconciliation report",
    Capability.RECONCILE_PAYMENTS: "run the payments report",
    Capability.FIX_DISCREPANCIES: "fix differing documents in the package (--fix)",
    Capability.LEDGER_POSTINGS: "read control-account postings (open-invoices report)",
    Capability.WEBHOOKS: "receive change notifications from the package",
}

#: Everything; an edition that can do it all advertises this.
ALL = frozenset(Capability)


def parse_capabilities(names: object) -> frozenset[Capability]:
    """Capabilities from names, refusing anything outside the vocabulary (plugin mistakes show early)."""
    result = set()
    for name in names:  # type: ignore[attr-defined]
        try:
            result.add(Capability(name))
        except ValueError:
            known = ", ".join(c.value for c in Capability)
            raise ValueError(f"unknown capability {name!r} (known: {known})") from None
    return frozenset(result)


class Unsupported(Exception):
    """A request the tenant's package edition cannot serve."""

    def __init__(self, package: str, edition: str, capability: Capability | str, *, tenant: str | None = None):
        self.package, self.edition, self.capability, self.tenant = package, edition, Capability(capability), tenant
        who = f"tenant {tenant!r} uses " if tenant else ""
        super().__init__(
            f"{who}{package} edition {edition!r}, which does not support {self.capability.value} "
            f"({DESCRIPTIONS[self.capability]})")


def require(package: str, edition: str, advertised: frozenset[Capability], capability: Capability | str,
            *, tenant: str | None = None) -> None:
    """Raise :class:`Unsupported` unless *capability* is among the *advertised* ones."""
    if Capability(capability) not in advertised:
        raise Unsupported(package, edition, capability, tenant=tenant)
