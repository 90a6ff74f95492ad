"""Records → Business API JSON (PascalCase, links as ``{UID, Name/DisplayID/Number, URI}``).

``cf`` is the company file URI the request came in on (links use it, as MYOB's do).
"""

from __future__ import annotations

from typing import Any

from .store import Account, Business, Contact, Item, Payment, Sale, TaxCode

SALE_ROUTES = {"sale": "Sale/Invoice", "purchase": "Purchase/Bill"}


def account_link(business: Business, uid: str | None, cf: str) -> dict[str, Any] | None:
    account = business.account(uid)
    if account is None:
        return None
    return {"UID": account.uid, "Name": account.name, "DisplayID": account.display_id,
            "URI": f"{cf}/GeneralLedger/Account/{account.uid}"}


def tax_link(business: Business, uid: str | None, cf: str) -> dict[str, Any] | None:
    code = business.tax_code(uid)
    if code is None:
        return None
    return {"UID": code.uid, "Code": code.code, "URI": f"{cf}/GeneralLedger/TaxCode/{code.uid}"}


def card_link(business: Business, uid: str, cf: str) -> dict[str, Any]:
    contact = business.contacts.get(uid)
    kind = contact.kind if contact else "Customer"
    return {"UID": uid, "Name": contact.name if contact else None,
            "DisplayID": contact.display_id if contact else None, "URI": f"{cf}/Contact/{kind}/{uid}"}


def account(business: Business, a: Account, cf: str) -> dict[str, Any]:
    parent = None
    if not a.is_header:
        header = next((h for h in business.accounts if h.is_header and h.display_id[0] == a.display_id[0]), None)
        parent = account_link(business, header.uid, cf) if header else None
    return {"UID": a.uid, "Name": a.name, "DisplayID": a.display_id, "Classification": a.classification,
            "Type": a.type, "Number": int(a.display_id.split("-")[1]), "Description": "",
            "ParentAccount": parent, "IsActive": a.is_active, "TaxCode": tax_link(business, a.tax_code_uid, cf),
            "Level": 1 if a.is_header else 2, "OpeningBalance": a.opening_balance,
            "CurrentBalance": business_balance(business, a), "IsHeader": a.is_header,
            "URI": f"{cf}/GeneralLedger/Account/{a.uid}", "RowVersion": a.row_version}


def business_balance(business: Business, a: Account) -> Any:
    from .journals import balance  # late import: journals renders through this module too

    return balance(business, a)


def tax_code(business: Business, t: TaxCode, cf: str) -> dict[str, Any]:
    return {"UID": t.uid, "Code": t.code, "Description": t.description, "Type": t.type, "Rate": t.rate,
            "IsRateNegative": False, "TaxCollectedAccount": account_link(business, t.collected_account, cf),
            "TaxPaidAccount": account_link(business, t.paid_account, cf), "URI": f"{cf}/GeneralLedger/TaxCode/{t.uid}",
            "RowVersion": t.row_version}


def item(business: Business, i: Item, cf: str) -> dict[str, Any]:
    return {"UID": i.uid, "Number": i.number, "Name": i.name, "IsActive": True, "IsSold": True, "IsBought": False,
            "IsInventoried": False, "SellingDetails": {"BaseSellingPrice": i.price,
                                                       "TaxCode": tax_link(business, i.tax_code, cf)},
            "IncomeAccount": account_link(business, i.income_account, cf), "URI": f"{cf}/Inventory/Item/{i.uid}",
            "RowVersion": i.row_version}


def contact(business: Business, c: Contact, cf: str) -> dict[str, Any]:
    from .journals import contact_balance

    body = {"UID": c.uid, "CompanyName": c.company_name, "FirstName": c.first_name, "LastName": c.last_name,
            "IsIndividual": c.is_individual, "DisplayID": c.display_id, "IsActive": c.is_active,
            "Addresses": c.fields.get("Addresses"), "Notes": c.fields.get("Notes"),
            "Identifiers": c.fields.get("Identifiers"), "CustomList1": None, "CustomField1": None,
            "CurrentBalance": contact_balance(business, c), "Type": c.kind}
    details = "SellingDetails" if c.kind == "Customer" else "BuyingDetails"
    body[details] = c.fields.get(details)
    body.update({"LastModified": c.last_modified, "Created": c.created,
                 "URI": f"{cf}/Contact/{c.kind}/{c.uid}", "RowVersion": c.row_version})
    return body


def sale_uri(s: Sale, cf: str) -> str:
    return f"{cf}/{SALE_ROUTES[s.ledger]}/{s.layout}/{s.uid}"


