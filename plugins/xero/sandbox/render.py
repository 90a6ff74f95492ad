"""Records → Xero's PascalCase shapes, as typed dicts (Decimal, date, datetime).

:mod:`.wire` turns dates into MS-JSON on output; ``where`` filters and ``order`` run on these
typed dicts, so a filter compares dates and amounts, not strings.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .store import Account, Contact, Invoice, Journal, Ledger, Organisation, Payment
from .totals import ZERO, money, round_to, to_base
from .wire import date_string, datetime_string


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        out[key] = value


def _dated(out: dict[str, Any], key: str, value: date | None) -> None:
    if value is not None:
        out[key + "String"] = date_string(value)
        out[key] = value


def contact_ref(contact: Contact) -> dict[str, Any]:
    out: dict[str, Any] = {"ContactID": contact.contact_id}
    _put(out, "ContactNumber", contact.contact_number)
    out.update({"Name": contact.name, "ContactStatus": contact.status, "HasValidationErrors": False})
    return out


def invoice(ledger: Ledger, inv: Invoice, *, lines: bool = True, unitdp: int = 2) -> dict[str, Any]:
    """An Invoice; ``lines=False`` gives ``LineItems: []`` as Xero's unpaged lists do."""
    out: dict[str, Any] = {"Type": inv.type, "InvoiceID": inv.invoice_id}
    _put(out, "InvoiceNumber", inv.number)
    _put(out, "Reference", inv.reference)
    payments = [ledger.payments[p] for p in inv.payment_ids if ledger.payments[p].status == "AUTHORISED"]
    out["Payments"] = [{"PaymentID": p.payment_id, "Date": p.date, "Amount": p.amount, "Reference": p.reference or "",
                        "CurrencyRate": p.currency_rate, "HasAccount": False, "HasValidationErrors": False}
                       for p in payments]
    out.update({"CreditNotes": [], "Prepayments": [], "Overpayments": [],
                "AmountDue": money(inv.amount_due, inv.currency_code), "AmountPaid": money(inv.amount_paid, inv.currency_code),
                "AmountCredited": money(inv.amount_credited, inv.currency_code),
                "CurrencyRate": inv.currency_rate, "IsDiscounted": False, "HasAttachments": False, "HasErrors": False,
                "Contact": contact_ref(ledger.contacts[inv.contact_id])})
    _dated(out, "Date", inv.date)
    _dated(out, "DueDate", inv.due_date)
    out.update({"Status": inv.status, "LineAmountTypes": inv.line_amount_types,
                "LineItems": [line_item(ledger, l, unitdp) for l in inv.lines] if lines else [],
                "SubTotal": inv.sub_total, "TotalTax": inv.total_tax, "Total": inv.total,
                "UpdatedDateUTC": inv.updated, "UpdatedDateUTCString": datetime_string(inv.updated),
                "CurrencyCode": inv.currency_code, "SentToContact": inv.sent_to_contact})
    if inv.fully_paid_on is not None:
        out["FullyPaidOnDate"] = inv.fully_paid_on
    out.update(inv.extra)
    return out


def line_item(ledger: Ledger, line: Any, unitdp: int = 2) -> dict[str, Any]:
    out: dict[str, Any] = {"LineItemID": line.line_item_id}
    _put(out, "Description", line.description)
    out["Quantity"] = round_to(line.quantity, 4)
    out["UnitAmount"] = round_to(line.unit_amount, unitdp)
    _put(out, "ItemCode", line.item_code)
    _put(out, "AccountCode", line.account_code)
    account = ledger.account_by_code(line.account_code)
    if account is not None:
        out["AccountID"] = account.account_id
    _put(out, "TaxType", line.tax_type)
    out["TaxAmount"] = line.tax_amount
    out["LineAmount"] = line.line_amount
    _put(out, "DiscountRate", line.discount_rate)
    out["Tracking"] = list(line.tracking)
    return out


def payment(ledger: Ledger, pay: Payment) -> dict[str, Any]:
    inv = ledger.invoices[pay.invoice_id]
    account = ledger.account_by_id(pay.account_id)
    bank_currency = (account.currency_code if account else None) or ledger.org.base_currency
    bank_amount = pay.amount if bank_currency == inv.currency_code else to_base(pay.amount, pay.currency_rate,
                                                                                  ledger.org.base_currency)
    out: dict[str, Any] = {"PaymentID": pay.payment_id}
    _dated(out, "Date", pay.date)
    out.update({"BankAmount": bank_amount, "Amount": pay.amount, "Reference": pay.reference or "",
                "CurrencyRate": pay.currency_rate, "PaymentType": pay.payment_type, "Status": pay.status,
                "UpdatedDateUTC": pay.updated, "UpdatedDateUTCString": datetime_string(pay.updated),
                "HasAccount": True, "IsReconciled": pay.is_reconciled})
    if account is not None:
        out["Account"] = {"AccountID": account.account_id, "Code": account.code, "Name": account.name}
    ref: dict[str, Any] = {"Type": inv.type, "InvoiceID": inv.invoice_id}
    _put(ref, "InvoiceNumber", inv.number)
    ref.update({"Contact": contact_ref(ledger.contacts[inv.contact_id]), "CurrencyCode": inv.currency_code,
                "Payments": [], "CreditNotes": [], "Prepayments": [], "Overpayments": [], "HasErrors": False,
                "IsDiscounted": False, "LineItems": []})
    out["Invoice"] = ref
    out["HasValidationErrors"] = False
    return out


