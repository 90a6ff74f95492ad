"""Seed data: an AccountRight company file and a legacy Essentials business (both AUD, AU GST).

Options (dict, any key optional): ``id``, ``name``, ``edition`` (``accountright``/``essentials``),
``current_financial_year`` (the year the FY *ends*; default: the financial year that contained
"now minus one year", so the previous year is still open as in most real files),
``last_month_financial_year`` (6), ``conversion_date``, ``lock_period_prior_to``,
``must_reverse``, ``requires_cftoken`` (+ ``cftoken``), ``unique_numbers``, ``ui_access_flags``.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .store import Account, Business, Item, TaxCode

DEFAULT_BUSINESS_ID = "6f1c2a7e-3b9d-4c55-8a0e-2d4b7f9e1c01"
DEFAULT_LEGACY_ID = "168254"
NAMESPACE = uuid.UUID("0b5f6c3e-9a41-4d2e-b7c8-1f2e3d4c5b6a")

# DisplayID, Name, Classification, Type, is header, default tax code
ACCOUNTS: list[tuple[str, str, str, str, bool, str | None]] = [
    ("1-0000", "Assets", "Asset", "Asset", True, None),
    ("1-1110", "Business Cheque Account", "Asset", "Bank", False, "N-T"),
    ("1-1120", "Business Savings Account", "Asset", "Bank", False, "N-T"),
    ("1-1180", "Undeposited Funds", "Asset", "Bank", False, "N-T"),
    ("1-1200", "Trade Debtors", "Asset", "AccountReceivable", False, "N-T"),
    ("2-0000", "Liabilities", "Liability", "Liability", True, None),
    ("2-1200", "Trade Creditors", "Liability", "AccountsPayable", False, "N-T"),
    ("2-1310", "GST Collected", "Liability", "OtherCurrentLiability", False, "N-T"),
    ("2-1330", "GST Paid", "Liability", "OtherCurrentLiability", False, "N-T"),
    ("3-0000", "Equity", "Equity", "Equity", True, None),
    ("3-8000", "Retained Earnings", "Equity", "Equity", False, "N-T"),
    ("4-0000", "Income", "Income", "Income", True, None),
    ("4-1000", "Sales", "Income", "Income", False, "GST"),
    ("4-2000", "Service Income", "Income", "Income", False, "GST"),
    ("5-0000", "Cost Of Sales", "CostOfSales", "CostOfSales", True, None),
    ("5-1000", "Purchases", "CostOfSales", "CostOfSales", False, "GST"),
    ("6-0000", "Expenses", "Expense", "Expense", True, None),
    ("6-1000", "General Expenses", "Expense", "Expense", False, "GST"),
    ("6-2000", "Materials", "Expense", "Expense", False, "GST"),
    ("8-1000", "Rounding", "OtherIncome", "OtherIncome", False, "N-T"),
]

# Code, Description, Type, rate (%)
TAX_CODES: list[tuple[str, str, str, str]] = [
    ("GST", "Goods & Services Tax", "GoodsAndServicesTax", "10"),
    ("CAP", "Capital Acquisitions", "GoodsAndServicesTax", "10"),
    ("FRE", "GST Free", "GoodsAndServicesTax", "0"),
    ("EXP", "Export Sales", "GoodsAndServicesTax", "0"),
    ("ITS", "Input Taxed Sales", "InputTaxed", "0"),
    ("N-T", "No Tax", "GoodsAndServicesTax", "0"),
]

ITEMS = [("LABOUR", "Labour (per hour)", "4-2000", "GST", "95.00"), ("PARTS", "Parts", "4-1000", "GST", "1.00")]


def _uid(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, ":".join(parts)))


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def default_financial_year(now: datetime, last_month: int = 6) -> int:
    """The FY (named by the year it ends) that contained ``now`` minus one year."""
    year, month = now.year - 1, now.month
    return year + 1 if month > last_month else year


def build_business(options: dict[str, Any] | None, now: datetime) -> Business:
    o = dict(options or {})
    edition = o.get("edition", "accountright")
    legacy = edition == "essentials"
    ident = str(o.get("id") or (DEFAULT_LEGACY_ID if legacy else DEFAULT_BUSINESS_ID))
    last_month = int(o.get("last_month_financial_year", 6))
    fy = int(o.get("current_financial_year") or default_financial_year(now, last_month))
    tax_codes = []
    for n, (code, description, type_, rate) in enumerate(TAX_CODES):
        tax_codes.append(TaxCode(_uid(ident, "tax", code), code, description, type_, Decimal(rate),
                                 legacy_uid=str(10 + n)))
    by_code = {t.code: t for t in tax_codes}
    accounts = []
    for n, (display_id, name, classification, type_, header, tax) in enumerate(ACCOUNTS):
        accounts.append(Account(_uid(ident, "account", display_id), display_id, name, classification, type_,
                                header, by_code[tax].uid if tax else None, legacy_uid=str(10108100 + n)))
    for code in ("GST", "CAP"):
        by_code[code].collected_account = next(a.uid for a in accounts if a.display_id == "2-1310")
        by_code[code].paid_account = next(a.uid for a in accounts if a.display_id == "2-1330")
    by_display = {a.display_id: a for a in accounts}
    items = [Item(_uid(ident, "item", number), number, name, by_display[acct].uid, by_code[tax].uid, Decimal(price))
             for number, name, acct, tax, price in ITEMS]
    business = Business(
        id=ident, name=o.get("name", "Sandbox Legacy Plumbing" if legacy else "Sandbox Plumbing Pty Ltd"),
        edition=edition, country=o.get("country", "AU"), currency="AUD", accounts=accounts,
        tax_codes=tax_codes, items=items,
        conversion_date=_date(o.get("conversion_date")) or date(fy - 2, last_month % 12 + 1, 1),
        current_financial_year=fy, last_month_financial_year=last_month,
        lock_period_prior_to=_date(o.get("lock_period_prior_to")), must_reverse=bool(o.get("must_reverse", False)),
        ui_access_flags=int(o.get("ui_access_flags", 3)), requires_cftoken=bool(o.get("requires_cftoken", False)),
        cftoken=o.get("cftoken"), unique_numbers=bool(o.get("unique_numbers", True)),
    )
    for record in (*accounts, *tax_codes):
        if record.legacy_uid:
            business.legacy_ids[record.legacy_uid] = record.uid
    return business
