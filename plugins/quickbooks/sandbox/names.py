"""Name lists: Customer, Vendor, Item, Account (create and update; never deleted, only made inactive).

DisplayName is unique across Customer and Vendor, case-insensitively, active or not (6240). A
name needs DisplayName or one of Title/GivenName/MiddleName/FamilyName/Suffix (6080); names may
not contain ``:``, tab or newline.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .common import Ctx, check_fields, live_ref, merge
from .totals import ZERO

_NAME_PARTS = ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")
_BAD_CHARS = (":", "\t", "\n")


def _display_name(ctx: Ctx, data: dict[str, Any]) -> str:
    name = (data.get("DisplayName") or "").strip()
    if not name:
        parts = [str(data[p]).strip() for p in _NAME_PARTS if data.get(p)]
        if not parts:
            raise ctx.fault("6080", detail="Please supply a DisplayName, or a Title, GivenName, MiddleName, "
                                           "FamilyName or Suffix.", element="DisplayName")
        name = " ".join(parts)
    if any(c in name for c in _BAD_CHARS):
        raise ctx.fault("6000", detail=f"The name '{name}' contains a colon, tab or newline, which are not allowed.",
                        element="DisplayName")
    if len(name) > 500:
        raise ctx.fault("2050", limit=500, length=len(name), element="DisplayName")
    return name


def _unique(ctx: Ctx, name: str, own: tuple[str, str] | None) -> None:
    folded = name.casefold()
    for kind in ("Customer", "Vendor"):
        for other in ctx.company.all(kind):
            if (kind, other["Id"]) != own and (other.get("DisplayName") or "").casefold() == folded:
                raise ctx.fault("6240", element="DisplayName")


def save_name(ctx: Ctx, kind: str, body: dict[str, Any], current: dict[str, Any] | None, sparse: bool) -> dict:
    """Create or update a Customer/Vendor."""
    check_fields(ctx, kind, body)
    data = merge(current or {}, body, sparse) if current is not None else merge({}, body, False)
    name = _display_name(ctx, data)
    _unique(ctx, name, (kind, current["Id"]) if current else None)
    data["DisplayName"] = name
    data["FullyQualifiedName"] = name
    data.setdefault("PrintOnCheckName", name)
    data["Active"] = data.get("Active", True) is not False
    company = ctx.company
    currency = (data.get("CurrencyRef") or {}).get("value") if isinstance(data.get("CurrencyRef"), dict) else None
    if current is not None and currency and currency != current["CurrencyRef"]["value"] and has_transactions(
            company, kind, current["Id"]):
        raise ctx.fault("6000", detail="You can't change the currency of a customer or vendor with transactions.",
                        element="CurrencyRef")
    code = (currency or (current or {}).get("CurrencyRef", {}).get("value") or company.home_currency).upper()
    data["CurrencyRef"] = {"value": code, "name": code}
    if current is not None:
        data.update({k: current[k] for k in ("Id", "SyncToken", "MetaData") if k in current})
    company.touch(kind, data, ctx.now, created=current is None)
    return data


def has_transactions(company, kind: str, ident: str) -> bool:
    key = "CustomerRef" if kind == "Customer" else "VendorRef"
    kinds = ("Invoice", "Payment") if kind == "Customer" else ("Bill", "BillPayment")
    return any((t.get(key) or {}).get("value") == ident for k in kinds for t in company.all(k))


def save_item(ctx: Ctx, body: dict[str, Any], current: dict[str, Any] | None, sparse: bool) -> dict:
    check_fields(ctx, "Item", body)
    data = merge(current or {}, body, sparse) if current is not None else merge({}, body, False)
    name = (data.get("Name") or "").strip()
    if not name:
        raise ctx.fault("2020", field="Name", element="Name")
    if any(c in name for c in _BAD_CHARS):
        raise ctx.fault("6000", detail=f"The name '{name}' contains a colon, tab or newline.", element="Name")
    for other in ctx.company.all("Item"):
        if other["Name"].casefold() == name.casefold() and (current is None or other["Id"] != current["Id"]):
            raise ctx.fault("6240", element="Name")
    for key in ("IncomeAccountRef", "ExpenseAccountRef"):
        if data.get(key) is not None:
            account = live_ref(ctx, "Account", data[key], key)
            data[key] = {"value": account["Id"], "name": account["Name"]}
    data.update(Name=name, FullyQualifiedName=name, Active=data.get("Active", True) is not False)
    data.setdefault("Type", "Service")
    if current is not None:
        data.update({k: current[k] for k in ("Id", "SyncToken", "MetaData") if k in current})
    ctx.company.touch("Item", data, ctx.now, created=current is None)
    return data


_ACCOUNT_TYPES = {"Bank": "Asset", "Accounts Receivable": "Asset", "Other Current Asset": "Asset",
                  "Fixed Asset": "Asset", "Other Asset": "Asset", "Credit Card": "Liability",
                  "Accounts Payable": "Liability", "Other Current Liability": "Liability",
                  "Long Term Liability": "Liability", "Equity": "Equity", "Income": "Revenue",
                  "Other Income": "Revenue", "Expense": "Expense", "Other Expense": "Expense",
                  "Cost of Goods Sold": "Expense"}


def save_account(ctx: Ctx, body: dict[str, Any], current: dict[str, Any] | None, sparse: bool) -> dict:
    check_fields(ctx, "Account", body)
    data = merge(current or {}, body, sparse) if current is not None else merge({}, body, False)
    name = (data.get("Name") or "").strip()
    if not name:
        raise ctx.fault("2020", field="Name", element="Name")
    if not (data.get("AccountType") or data.get("AccountSubType")):
        raise ctx.fault("2020", field="AccountType", element="AccountType")
    if '"' in name or ":" in name or len(name) > 100:
        raise ctx.fault("6000", detail="The account name may not contain '\"' or ':' and is at most 100 characters.",
                        element="Name")
    for other in ctx.company.all("Account"):
        if other["Name"].casefold() == name.casefold() and (current is None or other["Id"] != current["Id"]):
            raise ctx.fault("6240", element="Name")
    acc_type = data.get("AccountType") or "Expense"
    data.update(Name=name, FullyQualifiedName=name, AccountType=acc_type, SubAccount=False,
                Classification=_ACCOUNT_TYPES.get(acc_type, "Expense"), Active=data.get("Active", True) is not False)
    data.setdefault("CurrencyRef", {"value": ctx.company.home_currency})
    data.update(CurrentBalance=Decimal(ZERO), CurrentBalanceWithSubAccounts=Decimal(ZERO))
    if current is not None:
        data.update({k: current[k] for k in ("Id", "SyncToken", "MetaData") if k in current})
    ctx.company.touch("Account", data, ctx.now, created=current is None)
    return data
