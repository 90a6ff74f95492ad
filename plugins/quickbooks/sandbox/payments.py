"""Payment (to invoices) and BillPayment (to bills): application, balances, void and delete.

A line applies ``Amount`` to one document through ``LinkedTxn``; it may not exceed the document's
open Balance (its other payments considered), the document must belong to the same customer or
vendor (620) and currency, and the lines may not exceed ``TotalAmt`` (the rest is
``UnappliedAmt``). Payments without DepositToAccountRef go to Undeposited Funds. A payment
marked deposited (admin endpoint) cannot be changed, voided or deleted (6540).
"""

from __future__ import annotations

from typing import Any

from . import links
from .common import Ctx, a_date, check_fields, closed, live_ref, merge, number, ref, require
from .sales import currency_and_rate
from .totals import ZERO, cents

SPEC = {"Payment": ("CustomerRef", "Customer", "Invoice"), "BillPayment": ("VendorRef", "Vendor", "Bill")}


def _account_of_type(ctx: Ctx, value: Any, name: str, types: tuple[str, ...]) -> dict[str, str]:
    account = live_ref(ctx, "Account", value, name)
    if account["AccountType"] not in types:
        raise ctx.fault("6000", detail=f"{name} must be an account of type {' or '.join(types)}.", element=name)
    return ref(account)


def _undeposited(ctx: Ctx) -> dict[str, str]:
    for account in ctx.company.live("Account"):
        if account.get("AccountSubType") == "UndepositedFunds":
            return ref(account)
    raise ctx.fault("6000", detail="The company has no Undeposited Funds account.")


def _apply(ctx: Ctx, kind: str, data: dict[str, Any], party_id: str, code: str, own: str | None) -> list[dict]:
    party_key, _, target_kind = SPEC[kind]
    company = ctx.company
    out = []
    for index, raw in enumerate(data.get("Line") or []):
        if not isinstance(raw, dict):
            raise ctx.fault("2010", field="Line", entity=kind, element="Line")
        amount = cents(number(ctx, require(ctx, raw, "Amount"), "Amount"))
        linked = raw.get("LinkedTxn") or []
        if len(linked) != 1 or not isinstance(linked[0], dict):
            raise ctx.fault("2020", field="LinkedTxn", element=f"Line[{index}].LinkedTxn")
        link = linked[0]
        if link.get("TxnType") != target_kind:
            raise ctx.fault("6000", detail=f"The sandbox links {kind} lines to {target_kind} only, not "
                                           f"{link.get('TxnType')}.", element=f"Line[{index}].LinkedTxn")
        txn_id = str(link.get("TxnId") or "")
        doc = company.get(target_kind, txn_id)
        if doc is None:
            raise ctx.fault("610", detail="Another user has deleted this transaction.",
                            element=f"Line[{index}].LinkedTxn")
        if doc[party_key]["value"] != party_id:
            raise ctx.fault("620", detail=f"{target_kind} {txn_id} belongs to another "
                                          f"{'customer' if kind == 'Payment' else 'vendor'}.",
                            element=f"Line[{index}].LinkedTxn")
        if (target_kind, txn_id) in company.voided:
            raise ctx.fault("6000", detail=f"{target_kind} {txn_id} has been voided.")
        if doc["CurrencyRef"]["value"] != code:
            raise ctx.fault("620", detail=f"{target_kind} {txn_id} is in another currency.")
        if amount <= 0:
            raise ctx.fault("6000", detail="The amount applied to a transaction must be greater than zero.")
        others = sum((a for _, a in links.applications(company, target_kind, txn_id, skip=own)), ZERO)
        open_balance = doc["TotalAmt"] - others - sum((line["Amount"] for line in out
                                                       if line["LinkedTxn"][0]["TxnId"] == txn_id), ZERO)
        if amount > open_balance:
            raise ctx.fault("6000", detail=f"The payment amount {amount} is more than the open balance "
                                           f"{open_balance} of {target_kind} {txn_id}.",
                            element=f"Line[{index}].Amount")
        out.append({"Amount": amount, "LinkedTxn": [{"TxnId": txn_id, "TxnType": target_kind}]})
    return out


