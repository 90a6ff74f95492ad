"""Entity operations by name: read, create, update (full or sparse), delete, void — and rendering.

Used by the single-entity endpoints and by batch items alike. Every write checks the SyncToken of
the entity it changes (5010 when stale). Rendering adds what QBO derives on read (customer and
vendor ``Balance``, account ``CurrentBalance``).
"""

from __future__ import annotations

import copy
from typing import Any

from . import ledger, names, payments, sales
from .common import Ctx, check_sync_token, target
from .store import ENTITIES, TRANSACTIONS
from .totals import ZERO

WRITABLE = ("Customer", "Vendor", "Item", "Account") + TRANSACTIONS
DELETABLE = TRANSACTIONS
VOIDABLE = ("Invoice", "Payment", "BillPayment")


def entity_name(segment: str) -> str | None:
    return ENTITIES.get(segment.lower())


def render(ctx: Ctx, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """A copy of the stored entity as QBO returns it (with derived balances)."""
    out = copy.deepcopy(data)
    company = ctx.company
    if kind in ("Customer", "Vendor"):
        doc_kind, key = ("Invoice", "CustomerRef") if kind == "Customer" else ("Bill", "VendorRef")
        out["Balance"] = sum((d["Balance"] for d in company.all(doc_kind) if d[key]["value"] == data["Id"]), ZERO)
        if kind == "Customer":
            out["BalanceWithJobs"] = out["Balance"]
    elif kind == "Account":
        balance = ledger.account_balance(company, data["Id"])
        out["CurrentBalance"] = out["CurrentBalanceWithSubAccounts"] = balance
    return out


def read(ctx: Ctx, kind: str, ident: str) -> dict[str, Any]:
    found = ctx.company.get(kind, ident)
    if found is None:
        detail = ("Another user has deleted this transaction." if kind in TRANSACTIONS else
                  "Something you're trying to use has been made inactive. Check the fields with accounts, "
                  "customers, items, vendors or employees.")
        raise ctx.fault("610", detail=detail)
    return render(ctx, kind, found)


def _save(ctx: Ctx, kind: str, body: dict[str, Any], current: dict[str, Any] | None, sparse: bool) -> dict:
    if kind in ("Customer", "Vendor"):
        return names.save_name(ctx, kind, body, current, sparse)
    if kind == "Item":
        return names.save_item(ctx, body, current, sparse)
    if kind == "Account":
        return names.save_account(ctx, body, current, sparse)
    if kind in ("Invoice", "Bill"):
        return sales.save(ctx, kind, body, current, sparse)
    return payments.save(ctx, kind, body, current, sparse)


def unsupported(ctx: Ctx, what: str):
    return ctx.fault("500", detail=what)


def perform(ctx: Ctx, kind: str, operation: str, body: Any) -> dict[str, Any]:
    """Run one write and return the entity (or the delete answer) as QBO renders it.

    ``operation``: ``create``, ``update``, ``delete`` or ``void``. The body must be an object.
    """
    if not isinstance(body, dict):
        raise ctx.fault("2020", field=kind, element=kind)
    if kind not in WRITABLE:
        raise unsupported(ctx, f"{operation} {kind}")
    company = ctx.company
    if operation == "create":
        return render(ctx, kind, _save(ctx, kind, {k: v for k, v in body.items() if k != "Id"}, None, False))
    current = target(ctx, kind, body)
    check_sync_token(ctx, current, body)
    snapshot = copy.deepcopy(current)
    try:
        if operation == "update":
            sparse = body.get("sparse") is True or str(body.get("sparse")).lower() == "true"
            return render(ctx, kind, _save(ctx, kind, body, current, sparse))
        if operation == "delete":
            if kind not in DELETABLE:
                raise unsupported(ctx, f"Delete {kind}")
            module = sales if kind in ("Invoice", "Bill") else payments
            return dict(module.delete(ctx, kind, current))
        if operation == "void":
            if kind not in VOIDABLE:
                raise unsupported(ctx, f"Void {kind}")
            if (kind, current["Id"]) in company.voided:
                return render(ctx, kind, current)
            module = sales if kind == "Invoice" else payments
            return render(ctx, kind, module.void(ctx, kind, current))
    except Exception:
        company.table(kind)[current["Id"]] = snapshot  # validations run before changes; belt and braces
        raise
    raise unsupported(ctx, operation)