def contact(ledger: Ledger, c: Contact, today: date) -> dict[str, Any]:
    out: dict[str, Any] = {"ContactID": c.contact_id}
    _put(out, "ContactNumber", c.contact_number)
    out.update({"ContactStatus": c.status, "Name": c.name})
    out.update(c.fields)
    out.setdefault("Addresses", [])
    out.setdefault("Phones", [])
    invoices = [i for i in ledger.invoices.values() if i.contact_id == c.contact_id
                and i.status in ("AUTHORISED", "PAID")]
    balances: dict[str, Any] = {}
    for kind, key in (("ACCREC", "AccountsReceivable"), ("ACCPAY", "AccountsPayable")):
        mine = [i for i in invoices if i.type == kind]
        balances[key] = {
            "Outstanding": money(sum((i.amount_due for i in mine), ZERO), ledger.org.base_currency),
            "Overdue": money(sum((i.amount_due for i in mine if i.due_date and i.due_date < today), ZERO),
                             ledger.org.base_currency)}
    out.update({"UpdatedDateUTC": c.updated, "ContactGroups": [], "ContactPersons": [],
                "IsSupplier": any(i.type == "ACCPAY" for i in invoices),
                "IsCustomer": any(i.type == "ACCREC" for i in invoices),
                "Balances": balances, "HasAttachments": False, "HasValidationErrors": False})
    return out


def account(a: Account) -> dict[str, Any]:
    out: dict[str, Any] = {"AccountID": a.account_id, "Code": a.code, "Name": a.name, "Status": a.status,
                           "Type": a.type, "TaxType": a.tax_type, "Class": a.account_class,
                           "EnablePaymentsToAccount": a.enable_payments, "ShowInExpenseClaims": False,
                           "BankAccountType": "BANK" if a.is_bank else ""}
    _put(out, "BankAccountNumber", a.bank_account_number)
    _put(out, "CurrencyCode", a.currency_code)
    _put(out, "SystemAccount", a.system_account)
    out.update({"ReportingCode": "", "ReportingCodeName": "", "HasAttachments": False,
                "UpdatedDateUTC": a.updated, "AddToWatchlist": False})
    return out


def organisation(org: Organisation) -> dict[str, Any]:
    out: dict[str, Any] = {
        "OrganisationID": org.organisation_id, "Name": org.name, "LegalName": org.name, "PaysTax": True,
        "Version": org.version, "OrganisationType": "COMPANY", "BaseCurrency": org.base_currency,
        "CountryCode": org.country_code, "IsDemoCompany": False, "OrganisationStatus": "ACTIVE",
        "FinancialYearEndDay": org.financial_year_end_day, "FinancialYearEndMonth": org.financial_year_end_month,
        "SalesTaxBasis": "ACCRUALS", "SalesTaxPeriod": "QUARTERLY1", "DefaultSalesTax": "Tax Exclusive",
        "DefaultPurchasesTax": "Tax Exclusive"}
    _put(out, "PeriodLockDate", org.period_lock_date)
    _put(out, "EndOfYearLockDate", org.end_of_year_lock_date)
    out.update({"CreatedDateUTC": org.created, "OrganisationEntityType": "COMPANY", "Timezone": org.timezone,
                "ShortCode": org.short_code, "Edition": "BUSINESS", "Class": "PREMIUM",
                "Addresses": [], "Phones": [], "ExternalLinks": [], "PaymentTerms": {}})
    return out


def journal(j: Journal, base_currency: str, *, with_source: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"JournalID": j.journal_id, "JournalDate": j.journal_date, "JournalNumber": j.number,
                           "CreatedDateUTC": j.created}
    _put(out, "Reference", j.reference)
    if with_source:
        out.update({"SourceID": j.source_id, "SourceType": j.source_type})
    lines = []
    for l in j.lines:
        row: dict[str, Any] = {"JournalLineID": l.line_id, "AccountID": l.account.account_id,
                               "AccountCode": l.account.code, "AccountType": l.account.type,
                               "AccountName": l.account.name}
        _put(row, "Description", l.description)
        row.update({"NetAmount": money(l.net, base_currency), "GrossAmount": money(l.net + l.tax, base_currency),
                    "TaxAmount": money(l.tax, base_currency)})
        _put(row, "TaxType", l.tax_type)
        _put(row, "TaxName", l.tax_name)
        row["TrackingCategories"] = []
        lines.append(row)
    out["JournalLines"] = lines
    return out
