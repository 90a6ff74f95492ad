"""Payments against invoices: create (PUT/POST /Payments) and delete (POST Status DELETED) only.

Rules: the invoice must be AUTHORISED; the amount must be positive and at most the amount due;
the account must be a bank account (or allow payments); the date may not be on or before a lock
date. Paying the amount due in full makes the invoice PAID; deleting a payment makes it
AUTHORISED again. Reconciled payments cannot be deleted. Any update other than
``{"Status": "DELETED"}`` is refused with "Only Status accepted for updates.".
"""

from __future__ import annotations

from typing import Any

from . import journals, render
from .context import Context, Invalid, Result, a_date, edit_lock_error, failed, lock_error, number, succeeded
from .store import Invoice, Payment, new_id
from .totals import ZERO, round_to

PAYMENT_TYPES = {"ACCREC": "ACCRECPAYMENT", "ACCPAY": "ACCPAYPAYMENT"}
FLAG = "HasValidationErrors"


def find(ctx: Context, ident: str) -> Payment | None:
    return ctx.ledger.payments.get(ident.lower())


def _invoice(ctx: Context, data: dict[str, Any]) -> Invoice:
    ref = data.get("Invoice")
    if any(k in data for k in ("CreditNote", "Prepayment", "Overpayment", "CreditNoteNumber")):
        raise Invalid("The sandbox takes payments against invoices only (not credit notes, prepayments, overpayments)")
    ident_id = ref.get("InvoiceID") if isinstance(ref, dict) else None
    ident_number = (ref.get("InvoiceNumber") if isinstance(ref, dict) else None) or data.get("InvoiceNumber")
    if ident_id:
        found = ctx.ledger.invoices.get(str(ident_id).lower())
    elif ident_number:
        matches = [i for i in ctx.ledger.invoices.values() if i.number == ident_number and i.status != "DELETED"]
        found = next((i for i in matches if i.status == "AUTHORISED"), matches[0] if matches else None)
    else:
        raise Invalid(ctx.texts.PAYMENT_NEEDS_DOCUMENT)
    if found is None:
        raise Invalid(ctx.texts.INVOICE_NOT_FOUND)
    return found


def create(ctx: Context, data: Any) -> Result:
    """Create one payment and apply it to its invoice."""
    if not isinstance(data, dict):
        return failed({}, ["A payment must be a JSON object"], FLAG)
    try:
        payment = _create(ctx, data)
    except Invalid as exc:
        return failed(data, [str(exc)], FLAG)
    return succeeded(render.payment(ctx.ledger, payment), [])


def _create(ctx: Context, data: dict[str, Any]) -> Payment:
    texts, ledger = ctx.texts, ctx.ledger
    if data.get("Status", "AUTHORISED") != "AUTHORISED":
        raise Invalid("A payment can only be created with Status AUTHORISED")
    invoice = _invoice(ctx, data)
    ref = data.get("Account")
    account = None
    if isinstance(ref, dict) and ref.get("AccountID"):
        account = ledger.account_by_id(str(ref["AccountID"]))
    elif isinstance(ref, dict) and ref.get("Code") or data.get("Code"):
        account = ledger.account_by_code((ref or {}).get("Code") or data.get("Code"))
    if account is None or not (account.is_bank or account.enable_payments):
        raise Invalid(texts.ACCOUNT_NOT_FOUND)
    if not data.get("Date"):
        raise Invalid(texts.PAYMENT_NEEDS_DATE)
    when = a_date(data["Date"], "Date")
    if data.get("Amount") is None:
        raise Invalid(texts.PAYMENT_AMOUNT_POSITIVE)
    amount = number(data["Amount"], "Amount")
    if amount <= ZERO:
        raise Invalid(texts.PAYMENT_AMOUNT_POSITIVE)
    if invoice.status == "PAID":
        raise Invalid(texts.PAYMENT_EXCEEDS_OUTSTANDING)
    if invoice.status != "AUTHORISED":
        raise Invalid(texts.PAYMENT_NOT_AUTHORISED_DOCUMENT)
    if amount > invoice.amount_due:
        raise Invalid(texts.PAYMENT_EXCEEDS_OUTSTANDING)
    if message := lock_error(ctx, when):
        raise Invalid(message)
    if invoice.currency_code == ledger.org.base_currency:
        rate = invoice.currency_rate
    elif data.get("CurrencyRate") is not None:
        rate = round_to(number(data["CurrencyRate"], "CurrencyRate"), 6)
        if rate <= 0:
            raise Invalid("CurrencyRate must be greater than zero")
    else:
        rate = ledger.org.currency_rates.get(invoice.currency_code, invoice.currency_rate)
    payment = Payment(new_id(), invoice.invoice_id, account.account_id, when, amount, rate,
                      PAYMENT_TYPES[invoice.type], ctx.now, ledger.next_seq(), data.get("Reference"),
                      bool(data.get("IsReconciled", False)))
    ledger.payments[payment.payment_id] = payment
    invoice.payment_ids.append(payment.payment_id)
    invoice.amount_paid += amount
    if invoice.amount_due == ZERO:
        invoice.status = "PAID"
        invoice.fully_paid_on = when
    invoice.updated = ctx.now
    journals.sync_payment(ledger, payment, ctx.now)
    journals.sync_invoice(ledger, invoice, ctx.now)
    return payment


def update(ctx: Context, payment: Payment, data: Any) -> Result:
    """POST /Payments/{id}: only ``{"Status": "DELETED"}`` is accepted."""
    texts = ctx.texts
    try:
        if not isinstance(data, dict) or data.get("Status") != "DELETED" or set(data) - {"Status", "PaymentID"}:
            raise Invalid(texts.ONLY_STATUS_FOR_PAYMENT_UPDATES)
        if payment.status == "DELETED":
            raise Invalid(texts.PAYMENT_ALREADY_DELETED)
        if payment.is_reconciled:
            raise Invalid(texts.PAYMENT_RECONCILED)
        if message := edit_lock_error(ctx, payment.date):
            raise Invalid(message)
    except Invalid as exc:
        return failed(data if isinstance(data, dict) else {}, [str(exc)], FLAG)
    invoice = ctx.ledger.invoices[payment.invoice_id]
    payment.status, payment.updated = "DELETED", ctx.now
    invoice.amount_paid -= payment.amount
    if invoice.status == "PAID":
        invoice.status, invoice.fully_paid_on = "AUTHORISED", None
    invoice.updated = ctx.now
    journals.sync_payment(ctx.ledger, payment, ctx.now)
    journals.sync_invoice(ctx.ledger, invoice, ctx.now)
    return succeeded(render.payment(ctx.ledger, payment), [])
