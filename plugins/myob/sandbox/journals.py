"""Journal transactions derived from the documents, as AccountRight posts them.

An invoice posts a ``Sale`` journal: debit Trade Debtors with the total, credit each line's
account with its tax-exclusive amount and GST Collected with the tax. A bill posts the mirror
(``Purchase``: debit expenses and GST Paid, credit Trade Creditors). A customer payment posts a
``CashReceipt`` (debit the bank or Undeposited Funds, credit Trade Debtors); a supplier payment a
``CashPayment``. Editing a document changes its journal in place; deleting removes it (no
reversal entries: AccountRight keeps one journal per transaction). ``DatePosted`` is when the
document was last saved. Each line's ``Amount`` is positive with ``IsCredit`` saying the side.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from . import render
from .store import ZERO, Account, Business, Contact, Payment, Sale
from .totals import compute

_NS = uuid.UUID("7d0c9a52-54f1-4b8e-9a3c-0c6f2b1d8e11")


def _tax_rate(business: Business, uid: str | None) -> Decimal:
    code = business.tax_code(uid)
    return code.rate if code else ZERO


def sale_lines(business: Business, s: Sale) -> list[tuple[str, Decimal]]:
    """(account uid, signed amount: + debit / − credit) for an invoice or bill."""
    tx = [l for l in s.lines if l.type == "Transaction"]
    totals = compute([(l.total, _tax_rate(business, l.tax_code_uid)) for l in tx], s.is_tax_inclusive,
                     s.freight, _tax_rate(business, s.freight_tax_code_uid))
    sign = Decimal(-1) if s.ledger == "sale" else Decimal(1)  # income is credited, expense debited
    out = [(l.account_uid or "", sign * net) for l, net in zip(tx, totals.line_nets)]
    if s.freight:
        freight_account = business.account_by_display_id("4-1000" if s.ledger == "sale" else "6-1000")
        out.append((freight_account.uid if freight_account else "", sign * totals.freight_net))
    if s.total_tax:
        tax_account = business.account_by_display_id("2-1310" if s.ledger == "sale" else "2-1330")
        out.append((tax_account.uid if tax_account else "", sign * s.total_tax))
    control = business.account_of_type("AccountReceivable" if s.ledger == "sale" else "AccountsPayable")
    out.append((control.uid, -sign * s.total))
    return out


def payment_lines(business: Business, p: Payment) -> list[tuple[str, Decimal]]:
    bank = business.account(p.account_uid) or business.account_by_display_id("1-1180")
    control = business.account_of_type("AccountReceivable" if p.ledger == "sale" else "AccountsPayable")
    sign = Decimal(1) if p.ledger == "sale" else Decimal(-1)
    return [(bank.uid if bank else "", sign * p.amount), (control.uid, -sign * p.amount)]


def _journal(business: Business, cf: str, source: Sale | Payment, lines: list[tuple[str, Decimal]]) -> dict[str, Any]:
    if isinstance(source, Sale):
        kind = "Sale" if source.ledger == "sale" else "Purchase"
        tx_type = "Invoice" if source.ledger == "sale" else "Bill"
        uri = render.sale_uri(source, cf)
        reconciled = None
    else:
        kind = "CashReceipt" if source.ledger == "sale" else "CashPayment"
        tx_type = "CustomerPayment" if source.ledger == "sale" else "SupplierPayment"
        uri = f"{cf}/{'Sale/CustomerPayment' if source.ledger == 'sale' else 'Purchase/SupplierPayment'}/{source.uid}"
        reconciled = source.reconciled
    bank_types = {"Bank", "CreditCard"}
    uid = str(uuid.uuid5(_NS, source.uid))
    return {
        "UID": uid, "DisplayID": source.number, "JournalType": kind, "SourceTransaction": {
            "UID": source.uid, "TransactionType": tx_type, "URI": uri},
        "DateOccurred": source.date, "DatePosted": source.last_modified, "Description": source.fields.get("Memo")
        or source.fields.get("JournalMemo") or f"{kind}; {business.contacts[source.contact_uid].name if source.contact_uid in business.contacts else ''}",
        "Lines": [{"Account": render.account_link(business, account, cf), "Amount": abs(amount),
                   "IsCredit": amount < 0, "Job": None, "LineDescription": None,
                   "ReconciledDate": reconciled if (business.account(account) and business.account(account).type in bank_types) else None,
                   "UnitCount": None} for account, amount in lines if amount],
        "URI": f"{cf}/GeneralLedger/JournalTransaction/{uid}", "RowVersion": source.row_version,
    }


def journals(business: Business, cf: str) -> list[dict[str, Any]]:
    """Every journal transaction, in the order the documents were created."""
    sources: list[Sale | Payment] = sorted([*business.sales.values(), *business.payments.values()], key=lambda d: d.seq)
    return [_journal(business, cf, s, sale_lines(business, s) if isinstance(s, Sale) else payment_lines(business, s))
            for s in sources]


def balance(business: Business, account: Account) -> Decimal:
    """Opening balance plus every posting (debit positive) — AccountRight's CurrentBalance sign aside."""
    total = account.opening_balance
    for s in business.sales.values():
        total += sum((a for uid, a in sale_lines(business, s) if uid == account.uid), ZERO)
    for p in business.payments.values():
        total += sum((a for uid, a in payment_lines(business, p) if uid == account.uid), ZERO)
    if account.classification in ("Liability", "Equity", "Income", "OtherIncome"):
        total = -total  # credit-normal accounts show a positive balance when in credit
    return total


def contact_balance(business: Business, contact: Contact) -> Decimal:
    return sum((s.balance_due for s in business.sales.values() if s.contact_uid == contact.uid), ZERO)
