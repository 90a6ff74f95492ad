"""Seed data: one Australian demo organisation with a small chart of accounts and GST rates.

Override any part through the ``organisation`` dict given to :class:`~.XeroSandbox`:
``tenant_id``, ``name``, ``base_currency``, ``country_code``, ``version``, ``timezone``,
``financial_year_end_day``/``_month``, ``currency_rates`` ({code: rate}), ``period_lock_date``,
``end_of_year_lock_date``, ``accounts`` (list of dicts like :data:`DEFAULT_ACCOUNTS`) and
``tax_rates`` (list of (TaxType, name, percent)).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .store import Account, Ledger, Organisation, TaxRate

# code, name, Type, TaxType, Class, SystemAccount, enable payments
DEFAULT_ACCOUNTS: list[tuple[str, str, str, str, str, str | None, bool]] = [
    ("090", "Business Bank Account", "BANK", "BASEXCLUDED", "ASSET", None, False),
    ("091", "Business Savings Account", "BANK", "BASEXCLUDED", "ASSET", None, False),
    ("200", "Sales", "REVENUE", "OUTPUT", "REVENUE", None, False),
    ("260", "Other Revenue", "REVENUE", "OUTPUT", "REVENUE", None, False),
    ("310", "Cost of Goods Sold", "DIRECTCOSTS", "INPUT", "EXPENSE", None, False),
    ("400", "Advertising", "OVERHEADS", "INPUT", "EXPENSE", None, False),
    ("429", "General Expenses", "OVERHEADS", "INPUT", "EXPENSE", None, False),
    ("499", "Realised Currency Gains", "OVERHEADS", "BASEXCLUDED", "EXPENSE", "REALISEDCURRENCYGAIN", False),
    ("610", "Accounts Receivable", "CURRENT", "BASEXCLUDED", "ASSET", "DEBTORS", False),
    ("620", "Prepayments", "CURRENT", "BASEXCLUDED", "ASSET", None, True),
    ("800", "Accounts Payable", "CURRLIAB", "BASEXCLUDED", "LIABILITY", "CREDITORS", False),
    ("820", "GST", "CURRLIAB", "BASEXCLUDED", "LIABILITY", "GST", False),
    ("860", "Rounding", "CURRLIAB", "BASEXCLUDED", "LIABILITY", "ROUNDING", False),
    ("960", "Retained Earnings", "EQUITY", "BASEXCLUDED", "EQUITY", "RETAINEDEARNINGS", False),
]

DEFAULT_TAX_RATES = [
    ("OUTPUT", "GST on Income", "10"),
    ("INPUT", "GST on Expenses", "10"),
    ("EXEMPTOUTPUT", "GST Free Income", "0"),
    ("EXEMPTEXPENSES", "GST Free Expenses", "0"),
    ("BASEXCLUDED", "BAS Excluded", "0"),
    ("INPUTTAXED", "Input Taxed", "0"),
]

DEFAULT_TENANT_ID = "4a0fe3b1-66f0-4b2e-9d0a-5b8d2f7c1e01"


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def build_ledger(options: dict[str, Any] | None, now: datetime) -> Ledger:
    """A fresh :class:`Ledger` from seed options (see module docstring)."""
    o = dict(options or {})
    base = o.get("base_currency", "AUD")
    org = Organisation(
        tenant_id=str(o.get("tenant_id") or DEFAULT_TENANT_ID),
        name=o.get("name", "Sandbox Plumbing Pty Ltd"),
        base_currency=base,
        country_code=o.get("country_code", "AU"),
        version=o.get("version", "AU"),
        timezone=o.get("timezone", "AUSEASTERNSTANDARDTIME"),
        financial_year_end_day=int(o.get("financial_year_end_day", 30)),
        financial_year_end_month=int(o.get("financial_year_end_month", 6)),
        created=now,
        currency_rates={k: Decimal(str(v)) for k, v in o.get(
            "currency_rates", {"USD": "0.65", "NZD": "1.09", "EUR": "0.60", "GBP": "0.52"}).items() if k != base},
        period_lock_date=_date(o.get("period_lock_date")),
        end_of_year_lock_date=_date(o.get("end_of_year_lock_date")),
        organisation_id=str(o.get("organisation_id") or uuid.uuid5(uuid.NAMESPACE_URL, f"org:{o.get('tenant_id')}")),
    )
    accounts = []
    for spec in o.get("accounts") or [dict(zip(("Code", "Name", "Type", "TaxType", "Class", "SystemAccount",
                                                "EnablePaymentsToAccount"), row)) for row in DEFAULT_ACCOUNTS]:
        accounts.append(Account(
            code=spec["Code"], name=spec["Name"], type=spec["Type"], tax_type=spec.get("TaxType", "BASEXCLUDED"),
            account_class=spec.get("Class", "ASSET"), updated=now, system_account=spec.get("SystemAccount"),
            enable_payments=bool(spec.get("EnablePaymentsToAccount", False)),
            bank_account_number="062-000 12345678" if spec["Type"] == "BANK" else None,
            currency_code=base if spec["Type"] == "BANK" else None,
            account_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"account:{org.tenant_id}:{spec['Code']}")),
        ))
    rates = {t: TaxRate(t, name, Decimal(str(pct))) for t, name, pct in (o.get("tax_rates") or DEFAULT_TAX_RATES)}
    return Ledger(org=org, accounts=accounts, tax_rates=rates)
