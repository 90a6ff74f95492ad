"""Seed data: one New Zealand company with a small chart of accounts, GST codes and two items.

Override through ``QuickBooksSandbox(seed={...})``: ``realm_id``, ``name``, ``country`` (``US``
switches off GlobalTaxCalculation), ``home_currency`` (default NZD), ``time_offset_hours`` (default
-8: QBO stamps times in Pacific time), ``multicurrency`` (default true), ``custom_txn_numbers``
(default true), ``book_close_date``, ``fiscal_year_start_month``, ``exchange_rates`` ({code: home
units per unit}), ``accounts`` (rows like :data:`DEFAULT_ACCOUNTS`), ``tax_rates``/``tax_codes``
(like :data:`DEFAULT_TAX_RATES`/:data:`DEFAULT_TAX_CODES`) and ``items`` (name, income AcctNum,
expense AcctNum).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from .store import Company

DEFAULT_REALM_ID = "9341453012345678"

# AcctNum, Name, AccountType, AccountSubType, Classification
DEFAULT_ACCOUNTS: list[tuple[str, str, str, str, str]] = [
    ("090", "Business Bank Account", "Bank", "Checking", "Asset"),
    ("091", "Business Savings Account", "Bank", "Savings", "Asset"),
    ("200", "Sales", "Income", "SalesOfProductIncome", "Revenue"),
    ("260", "Other Revenue", "Income", "ServiceFeeIncome", "Revenue"),
    ("310", "Cost of Goods Sold", "Cost of Goods Sold", "SuppliesMaterialsCogs", "Expense"),
    ("400", "Advertising", "Expense", "AdvertisingPromotional", "Expense"),
    ("429", "General Expenses", "Expense", "OfficeGeneralAdministrativeExpenses", "Expense"),
    ("499", "Exchange Gain or Loss", "Other Expense", "ExchangeGainOrLoss", "Expense"),
    ("610", "Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable", "Asset"),
    ("615", "Undeposited Funds", "Other Current Asset", "UndepositedFunds", "Asset"),
    ("800", "Accounts Payable (A/P)", "Accounts Payable", "AccountsPayable", "Liability"),
    ("820", "GST Payable", "Other Current Liability", "GlobalTaxPayable", "Liability"),
    ("960", "Retained Earnings", "Equity", "RetainedEarnings", "Equity"),
]

# Id, Name, percent
DEFAULT_TAX_RATES: list[tuple[str, str, str]] = [
    ("1", "GST (sales)", "15"), ("2", "GST (purchases)", "15"),
    ("3", "Zero-rated (sales)", "0"), ("4", "Zero-rated (purchases)", "0"),
]
# Id, Name, sales rate ids, purchase rate ids (no rates: not taxable)
DEFAULT_TAX_CODES: list[tuple[str, str, list[str], list[str]]] = [
    ("5", "GST", ["1"], ["2"]), ("6", "Zero-rated", ["3"], ["4"]), ("7", "Exempt", [], []),
]
DEFAULT_ITEMS: list[tuple[str, str, str]] = [("Services", "200", "429"), ("Materials", "260", "310")]


def _date(value: Any) -> date | None:
    return value if value is None or isinstance(value, date) else date.fromisoformat(str(value))


def build_company(options: dict[str, Any] | None, now: datetime) -> Company:
    """A fresh :class:`Company` from seed options (see module docstring)."""
    o = dict(options or {})
    home = str(o.get("home_currency", "NZD")).upper()
    rates = {"AUD": "1.09", "USD": "1.70", "EUR": "1.85", "GBP": "2.15", "NZD": "1"}
    rates.update({k.upper(): str(v) for k, v in (o.get("exchange_rates") or {}).items()})
    company = Company(
        realm_id=str(o.get("realm_id", DEFAULT_REALM_ID)), name=o.get("name", "Sandbox Plumbing Ltd"),
        country=str(o.get("country", "NZ")).upper(), home_currency=home,
        offset=timedelta(hours=float(o.get("time_offset_hours", -8))),
        multicurrency=bool(o.get("multicurrency", True)), custom_txn_numbers=bool(o.get("custom_txn_numbers", True)),
        book_close_date=_date(o.get("book_close_date")),
        fiscal_year_start_month=int(o.get("fiscal_year_start_month", 4)),
        exchange_rates={k: Decimal(v) for k, v in rates.items() if k != home}, created=now)

    def put(kind: str, data: dict[str, Any]) -> dict[str, Any]:
        company.touch(kind, data, now, created=True)
        return data

    accounts: dict[str, dict] = {}
    for num, name, acc_type, sub_type, classification in o.get("accounts") or DEFAULT_ACCOUNTS:
        accounts[num] = put("Account", {
            "Name": name, "AcctNum": num, "FullyQualifiedName": name, "SubAccount": False, "Active": True,
            "Classification": classification, "AccountType": acc_type, "AccountSubType": sub_type,
            "CurrentBalance": Decimal("0"), "CurrentBalanceWithSubAccounts": Decimal("0"),
            "CurrencyRef": {"value": home}})
    for ident, name, pct in o.get("tax_rates") or DEFAULT_TAX_RATES:
        company.table("TaxRate")[ident] = {
            "Id": ident, "SyncToken": "0", "Name": name, "Description": name, "Active": True,
            "RateValue": Decimal(str(pct)), "AgencyRef": {"value": "1"}, "SpecialTaxType": "NONE",
            "DisplayType": "ReadOnly", "domain": "QBO", "sparse": False,
            "MetaData": {"CreateTime": company.stamp(now), "LastUpdatedTime": company.stamp(now)}}
    for ident, name, sales, purchases in o.get("tax_codes") or DEFAULT_TAX_CODES:
        def rate_list(ids: list[str], kind: str) -> dict[str, Any]:
            return {"TaxRateDetail": [{"TaxRateRef": {"value": r, "name": company.table("TaxRate")[r]["Name"]},
                                       "TaxTypeApplicable": "TaxOnAmount", "TaxOrder": 0} for r in ids]}
        company.table("TaxCode")[ident] = {
            "Id": ident, "SyncToken": "0", "Name": name, "Description": name, "Active": True, "Hidden": False,
            "Taxable": bool(sales or purchases), "TaxGroup": len(sales) > 1,
            "SalesTaxRateList": rate_list(sales, "Sales"), "PurchaseTaxRateList": rate_list(purchases, "Purchase"),
            "domain": "QBO", "sparse": False,
            "MetaData": {"CreateTime": company.stamp(now), "LastUpdatedTime": company.stamp(now)}}
    for name, income, expense in o.get("items") or DEFAULT_ITEMS:
        item: dict[str, Any] = {"Name": name, "FullyQualifiedName": name, "Active": True, "Type": "Service",
                                "Taxable": True, "UnitPrice": Decimal("0")}
        if income in accounts:
            item["IncomeAccountRef"] = {"value": accounts[income]["Id"], "name": accounts[income]["Name"]}
        if expense in accounts:
            item["ExpenseAccountRef"] = {"value": accounts[expense]["Id"], "name": accounts[expense]["Name"]}
        put("Item", item)
    return company
