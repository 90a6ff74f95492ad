"""Xero's validation messages, word for word where a source exists.

Sources (see research/xero.md §4.2): [spec] the OpenAPI examples, [S] issue threads quoting Xero,
[U] unattributed. ``sandbox wording`` marks texts no source gives; plugins must not match on them.
"""

from __future__ import annotations

from datetime import date

INVOICE_NUMBER_NOT_UNIQUE = "Invoice # must be unique."  # [spec]
PAYMENT_EXCEEDS_OUTSTANDING = "Payment amount exceeds the amount outstanding on this document"  # [spec]
ONLY_STATUS_FOR_PAYMENT_UPDATES = "Only Status accepted for updates."  # [S] xero-node#115
ACCOUNT_NOT_FOUND = "Account could not be found"  # [S] pyxero#43
INVALID_STATUS_FOR_MODIFICATION = "Invoice not of valid status for modification"  # [S] Xero staff
HAS_PAYMENT_ALLOCATED = "This document cannot be edited as it has a payment or credit note allocated to it."  # [S]
CONTACT_IDENTITY = ("The Contact must contain at least 1 of the following elements to identify the contact: "
                    "Name, ContactID, ContactNumber")  # [spec]
CONTACT_ARCHIVED = ("The contact with the specified contact details has been archived. The contact must be "
                    "un-archived before creating new invoices or credit notes")  # [U]
DOCUMENT_ID_NOT_FOUND = "The document with the supplied id was not found for this endpoint."  # [spec]
# sandbox wording (no verbatim Xero text found; configurable on XeroSandbox.messages):
PAYMENT_RECONCILED = "Payment cannot be deleted as it has been reconciled with a bank statement"
PAYMENT_NOT_AUTHORISED_DOCUMENT = "Payments can only be made against Authorised documents"
PAYMENT_ALREADY_DELETED = "This payment has already been deleted"
PAYMENT_AMOUNT_POSITIVE = "Payment amount must be greater than zero"
PAYMENT_NEEDS_DOCUMENT = "Payment must specify an Invoice by InvoiceID or InvoiceNumber"
PAYMENT_NEEDS_DATE = "Payment date must be specified"
INVOICE_NOT_FOUND = "An existing Invoice with the specified InvoiceID could not be found"  # by analogy with [spec]'s Credit Note text
INVOICE_TYPE_REQUIRED = "Invoice Type must be specified and be ACCREC or ACCPAY"
LINE_ITEMS_REQUIRED = "At least one line item must be specified"
ACCOUNT_CODE_REQUIRED = "An account code must be specified on every line item of an approved invoice"
INVALID_STATUS_FOR_CREATION = "Invoice not of valid status for creation"
CONTACT_NAME_REQUIRED = "The contact name must be specified"
CONTACT_NOT_FOUND = "The contact with the specified ContactID could not be found"
CURRENCY_RATE_OF_ONE = "A CurrencyRate of 1 was used for a foreign-currency document; check the exchange rate"


def account_code_removed(code: str) -> str:  # [spec]
    return f"Account code '{code}' has been removed as it does not match a recognised account."


def tax_type_not_allowed(tax_type: str, code: str | None) -> str:  # [U] Retail Express help
    return f"The TaxType code '{tax_type}' cannot be used with account code '{code or ''}'"


def contact_name_taken(name: str) -> str:  # [spec]
    return (f"The contact name {name} is already assigned to another contact. "
            "The contact name must be unique across all active contacts.")


def currency_not_subscribed(code: str) -> str:  # [U]
    return f"Organisation is not subscribed to currency {code}"


def _lock_text(lock: date) -> str:
    return lock.strftime("%d-%b-%Y")


def date_before_end_of_year_lock(lock: date) -> str:  # [S] xeroizer#92
    return f"The document date cannot be before the end of year lock date, currently set at {_lock_text(lock)}"


def date_before_period_lock(lock: date) -> str:  # [U] base text; the ", currently set at" tail mirrors the EOY one
    return f"The document date cannot be before the period lock date, currently set at {_lock_text(lock)}"


def edit_before_lock(which: str) -> str:  # [U] error-constant file ("end of year"); "period" by analogy
    return f"The document cannot be edited as it is currently dated before the {which} lock date"