def save(ctx: Ctx, kind: str, body: dict[str, Any], current: dict[str, Any] | None, sparse: bool) -> dict:
    """Create or update a Payment/BillPayment and refresh the documents it touches."""
    check_fields(ctx, kind, body)
    company = ctx.company
    if current is not None:
        deposited(ctx, kind, current)
        closed(ctx, a_date(ctx, current["TxnDate"], "TxnDate"))
        if (kind, current["Id"]) in company.voided:
            raise ctx.fault("6000", detail=f"This {kind} has been voided and can't be changed.")
    data = merge(current, body, sparse) if current is not None else merge({}, body, False)
    if current is None or "TotalAmt" in body:
        data["TotalAmt"] = body.get("TotalAmt")
    else:
        data["TotalAmt"] = current["TotalAmt"]
    party_key, party_kind, target_kind = SPEC[kind]
    party = live_ref(ctx, party_kind, require(ctx, data, party_key), party_key)
    data[party_key] = ref(party, "DisplayName")
    total = cents(number(ctx, require(ctx, data, "TotalAmt"), "TotalAmt"))
    if total < 0:
        raise ctx.fault("6000", detail="TotalAmt can't be negative.", element="TotalAmt")
    code, rate = currency_and_rate(ctx, data, party)
    txn_date = a_date(ctx, data["TxnDate"], "TxnDate") if data.get("TxnDate") else ctx.today
    closed(ctx, txn_date)
    if kind == "Payment":
        deposit = data.get("DepositToAccountRef")
        data["DepositToAccountRef"] = (_account_of_type(ctx, deposit, "DepositToAccountRef",
                                                        ("Bank", "Other Current Asset"))
                                       if deposit else _undeposited(ctx))
        if data.get("PaymentRefNum") and len(str(data["PaymentRefNum"])) > 21:
            raise ctx.fault("2050", limit=21, length=len(str(data["PaymentRefNum"])), element="PaymentRefNum")
    else:
        pay_type = require(ctx, data, "PayType")
        if pay_type == "Check":
            check = data.get("CheckPayment") or {}
            data["CheckPayment"] = {**check, "BankAccountRef": _account_of_type(
                ctx, require(ctx, check, "BankAccountRef"), "CheckPayment.BankAccountRef", ("Bank",))}
        elif pay_type == "CreditCard":
            card = data.get("CreditCardPayment") or {}
            data["CreditCardPayment"] = {**card, "CCAccountRef": _account_of_type(
                ctx, require(ctx, card, "CCAccountRef"), "CreditCardPayment.CCAccountRef", ("Credit Card",))}
        else:
            raise ctx.fault("2010", field="PayType", entity=kind, element="PayType")
        if data.get("DocNumber") and len(str(data["DocNumber"])) > 21:
            raise ctx.fault("2050", limit=21, length=len(str(data["DocNumber"])), element="DocNumber")
        if data.get("DocNumber") and "allowduplicatedocnum" not in ctx.include:
            for other in company.all(kind):
                if other.get("DocNumber") == str(data["DocNumber"]) and other["VendorRef"]["value"] == party["Id"] \
                        and (current is None or other["Id"] != current["Id"]):
                    raise ctx.fault("6140", number=data["DocNumber"], txn_type="BillPayment", txn_id=other["Id"])
        if kind == "BillPayment" and data.get("APAccountRef"):
            data["APAccountRef"] = _account_of_type(ctx, data["APAccountRef"], "APAccountRef", ("Accounts Payable",))
    if data.get("Line") is not None and not isinstance(data["Line"], list):
        raise ctx.fault("2010", field="Line", entity=kind, element="Line")
    lines = _apply(ctx, kind, data, party["Id"], code, current["Id"] if current else None)
    applied = sum((line["Amount"] for line in lines), ZERO)
    if applied > total:
        raise ctx.fault("6000", detail=f"The amounts applied ({applied}) are more than the payment's TotalAmt "
                                       f"({total}).", element="TotalAmt")
    before = {line["LinkedTxn"][0]["TxnId"] for line in (current or {}).get("Line") or []}
    data.update(Line=lines, TotalAmt=total, TxnDate=txn_date.isoformat(), CurrencyRef={"value": code, "name": code})
    if kind == "Payment":
        data["UnappliedAmt"] = total - applied
        data.setdefault("ProcessPayment", False)
    if code != company.home_currency:
        data["ExchangeRate"] = rate
    else:
        data.pop("ExchangeRate", None)
    if current is not None:
        data.update({k: current[k] for k in ("Id", "SyncToken", "MetaData") if k in current})
    company.touch(kind, data, ctx.now, created=current is None)
    for txn_id in before | {line["LinkedTxn"][0]["TxnId"] for line in lines}:
        links.refresh(company, target_kind, txn_id, ctx.now)
    return data


def deposited(ctx: Ctx, kind: str, payment: dict[str, Any]) -> None:
    if kind == "Payment" and payment["Id"] in ctx.company.deposited:
        raise ctx.fault("6540")


def void(ctx: Ctx, kind: str, payment: dict[str, Any]) -> dict[str, Any]:
    """Zero the amounts, clear the lines, prefix PrivateNote with "Voided"; documents reopen."""
    deposited(ctx, kind, payment)
    closed(ctx, a_date(ctx, payment["TxnDate"], "TxnDate"))
    targets = {line["LinkedTxn"][0]["TxnId"] for line in payment.get("Line") or []}
    note = payment.get("PrivateNote")
    payment.update(Line=[], TotalAmt=ZERO, PrivateNote=f"Voided - {note}" if note else "Voided")
    if kind == "Payment":
        payment["UnappliedAmt"] = ZERO
    ctx.company.voided.add((kind, payment["Id"]))
    ctx.company.touch(kind, payment, ctx.now)
    for txn_id in targets:
        links.refresh(ctx.company, SPEC[kind][2], txn_id, ctx.now)
    return payment


def delete(ctx: Ctx, kind: str, payment: dict[str, Any]) -> dict[str, Any]:
    deposited(ctx, kind, payment)
    closed(ctx, a_date(ctx, payment["TxnDate"], "TxnDate"))
    targets = {line["LinkedTxn"][0]["TxnId"] for line in payment.get("Line") or []}
    stone = ctx.company.remove(kind, payment, ctx.now)
    for txn_id in targets:
        links.refresh(ctx.company, SPEC[kind][2], txn_id, ctx.now)
    return stone

