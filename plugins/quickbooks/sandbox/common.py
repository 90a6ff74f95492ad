"""What every entity operation shares: the call context, field lists, and validation helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import QBOFault
from .store import Company
from .wire import local_date

_BASE = {"Id", "SyncToken", "MetaData", "domain", "sparse", "status", "CustomField"}
_NAME = {"DisplayName", "Title", "GivenName", "MiddleName", "FamilyName", "Suffix", "CompanyName",
         "FullyQualifiedName", "PrintOnCheckName", "Active", "PrimaryEmailAddr", "PrimaryPhone", "Mobile", "Fax",
         "AlternatePhone", "WebAddr", "BillAddr", "ShipAddr", "Notes", "CurrencyRef", "Balance", "OtherContactInfo",
         "TaxIdentifier", "BusinessNumber", "GSTIN", "GSTRegistrationType", "Source", "V4IDPseudonym"}
_TXN = {"DocNumber", "TxnDate", "CurrencyRef", "ExchangeRate", "PrivateNote", "Line", "TxnTaxDetail",
        "GlobalTaxCalculation", "LinkedTxn", "TotalAmt", "HomeTotalAmt", "DepartmentRef", "TransactionLocationType",
        "TxnSource", "TxnStatus"}
FIELDS: dict[str, set[str]] = {
    "Customer": _BASE | _NAME | {"Taxable", "BalanceWithJobs", "PreferredDeliveryMethod", "ResaleNum", "Job",
                                 "ParentRef", "Level", "BillWithParent", "SalesTermRef", "PaymentMethodRef",
                                 "DefaultTaxCodeRef", "TaxExemptionReasonId", "OpenBalanceDate", "IsProject",
                                 "CustomerTypeRef", "PrimaryTaxIdentifier", "SecondaryTaxIdentifier", "ARAccountRef"},
    "Vendor": _BASE | _NAME | {"Vendor1099", "AcctNum", "BillRate", "CostRate", "TermRef", "APAccountRef",
                               "VendorPaymentBankDetail", "T4AEligible", "T5018Eligible", "HasTPAR"},
    "Item": _BASE | {"Name", "Sku", "Description", "PurchaseDesc", "Active", "Type", "IncomeAccountRef",
                     "ExpenseAccountRef", "AssetAccountRef", "UnitPrice", "PurchaseCost", "Taxable",
                     "SalesTaxIncluded", "PurchaseTaxIncluded", "SalesTaxCodeRef", "PurchaseTaxCodeRef",
                     "TrackQtyOnHand", "QtyOnHand", "InvStartDate", "FullyQualifiedName", "SubItem", "ParentRef",
                     "Level", "ClassRef"},
    "Account": _BASE | {"Name", "AcctNum", "Description", "Active", "AccountType", "AccountSubType",
                        "Classification", "FullyQualifiedName", "SubAccount", "ParentRef", "CurrencyRef",
                        "CurrentBalance", "CurrentBalanceWithSubAccounts", "TaxCodeRef"},
    "Invoice": _BASE | _TXN | {"CustomerRef", "DueDate", "CustomerMemo", "BillEmail", "BillEmailCc",
                               "BillEmailBcc", "BillAddr", "ShipAddr", "ShipFromAddr", "ShipDate", "TrackingNum",
                               "ShipMethodRef", "SalesTermRef", "ClassRef", "EmailStatus", "PrintStatus",
                               "ApplyTaxAfterDiscount", "AllowOnlineACHPayment", "AllowOnlineCreditCardPayment",
                               "AllowIPNPayment", "AllowOnlinePayment", "Deposit", "DepositToAccountRef", "Balance",
                               "HomeBalance", "ProjectRef", "InvoiceLink", "DeliveryInfo", "TaxExemptionRef",
                               "RecurDataRef", "FreeFormAddress"},
    "Bill": _BASE | _TXN | {"VendorRef", "DueDate", "APAccountRef", "SalesTermRef", "Balance", "HomeBalance",
                            "VendorAddr", "IncludeInAnnualTPAR", "RecurDataRef"},
    "Payment": _BASE | _TXN | {"CustomerRef", "DepositToAccountRef", "ARAccountRef", "PaymentMethodRef",
                               "PaymentRefNum", "ProcessPayment", "UnappliedAmt", "CreditCardPayment", "ProjectRef"},
    "BillPayment": _BASE | _TXN | {"VendorRef", "PayType", "CheckPayment", "CreditCardPayment", "APAccountRef",
                                   "ProcessBillPayment"},
}
READ_ONLY = {"Id", "SyncToken", "MetaData", "domain", "sparse", "status", "TotalAmt", "HomeTotalAmt", "Balance",
             "HomeBalance", "UnappliedAmt", "FullyQualifiedName", "CurrentBalance", "CurrentBalanceWithSubAccounts",
             "BalanceWithJobs"}


@dataclass
class Ctx:
    """One operation's world: the company, the time, the request's ``include`` flags, texts."""

    company: Company
    now: datetime
    include: set[str] = field(default_factory=set)
    texts: dict[str, tuple[str, str]] | None = None

    @property
    def today(self) -> date:
        return local_date(self.now, self.company.offset)

    def fault(self, code: str, **kw: Any) -> QBOFault:
        return QBOFault(code, texts=self.texts, **kw)


def check_fields(ctx: Ctx, kind: str, body: dict[str, Any]) -> None:
    """2010 for a property the entity does not have (QBO's JSON mapper rejects unknown fields)."""
    allowed = FIELDS.get(kind)
    if allowed is None:
        return
    for key in body:
        if key not in allowed:
            raise ctx.fault("2010", field=key, entity=kind, element=key)


def require(ctx: Ctx, body: dict[str, Any], name: str) -> Any:
    value = body.get(name)
    if value is None or value == "" or value == [] or value == {}:
        raise ctx.fault("2020", field=name, element=name)
    return value


def ref_id(ctx: Ctx, value: Any, name: str) -> str:
    """The ``value`` of a ReferenceType (2020 when missing)."""
    if not isinstance(value, dict) or value.get("value") in (None, ""):
        raise ctx.fault("2020", field=name, element=name)
    return str(value["value"])


def number(ctx: Ctx, value: Any, name: str) -> Decimal:
    """An exact JSON number (Decimal/int) or numeric string; 2010 otherwise."""
    if isinstance(value, bool) or value is None:
        raise ctx.fault("2010", field=name, entity="", element=name)
    if isinstance(value, (Decimal, int)):
        return Decimal(value)
    if isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            result = None
        if result is not None and result.is_finite():
            return result
    raise ctx.fault("2010", field=name, entity="", element=name)


def a_date(ctx: Ctx, value: Any, name: str) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ctx.fault("2010", field=name, entity="", element=name) from None


def live_ref(ctx: Ctx, kind: str, value: Any, name: str) -> dict[str, Any]:
    """The active entity a reference points to, or 2500 Invalid Reference Id."""
    ident = ref_id(ctx, value, name)
    found = ctx.company.get(kind, ident)
    if found is None or found.get("Active", True) is False:
        raise ctx.fault("2500", element=name)
    return found


def ref(data: dict[str, Any], name_key: str = "Name") -> dict[str, str]:
    return {"value": data["Id"], "name": data.get(name_key) or data.get("DisplayName") or ""}


def check_sync_token(ctx: Ctx, current: dict[str, Any], body: dict[str, Any]) -> None:
    """5010 when the request's SyncToken is not the current one (2020 when it is missing)."""
    token = body.get("SyncToken")
    if token is None or token == "":
        raise ctx.fault("2020", field="SyncToken", element="SyncToken")
    if str(token) != current.get("SyncToken"):
        raise ctx.fault("5010", user="Sandbox User")


def closed(ctx: Ctx, *days: date | None) -> None:
    """6210 when any of ``days`` is on or before the company's BookCloseDate."""
    close = ctx.company.book_close_date
    if close is not None and any(d is not None and d <= close for d in days):
        raise ctx.fault("6210")


def target(ctx: Ctx, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """The existing entity an update/delete/void names by Id (610 when unknown)."""
    ident = body.get("Id")
    if ident in (None, ""):
        raise ctx.fault("2020", field="Id", element="Id")
    found = ctx.company.get(kind, str(ident))
    if found is None:
        detail = ("Another user has deleted this transaction." if kind in ("Invoice", "Bill", "Payment", "BillPayment")
                  else "Something you're trying to use has been made inactive. Check the fields with accounts, "
                       "customers, items, vendors or employees.")
        raise ctx.fault("610", detail=detail, element="Id")
    return found


def merge(current: dict[str, Any], body: dict[str, Any], sparse: bool) -> dict[str, Any]:
    """The writable fields after an update: sparse merges top-level fields, full replaces them."""
    writable = {k: v for k, v in body.items() if k not in READ_ONLY}
    if sparse:
        result = {k: v for k, v in current.items() if k not in READ_ONLY}
        result.update(writable)
        return result
    return writable
