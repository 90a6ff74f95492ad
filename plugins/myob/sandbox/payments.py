"""Sale/CustomerPayment and Purchase/SupplierPayment: create and delete (no update).

A customer payment names the ``Customer``, ``DepositTo`` (``Account`` with a bank ``Account``,
or ``UndepositedFunds``), ``AmountReceived`` and ``Invoices[]{UID, AmountApplied}``; a supplier
payment the ``Supplier``, ``PayFrom`` (``Account``/``ElectronicPayments``), ``AmountPaid`` and
``Lines[]{Purchase{UID}, AmountApplied}``. Each amount applied is positive and at most the
document's balance due; together they are at most the payment. Saving or deleting a payment
moves the documents' ``BalanceDueAmount``/``Status``/``LastPaymentDate`` and bumps their
``RowVersion``. Reconciled payments (admin-marked) cannot be deleted.
"""

from __future__ import annotations

from . import errors
from .errors import MyobError
from .rules import Ctx, a_date, check_changeable, check_date, link, money, need, refuse_identity_on_post
from .store import ZERO, Allocation, Payment, Sale, new_uid
from .wire import row_version

SHAPES = {  # ledger → (party, route key, amount key, allocations key, number key, routes)
    "sale": ("Customer", "DepositTo", "AmountReceived", "Invoices", "ReceiptNumber", ("Account", "UndepositedFunds")),
    "purchase": ("Supplier", "PayFrom", "AmountPaid", "Lines", "PaymentNumber", ("Account", "ElectronicPayments")),
}


def _touch(ctx: Ctx, sale: Sale) -> None:
    sale.last_modified, sale.row_version = ctx.now, row_version()
    dates = [p.date for p in ctx.business.payments.values() for a in p.allocations if a.sale_uid == sale.uid]
    sale.last_payment_date = max(dates) if dates else None


def create(ctx: Ctx, ledger: str, body: dict) -> Payment:
    party, route_key, amount_key, alloc_key, number_key, routes = SHAPES[ledger]
    refuse_identity_on_post(body, alloc_key)
    b = ctx.business
    contact_uid = link(body, party)
    contact = b.contacts.get(contact_uid or "")
    if contact is None or contact.kind != party:
        raise MyobError(errors.REFERENCE_NOT_FOUND, f"{party} was not found", details=f"{party}.UID")
    route = body.get(route_key) or "Account"
    if route not in routes:
        raise MyobError(errors.INVALID_VALUE, f"{route_key} must be one of {', '.join(routes)}", details=route_key)
    account_uid = link(body, "Account", required=route == "Account")
    if account_uid is not None:
        account = b.account(account_uid)
        if account is None or account.type not in ("Bank", "CreditCard") or account.is_header:
            raise MyobError(errors.REFERENCE_NOT_FOUND, "Account was not found or is not a bank account",
                            details="Account.UID")
    when = a_date(need(body, "Date"))
    check_date(ctx, when)
    amount = money(need(body, amount_key), amount_key)
    raw = body.get(alloc_key)
    if not isinstance(raw, list) or not raw:
        raise MyobError(errors.REQUIRED, f"{alloc_key} is required", details=alloc_key)
    allocations: list[Allocation] = []
    for n, entry in enumerate(raw):
        where = f"{alloc_key}[{n}]."
        if not isinstance(entry, dict):
            raise MyobError(errors.SERIALIZATION, f"{alloc_key}[{n}] must be an object", details=alloc_key)
        target_uid = link(entry, "Purchase") if ledger == "purchase" else (entry.get("UID") or "").strip().lower()
        if not target_uid:
            raise MyobError(errors.REQUIRED, f"{where}UID is required", details=f"{where}UID")
        sale = b.sales.get(target_uid)
        if sale is None or sale.ledger != ledger or sale.contact_uid != contact_uid:
            raise MyobError(errors.REFERENCE_NOT_FOUND, f"{where}the {'invoice' if ledger == 'sale' else 'bill'} "
                            f"was not found for this {party.lower()}", details=f"{where}UID")
        applied = money(need(entry, "AmountApplied", where), f"{where}AmountApplied")
        already = sum((a.amount for a in allocations if a.sale_uid == sale.uid), ZERO)
        if applied <= 0:
            raise MyobError(errors.INVALID_VALUE, f"{where}AmountApplied must be greater than zero",
                            details=f"{where}AmountApplied")
        if applied + already > sale.balance_due:
            raise MyobError(errors.OVER_APPLIED, details=f"{where}AmountApplied {applied} > BalanceDueAmount "
                                                         f"{sale.balance_due} on {sale.number}")
        allocations.append(Allocation(n + 1, sale.uid, applied, row_version()))
    if sum((a.amount for a in allocations), ZERO) > amount:
        raise MyobError(errors.APPLIED_EXCEEDS_PAYMENT, details=amount_key)
    number = str(body.get(number_key) or "").strip() or b.next_number(f"pay-{ledger}", 8,
                                                                      "CR" if ledger == "sale" else "CP")
    known = {"UID", "URI", "RowVersion", party, route_key, "Account", "Date", amount_key, alloc_key, number_key,
             "LastModified", "Created"}
    payment = Payment(new_uid(), ledger, contact_uid, number, when, amount, account_uid, route, allocations,
                      b.next_seq(), ctx.now, ctx.now, row_version(),
                      fields={k: v for k, v in body.items() if k not in known})
    b.payments[payment.uid] = payment
    for allocation in allocations:
        sale = b.sales[allocation.sale_uid]
        sale.applied += allocation.amount
        _touch(ctx, sale)
    return payment


def delete(ctx: Ctx, payment: Payment) -> None:
    check_changeable(ctx, payment.date, deleting=True)
    if payment.reconciled is not None:
        raise MyobError(errors.RECONCILED)
    b = ctx.business
    del b.payments[payment.uid]
    for allocation in payment.allocations:
        sale = b.sales.get(allocation.sale_uid)
        if sale is not None:
            sale.applied -= allocation.amount
            _touch(ctx, sale)
