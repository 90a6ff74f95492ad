"""Payment ↔ invoice (and bill payment ↔ bill) links, kept in both directions.

The payment's ``Line[].LinkedTxn`` is the source of truth; an invoice's ``Balance`` and
``LinkedTxn`` are derived from it by :func:`refresh`, which also bumps the invoice's SyncToken and
LastUpdatedTime (linking a payment changes the invoice, as in QBO).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from .store import Company
from .totals import ZERO, home

PAYER = {"Invoice": "Payment", "Bill": "BillPayment"}


def applications(company: Company, kind: str, ident: str, *, skip: str | None = None) -> list[tuple[str, Decimal]]:
    """(payment id, amount) applied to document ``ident`` of ``kind`` by live payments (except ``skip``)."""
    payer = PAYER[kind]
    found = []
    for payment in company.all(payer):
        if payment["Id"] == skip or (payer, payment["Id"]) in company.voided:
            continue
        for line in payment.get("Line") or []:
            for link in line.get("LinkedTxn") or []:
                if link.get("TxnType") == kind and str(link.get("TxnId")) == ident:
                    found.append((payment["Id"], line["Amount"]))
    return found


def refresh(company: Company, kind: str, ident: str, now: datetime, *, bump: bool = True) -> None:
    """Recompute Balance/HomeBalance/LinkedTxn of a document from the payments applied to it."""
    doc = company.get(kind, ident)
    if doc is None:
        return
    applied = applications(company, kind, ident)
    payer = PAYER[kind]
    before = (doc.get("Balance"), doc.get("LinkedTxn"))
    others = [link for link in doc.get("LinkedTxn") or [] if link.get("TxnType") != payer]
    links = others + [{"TxnId": pid, "TxnType": payer} for pid in dict.fromkeys(p for p, _ in applied)]
    if (kind, ident) in company.voided:
        balance = ZERO
    else:
        balance = doc["TotalAmt"] - sum((amount for _, amount in applied), ZERO)
    doc["Balance"] = balance
    if "HomeBalance" in doc:
        doc["HomeBalance"] = home(balance, doc.get("ExchangeRate", Decimal(1)))
    if links:
        doc["LinkedTxn"] = links
    else:
        doc.pop("LinkedTxn", None)
    if bump and before != (doc.get("Balance"), doc.get("LinkedTxn")):
        company.touch(kind, doc, now)
