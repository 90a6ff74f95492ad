"""The sandbox's state for one organisation (tenant): records and counters.

Records hold Python values (Decimal money, ``date`` business dates, aware UTC datetimes); the
wire format lives in :mod:`.render` and :mod:`.wire`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .totals import ZERO


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class TaxRate:
    tax_type: str
    name: str
    rate: Decimal  # percent


@dataclass
class Account:
    code: str
    name: str
    type: str
    tax_type: str
    account_class: str
    updated: datetime
    account_id: str = field(default_factory=new_id)
    status: str = "ACTIVE"
    system_account: str | None = None
    bank_account_number: str | None = None
    currency_code: str | None = None
    enable_payments: bool = False

    @property
    def is_bank(self) -> bool:
        return self.type == "BANK"


@dataclass
class Organisation:
    tenant_id: str
    name: str
    base_currency: str
    country_code: str
    version: str
    timezone: str
    financial_year_end_day: int
    financial_year_end_month: int
    created: datetime
    currency_rates: dict[str, Decimal]  # subscribed foreign currencies → day rate
    period_lock_date: date | None = None
    end_of_year_lock_date: date | None = None
    short_code: str = "!sbx01"
    organisation_id: str = field(default_factory=new_id)


@dataclass
class Contact:
    contact_id: str
    name: str
    updated: datetime
    seq: int
    contact_number: str | None = None
    status: str = "ACTIVE"
    fields: dict[str, Any] = field(default_factory=dict)  # other writable fields, as sent


@dataclass
class Line:
    line_item_id: str
    description: str | None
    quantity: Decimal
    unit_amount: Decimal
    account_code: str | None
    tax_type: str | None
    tax_amount: Decimal
    line_amount: Decimal
    discount_rate: Decimal | None = None
    item_code: str | None = None
    tracking: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Invoice:
    invoice_id: str
    type: str
    contact_id: str
    date: date
    status: str
    line_amount_types: str
    currency_code: str
    currency_rate: Decimal
    lines: list[Line]
    updated: datetime
    seq: int
    number: str | None = None
    reference: str | None = None
    due_date: date | None = None
    sub_total: Decimal = ZERO
    total_tax: Decimal = ZERO
    total: Decimal = ZERO
    amount_paid: Decimal = ZERO
    amount_credited: Decimal = ZERO
    fully_paid_on: date | None = None
    sent_to_contact: bool = False
    extra: dict[str, Any] = field(default_factory=dict)  # Url, ExpectedPaymentDate …
    payment_ids: list[str] = field(default_factory=list)

    @property
    def amount_due(self) -> Decimal:
        return self.total - self.amount_paid - self.amount_credited


@dataclass
class Payment:
    payment_id: str
    invoice_id: str
    account_id: str
    date: date
    amount: Decimal
    currency_rate: Decimal
    payment_type: str
    updated: datetime
    seq: int
    reference: str | None = None
    is_reconciled: bool = False
    status: str = "AUTHORISED"


@dataclass
class JournalLine:
    account: Account
    net: Decimal
    tax: Decimal = ZERO
    tax_type: str | None = None
    tax_name: str | None = None
    description: str | None = None
    line_id: str = field(default_factory=new_id)


@dataclass
class Journal:
    number: int
    journal_date: date
    created: datetime
    source_id: str
    source_type: str
    lines: list[JournalLine]
    reference: str | None = None
    journal_id: str = field(default_factory=new_id)


@dataclass
class Ledger:
    """Everything one organisation holds."""

    org: Organisation
    accounts: list[Account]
    tax_rates: dict[str, TaxRate]
    contacts: dict[str, Contact] = field(default_factory=dict)
    invoices: dict[str, Invoice] = field(default_factory=dict)
    payments: dict[str, Payment] = field(default_factory=dict)
    journals: list[Journal] = field(default_factory=list)
    posted: dict[str, Journal] = field(default_factory=dict)  # source id → its current journal
    _seq: int = 0
    _invoice_number: int = 0

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def account_by_code(self, code: str | None) -> Account | None:
        return next((a for a in self.accounts if code is not None and a.code == code and a.status == "ACTIVE"), None)

    def account_by_id(self, account_id: str | None) -> Account | None:
        return next((a for a in self.accounts if account_id and a.account_id == account_id.lower()), None)

    def system_account(self, name: str) -> Account:
        return next(a for a in self.accounts if a.system_account == name)

    def next_invoice_number(self) -> str:
        """``INV-0001``-style numbers, skipping ones already taken."""
        taken = {i.number for i in self.invoices.values() if i.type == "ACCREC"}
        while True:
            self._invoice_number += 1
            candidate = f"INV-{self._invoice_number:04d}"
            if candidate not in taken:
                return candidate
