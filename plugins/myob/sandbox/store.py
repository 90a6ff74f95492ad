"""The sandbox's records: one :class:`Business` per company file (AccountRight) and legacy business.

Records hold Python values (Decimal money, ``date`` business dates, aware UTC datetimes); the wire
shapes live in :mod:`.render` and :mod:`.essentials`. Journal transactions are not stored: they
are derived from the documents (:mod:`.journals`), as AccountRight keeps them in step.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

ZERO = Decimal("0")


def new_uid() -> str:
    return str(uuid.uuid4())


@dataclass
class Account:
    uid: str
    display_id: str  # "1-1200"
    name: str
    classification: str  # Asset, Liability, Equity, Income, CostOfSales, Expense, OtherIncome, OtherExpense
    type: str  # Bank, AccountReceivable, AccountsPayable, OtherCurrentLiability, Income, Expense, ...
    is_header: bool = False
    tax_code_uid: str | None = None
    opening_balance: Decimal = ZERO
    is_active: bool = True
    row_version: str = "0"
    legacy_uid: str | None = None  # numeric uid in the legacy Essentials API


@dataclass
class TaxCode:
    uid: str
    code: str  # GST, FRE, N-T ...
    description: str
    type: str
    rate: Decimal  # percent
    collected_account: str | None = None  # account uid
    paid_account: str | None = None
    row_version: str = "0"
    legacy_uid: str | None = None


@dataclass
class Item:
    uid: str
    number: str
    name: str
    income_account: str  # account uid
    tax_code: str  # tax code uid
    price: Decimal
    row_version: str = "0"


@dataclass
class Contact:
    uid: str
    kind: str  # Customer | Supplier
    seq: int
    created: datetime
    last_modified: datetime
    row_version: str
    display_id: str = "*None"
    company_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_individual: bool = False
    is_active: bool = True
    fields: dict[str, Any] = field(default_factory=dict)  # other writable fields, as sent

    @property
    def name(self) -> str:
        if self.is_individual:
            return ", ".join(p for p in (self.last_name, self.first_name) if p)
        return self.company_name or ""


@dataclass
class Line:
    row_id: int
    row_version: str
    type: str  # Transaction | Header | SubTotal
    description: str | None
    total: Decimal
    account_uid: str | None
    tax_code_uid: str | None
    fields: dict[str, Any] = field(default_factory=dict)  # UnitCount, UnitPrice, ShipQuantity, Item, Date ...


@dataclass
class Sale:
    """An invoice (``ledger == "sale"``) or a bill (``"purchase"``)."""

    uid: str
    ledger: str
    layout: str  # Service, Item, Professional, TimeBilling, Miscellaneous
    number: str
    date: date
    contact_uid: str
    is_tax_inclusive: bool
    lines: list[Line]
    seq: int
    created: datetime
    last_modified: datetime
    row_version: str
    subtotal: Decimal = ZERO
    freight: Decimal = ZERO
    freight_tax_code_uid: str | None = None
    total_tax: Decimal = ZERO
    total: Decimal = ZERO
    applied: Decimal = ZERO
    last_payment_date: date | None = None
    fields: dict[str, Any] = field(default_factory=dict)  # Terms, JournalMemo, Comment, PO numbers ...

    @property
    def balance_due(self) -> Decimal:
        return self.total - self.applied

    @property
    def status(self) -> str:
        due = self.balance_due
        if due > 0:
            return "Open"
        if due < 0 or self.total < 0:
            return "Credit" if self.ledger == "sale" else "Debit"
        return "Closed"


@dataclass
class Allocation:
    row_id: int
    sale_uid: str
    amount: Decimal
    row_version: str


@dataclass
class Payment:
    """A customer payment (``ledger == "sale"``) or a supplier payment (``"purchase"``)."""

    uid: str
    ledger: str
    contact_uid: str
    number: str
    date: date
    amount: Decimal
    account_uid: str | None
    route: str  # "Account"/"UndepositedFunds" (DepositTo) or "Account"/"ElectronicPayments" (PayFrom)
    allocations: list[Allocation]
    seq: int
    created: datetime
    last_modified: datetime
    row_version: str
    reconciled: date | None = None
    fields: dict[str, Any] = field(default_factory=dict)  # Memo, PaymentMethod ...


@dataclass
class Business:
    """One company file (AccountRight/new Essentials) or one legacy Essentials business."""

    id: str
    name: str
    edition: str  # "accountright" | "essentials"
    country: str
    currency: str
    accounts: list[Account]
    tax_codes: list[TaxCode]
    items: list[Item]
    conversion_date: date
    current_financial_year: int
    last_month_financial_year: int = 6
    lock_period_prior_to: date | None = None
    lock_inclusive: bool = False  # True: also refuse the LockPeriodPriorTo day itself
    must_reverse: bool = False
    ui_access_flags: int = 3
    serial_number: str = "612345678901"
    requires_cftoken: bool = False
    cftoken: str | None = None  # base64("user:password") when required
    upgrade_state: str = "active"  # legacy only: active | upgrading | upgraded
    unique_numbers: bool = True
    preferences_row_version: str = "1"
    page_cap: int | None = None  # caps $top / page size (conformance kit's set_page_size)
    contacts: dict[str, Contact] = field(default_factory=dict)
    sales: dict[str, Sale] = field(default_factory=dict)
    payments: dict[str, Payment] = field(default_factory=dict)
    legacy_ids: dict[str, str] = field(default_factory=dict)  # legacy numeric uid → record uid
    _seq: int = 0
    _numbers: dict[str, int] = field(default_factory=dict)

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def next_number(self, series: str, width: int = 8, prefix: str = "") -> str:
        """The next free number of a series (``00000001``-style), skipping taken ones."""
        taken = {s.number for s in self.sales.values()} | {p.number for p in self.payments.values()}
        while True:
            self._numbers[series] = self._numbers.get(series, 0) + 1
            candidate = f"{prefix}{self._numbers[series]:0{width - len(prefix)}d}"
            if candidate not in taken:
                return candidate

    @property
    def financial_year_start(self) -> date:
        month = self.last_month_financial_year % 12 + 1
        year = self.current_financial_year - 1 if month != 1 else self.current_financial_year
        return date(year, month, 1)

    def account(self, uid: str | None) -> Account | None:
        return next((a for a in self.accounts if uid and a.uid == uid.lower()), None)

    def account_of_type(self, type_: str) -> Account:
        return next(a for a in self.accounts if a.type == type_ and not a.is_header)

    def account_by_display_id(self, display_id: str) -> Account | None:
        return next((a for a in self.accounts if a.display_id == display_id), None)

    def tax_code(self, uid: str | None) -> TaxCode | None:
        return next((t for t in self.tax_codes if uid and t.uid == uid.lower()), None)

    def item(self, uid: str | None) -> Item | None:
        return next((i for i in self.items if uid and i.uid == uid.lower()), None)