def sale(business: Business, s: Sale, cf: str, *, with_type: bool = False) -> dict[str, Any]:
    party = "Customer" if s.ledger == "sale" else "Supplier"
    lines = []
    for line in s.lines:
        rendered = {"RowID": line.row_id, "Type": line.type, "Description": line.description,
                    "Total": line.total, "Account": account_link(business, line.account_uid, cf),
                    "TaxCode": tax_link(business, line.tax_code_uid, cf), "Job": None}
        rendered.update(line.fields)
        rendered["RowVersion"] = line.row_version
        lines.append(rendered)
    body: dict[str, Any] = {"UID": s.uid, "Number": s.number, "Date": s.date, party: card_link(business, s.contact_uid, cf)}
    if s.ledger == "sale":
        body["CustomerPurchaseOrderNumber"] = s.fields.get("CustomerPurchaseOrderNumber")
    else:
        body["SupplierInvoiceNumber"] = s.fields.get("SupplierInvoiceNumber")
        body["IsReportable"] = bool(s.fields.get("IsReportable", False))
        body["AppliedToDate"] = s.applied
    body.update({
        "ShipToAddress": s.fields.get("ShipToAddress"), "Terms": s.fields.get("Terms"),
        "IsTaxInclusive": s.is_tax_inclusive, "Lines": lines, "Subtotal": s.subtotal, "Freight": s.freight,
        "FreightTaxCode": tax_link(business, s.freight_tax_code_uid, cf), "TotalTax": s.total_tax,
        "TotalAmount": s.total, "Category": None, "Comment": s.fields.get("Comment"),
        "ShippingMethod": s.fields.get("ShippingMethod"), "PromisedDate": s.fields.get("PromisedDate"),
        "JournalMemo": s.fields.get("JournalMemo") or f"{'Sale' if s.ledger == 'sale' else 'Purchase'}; {business.contacts[s.contact_uid].name if s.contact_uid in business.contacts else ''}",
        "BalanceDueAmount": s.balance_due, "Status": s.status, "LastPaymentDate": s.last_payment_date,
        "Order": None, "ForeignCurrency": None, "CurrencyExchangeRate": None,
        "LastModified": s.last_modified, "Created": s.created, "URI": sale_uri(s, cf), "RowVersion": s.row_version,
    })
    if s.ledger == "sale":
        body["Salesperson"] = s.fields.get("Salesperson")
        body["InvoiceDeliveryStatus"] = s.fields.get("InvoiceDeliveryStatus", "Nothing")
    else:
        body["BillDeliveryStatus"] = s.fields.get("BillDeliveryStatus", "Nothing")
    if with_type:
        body["InvoiceType" if s.ledger == "sale" else "BillType"] = s.layout
    return body


def payment(business: Business, p: Payment, cf: str) -> dict[str, Any]:
    if p.ledger == "sale":
        applied = [{"RowID": a.row_id, "Number": business.sales[a.sale_uid].number if a.sale_uid in business.sales else None,
                    "UID": a.sale_uid, "AmountApplied": a.amount, "Type": "Invoice",
                    "URI": sale_uri(business.sales[a.sale_uid], cf) if a.sale_uid in business.sales else None,
                    "RowVersion": a.row_version} for a in p.allocations]
        return {"UID": p.uid, "DepositTo": p.route, "Account": account_link(business, p.account_uid, cf),
                "Customer": card_link(business, p.contact_uid, cf), "ReceiptNumber": p.number, "Date": p.date,
                "AmountReceived": p.amount, "PaymentMethod": p.fields.get("PaymentMethod"), "Memo": p.fields.get("Memo"),
                "Invoices": applied, "DeliveryStatus": None, "ForeignCurrency": None, "CurrencyExchangeRate": None,
                "LastModified": p.last_modified, "Created": p.created,
                "URI": f"{cf}/Sale/CustomerPayment/{p.uid}", "RowVersion": p.row_version}
    lines = [{"RowID": a.row_id, "Type": "Bill",
              "Purchase": {"UID": a.sale_uid, "Number": business.sales[a.sale_uid].number if a.sale_uid in business.sales else None,
                           "URI": sale_uri(business.sales[a.sale_uid], cf) if a.sale_uid in business.sales else None},
              "AmountApplied": a.amount, "RowVersion": a.row_version} for a in p.allocations]
    return {"UID": p.uid, "PayFrom": p.route, "Account": account_link(business, p.account_uid, cf),
            "Supplier": card_link(business, p.contact_uid, cf), "PaymentNumber": p.number, "Date": p.date,
            "AmountPaid": p.amount, "Memo": p.fields.get("Memo"), "PayeeAddress": p.fields.get("PayeeAddress"),
            "StatementParticulars": p.fields.get("StatementParticulars"), "Lines": lines, "DeliveryStatus": None,
            "LastModified": p.last_modified, "Created": p.created,
            "URI": f"{cf}/Purchase/SupplierPayment/{p.uid}", "RowVersion": p.row_version}


def company_file(business: Business, uri: str) -> dict[str, Any]:
    return {"Id": business.id, "Name": business.name, "LibraryPath": business.name, "ProductVersion": "2025.5",
            "ProductLevel": {"Code": 20, "Name": "Standard"}, "CheckedOutDate": None, "CheckedOutBy": None,
            "Uri": uri, "Country": business.country, "LauncherId": business.id, "SerialNumber": business.serial_number,
            "UIAccessFlags": business.ui_access_flags, "Subscription": None}


def preferences(business: Business) -> dict[str, Any]:
    return {"System": {"CategoryTracking": "Off",
                       "TransactionsCannotBeChangedMustBeReversed": business.must_reverse,
                       "LockPeriodPriorTo": business.lock_period_prior_to, "UseAlphaAccountIdentifier": False},
            "ReportsAndForms": None, "Banking": None, "Sales": None, "Purchases": None, "Timesheets": None,
            "RowVersion": business.preferences_row_version}


def accounting_properties(business: Business) -> dict[str, Any]:
    return {"ConversionDate": business.conversion_date, "CurrentFinancialYear": business.current_financial_year,
            "LastMonthFinancialYear": business.last_month_financial_year, "RowVersion": "1"}
