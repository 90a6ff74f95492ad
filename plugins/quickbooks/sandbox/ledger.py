"""Double-entry postings derived from the current documents, and the GeneralLedger report.

QBO's reports reflect the documents as they are now (an edit rewrites history), so postings are
computed on demand, in the home currency (amount × ExchangeRate, to the cent):

- Invoice: debit A/R TotalAmt; credit each line's item income account its net Amount; credit GST
  Payable the tax. Bill: the mirror on A/P, expense accounts and GST.
- Payment: debit the deposit account TotalAmt at the payment's rate; credit A/R the applied
  amounts at each invoice's rate and the unapplied rest at the payment's rate; the difference goes
  to Exchange Gain or Loss. BillPayment: the mirror on A/P and the bank/credit-card account.

Voided documents post nothing; deleted ones are gone. Rounding differences of a foreign document
go to its last line so every transaction balances.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Iterator

from .store import Company
from .totals import ZERO, home


@dataclass(frozen=True)
class Posting:
    day: date
    account_id: str
    amount: Decimal  # home currency; debit positive, credit negative
    txn_type: str
    txn_id: str
    doc_number: str
    name: str
    memo: str


def _by_subtype(company: Company, subtype: str) -> str | None:
    return next((a["Id"] for a in company.all("Account") if a.get("AccountSubType") == subtype), None)


def _by_type(company: Company, acc_type: str) -> str | None:
    return next((a["Id"] for a in company.all("Account") if a.get("AccountType") == acc_type), None)


def _rate(doc: dict[str, Any]) -> Decimal:
    return doc.get("ExchangeRate", Decimal(1))


def _document(company: Company, kind: str, doc: dict[str, Any]) -> list[tuple[str, Decimal, str]]:
    """(account id, home amount, memo) for an Invoice (sign +) or Bill (sign −)."""
    sign = Decimal(1) if kind == "Invoice" else Decimal(-1)
    rate = _rate(doc)
    control = ((doc.get("APAccountRef") or {}).get("value") if kind == "Bill" else None) or (
        _by_type(company, "Accounts Receivable" if kind == "Invoice" else "Accounts Payable"))
    entries = [(control, sign * home(doc["TotalAmt"], rate), "")]
    for line in doc.get("Line") or []:
        detail_type = line.get("DetailType")
        detail = line.get(detail_type) if isinstance(line.get(detail_type), dict) else {}
        account = None
        if detail_type == "SalesItemLineDetail":
            account = (detail.get("ItemAccountRef") or {}).get("value")
        elif detail_type == "AccountBasedExpenseLineDetail":
            account = (detail.get("AccountRef") or {}).get("value")
        elif detail_type == "ItemBasedExpenseLineDetail":
            item = company.get("Item", (detail.get("ItemRef") or {}).get("value"))
            account = ((item or {}).get("ExpenseAccountRef") or {}).get("value")
        if detail_type in ("SalesItemLineDetail", "AccountBasedExpenseLineDetail", "ItemBasedExpenseLineDetail"):
            entries.append((account or _by_type(company, "Income" if kind == "Invoice" else "Expense"),
                            -sign * home(line["Amount"], rate), line.get("Description") or ""))
    tax = (doc.get("TxnTaxDetail") or {}).get("TotalTax") or ZERO
    if tax:
        entries.append((_by_subtype(company, "GlobalTaxPayable"), -sign * home(tax, rate), "Tax"))
    imbalance = sum((amount for _, amount, _ in entries), ZERO)
    if imbalance and len(entries) > 1:
        account, amount, memo = entries[-1]
        entries[-1] = (account, amount - imbalance, memo)
    return entries


def _payment(company: Company, kind: str, pay: dict[str, Any]) -> list[tuple[str, Decimal, str]]:
    sign = Decimal(1) if kind == "Payment" else Decimal(-1)
    rate = _rate(pay)
    target_kind = "Invoice" if kind == "Payment" else "Bill"
    control = ((pay.get("APAccountRef") or {}).get("value") if kind == "BillPayment" else None) or (
        _by_type(company, "Accounts Receivable" if kind == "Payment" else "Accounts Payable"))
    if kind == "Payment":
        money_account = pay["DepositToAccountRef"]["value"]
    elif pay.get("PayType") == "CreditCard":
        money_account = pay["CreditCardPayment"]["CCAccountRef"]["value"]
    else:
        money_account = pay["CheckPayment"]["BankAccountRef"]["value"]
    received = home(pay["TotalAmt"], rate)
    entries = [(money_account, sign * received, "")]
    settled = ZERO
    for line in pay.get("Line") or []:
        doc = company.get(target_kind, line["LinkedTxn"][0]["TxnId"])
        settled += home(line["Amount"], _rate(doc) if doc else rate)
    unapplied = pay["TotalAmt"] - sum((line["Amount"] for line in pay.get("Line") or []), ZERO)
    settled += home(unapplied, rate)
    entries.append((control, -sign * settled, ""))
    difference = sign * (settled - received)
    if difference:
        entries.append((_by_subtype(company, "ExchangeGainOrLoss"), difference, "Exchange gain or loss"))
    return entries


def postings(company: Company) -> Iterator[Posting]:
    """Every posting of every live document, in transaction order."""
    for kind in ("Invoice", "Bill", "Payment", "BillPayment"):
        for doc in company.all(kind):
            if (kind, doc["Id"]) in company.voided:
                continue
            entries = _document(company, kind, doc) if kind in ("Invoice", "Bill") else _payment(company, kind, doc)
            party = doc.get("CustomerRef") or doc.get("VendorRef") or {}
            for account, amount, memo in entries:
                if amount and account:
                    yield Posting(date.fromisoformat(doc["TxnDate"]), account, amount, kind, doc["Id"],
                                  doc.get("DocNumber") or doc.get("PaymentRefNum") or "", party.get("name", ""),
                                  memo or doc.get("PrivateNote") or "")


def account_balance(company: Company, account_id: str) -> Decimal:
    """Debit-positive balance of an account, as the sign of its class expects (liabilities positive)."""
    total = sum((p.amount for p in postings(company) if p.account_id == account_id), ZERO)
    account = company.get("Account", account_id) or {}
    return -total if account.get("Classification") in ("Liability", "Equity", "Revenue") else total


def _money(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")), "f")


def general_ledger(company: Company, start: date, end: date, account_ids: set[str] | None,
                   basis: str, stamp: str) -> dict[str, Any]:
    """The ``GeneralLedger`` report: a section per account with a beginning balance and its rows."""
    names = {a["Id"]: a["Name"] for a in company.all("Account")}
    everything = sorted(postings(company), key=lambda p: (p.day, int(p.txn_id)))
    sections = []
    for account in sorted(company.all("Account"), key=lambda a: a.get("AcctNum") or a["Name"]):
        ident = account["Id"]
        if account_ids and ident not in account_ids:
            continue
        own = [p for p in everything if p.account_id == ident]
        opening = sum((p.amount for p in own if p.day < start), ZERO)
        rows = [{"ColData": [{"value": start.isoformat()}, {"value": "Beginning Balance"}, {"value": ""},
                             {"value": ""}, {"value": ""}, {"value": ""}, {"value": ""},
                             {"value": _money(opening)}], "type": "Data"}] if opening else []
        running = opening
        period = [p for p in own if start <= p.day <= end]
        for p in period:
            running += p.amount
            split = [q for q in everything if q.txn_id == p.txn_id and q.txn_type == p.txn_type and q.account_id != ident]
            split_name = names.get(split[0].account_id, "") if len(split) == 1 else "-Split-"
            rows.append({"ColData": [
                {"value": p.day.isoformat()}, {"value": p.txn_type, "id": p.txn_id}, {"value": p.doc_number},
                {"value": p.name}, {"value": p.memo}, {"value": split_name}, {"value": _money(p.amount)},
                {"value": _money(running)}], "type": "Data"})
        if not rows:
            continue
        sections.append({
            "Header": {"ColData": [{"value": account["Name"], "id": ident}] + [{"value": ""}] * 7},
            "Rows": {"Row": rows},
            "Summary": {"ColData": [{"value": f"Total for {account['Name']}"}] + [{"value": ""}] * 5 + [
                {"value": _money(sum((p.amount for p in period), ZERO))}, {"value": ""}]},
            "type": "Section"})
    columns = [("Date", "tx_date", "Date"), ("Transaction Type", "txn_type", "String"), ("Num", "doc_num", "String"),
               ("Name", "name", "String"), ("Memo/Description", "memo", "String"), ("Split", "split_acc", "String"),
               ("Amount", "subt_nat_amount", "Money"), ("Balance", "rbal_nat_amount", "Money")]
    return {
        "Header": {"Time": stamp, "ReportName": "GeneralLedger", "ReportBasis": basis,
                   "StartPeriod": start.isoformat(), "EndPeriod": end.isoformat(), "Currency": company.home_currency,
                   "Option": [{"Name": "NoReportData", "Value": "false" if sections else "true"}]},
        "Columns": {"Column": [{"ColTitle": title, "ColType": col_type, "MetaData": [{"Name": "ColKey", "Value": key}]}
                               for title, key, col_type in columns]},
        "Rows": {"Row": sections},
    }
