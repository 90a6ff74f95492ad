"""Journals generated from documents, like Xero's general ledger feed.

Journals are immutable and numbered in order. After any change to a document, :func:`sync`
compares the lines the document should post now with its current journal; if they differ it posts
a reversal of the old journal and a new one (editing), just a reversal (voiding, deleting a
payment) or just a new one (approving). Amounts are in the base currency; NetAmount is positive
for a debit and negative for a credit; each journal balances to zero.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from .store import Invoice, Journal, JournalLine, Ledger, Payment
from .totals import ZERO, to_base

POSTING_STATUSES = {"AUTHORISED", "PAID"}


def _invoice_lines(ledger: Ledger, invoice: Invoice) -> list[JournalLine]:
    base = ledger.org.base_currency
    sign = 1 if invoice.type == "ACCREC" else -1  # revenue is a credit on sales, expense a debit on bills
    control = ledger.system_account("DEBTORS" if invoice.type == "ACCREC" else "CREDITORS")
    gst = ledger.system_account("GST")
    lines: list[JournalLine] = []
    tax_total = ZERO
    for line in invoice.lines:
        account = ledger.account_by_code(line.account_code)
        if account is None:
            continue
        net_doc = line.line_amount - line.tax_amount if invoice.line_amount_types == "Inclusive" else line.line_amount
        net = to_base(net_doc, invoice.currency_rate, base)
        tax = to_base(line.tax_amount, invoice.currency_rate, base)
        rate = ledger.tax_rates.get(line.tax_type or "")
        lines.append(JournalLine(account, -sign * net, -sign * tax, line.tax_type, rate.name if rate else None,
                                 line.description))
        tax_total += tax
    if tax_total:
        lines.append(JournalLine(gst, -sign * tax_total))
    # Revenue/expense lines carry their tax as TaxAmount (GrossAmount = Net + Tax); the GST line
    # carries it as NetAmount; the control line takes the gross, so NetAmounts sum to zero.
    return [JournalLine(control, -sum((l.net for l in lines), ZERO))] + lines


def _payment_lines(ledger: Ledger, payment: Payment, invoice: Invoice) -> list[JournalLine]:
    base = ledger.org.base_currency
    bank = ledger.account_by_id(payment.account_id)
    control = ledger.system_account("DEBTORS" if invoice.type == "ACCREC" else "CREDITORS")
    at_payment = to_base(payment.amount, payment.currency_rate, base)
    at_invoice = to_base(payment.amount, invoice.currency_rate, base)
    sign = 1 if invoice.type == "ACCREC" else -1  # money in for sales, out for bills
    lines = [JournalLine(bank, sign * at_payment), JournalLine(control, -sign * at_invoice)]
    if at_payment != at_invoice:
        lines.append(JournalLine(ledger.system_account("REALISEDCURRENCYGAIN"), -sign * (at_payment - at_invoice)))
    return lines


def _signature(lines: list[JournalLine], when: date) -> tuple:
    totals: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        totals[(line.account.code, line.tax_type, line.description, "net")] += line.net
        totals[(line.account.code, line.tax_type, line.description, "tax")] += line.tax
    return when, tuple(sorted((k, v) for k, v in totals.items() if v))


def _post(ledger: Ledger, when: date, now: datetime, source_id: str, source_type: str,
          lines: list[JournalLine], reference: str | None) -> Journal:
    journal = Journal(len(ledger.journals) + 1, when, now, source_id, source_type, lines, reference)
    ledger.journals.append(journal)
    return journal


def _replace(ledger: Ledger, now: datetime, source_id: str, source_type: str, when: date,
             lines: list[JournalLine] | None, reference: str | None) -> None:
    current = ledger.posted.get(source_id)
    if current is not None and lines is not None and _signature(current.lines, current.journal_date) == _signature(lines, when):
        return
    if current is not None:
        reversal = [JournalLine(l.account, -l.net, -l.tax, l.tax_type, l.tax_name, l.description) for l in current.lines]
        _post(ledger, current.journal_date, now, source_id, source_type, reversal, current.reference)
        del ledger.posted[source_id]
    if lines:
        ledger.posted[source_id] = _post(ledger, when, now, source_id, source_type, lines, reference)


def sync_invoice(ledger: Ledger, invoice: Invoice, now: datetime) -> None:
    """Post, re-post or reverse the journal of ``invoice`` to match its current state."""
    lines = _invoice_lines(ledger, invoice) if invoice.status in POSTING_STATUSES else None
    _replace(ledger, now, invoice.invoice_id, invoice.type, invoice.date, lines,
             invoice.reference or invoice.number)


def sync_payment(ledger: Ledger, payment: Payment, now: datetime) -> None:
    """Post or reverse the journal of ``payment``."""
    invoice = ledger.invoices[payment.invoice_id]
    lines = _payment_lines(ledger, payment, invoice) if payment.status == "AUTHORISED" else None
    _replace(ledger, now, payment.payment_id, payment.payment_type, payment.date, lines, payment.reference)
