"""One QBO company (realm): its entities, kept in their wire shape, plus what QBO keeps hidden.

Entities are stored as the dicts QBO returns (Decimal money, ``YYYY-MM-DD`` dates, string Ids and
SyncTokens). Deleted transactions leave a tombstone for CDC; voided ones stay, marked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Iterator

from .wire import stamp

# URL segment (lower case) → entity name
ENTITIES = {name.lower(): name for name in (
    "Customer", "Vendor", "Item", "Account", "TaxCode", "TaxRate", "Invoice", "Bill", "Payment", "BillPayment",
    "Preferences", "CompanyInfo")}
TRANSACTIONS = ("Invoice", "Bill", "Payment", "BillPayment")
NAMES = ("Customer", "Vendor")
READ_ONLY_LISTS = ("TaxCode", "TaxRate")


@dataclass
class Company:
    realm_id: str
    name: str
    country: str
    home_currency: str
    offset: timedelta  # the company's clock offset for times and "today"
    multicurrency: bool
    custom_txn_numbers: bool
    book_close_date: date | None
    fiscal_year_start_month: int
    exchange_rates: dict[str, Decimal]  # home units per one foreign unit
    created: datetime
    entities: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    updated: dict[tuple[str, str], datetime] = field(default_factory=dict)
    tombstones: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    voided: set[tuple[str, str]] = field(default_factory=set)
    deposited: set[str] = field(default_factory=set)  # Payment ids included in a (pretend) bank deposit
    prefs_sync: int = 0
    _ids: dict[str, int] = field(default_factory=dict)
    _doc_number: int = 1000

    @property
    def us(self) -> bool:
        return self.country.upper() == "US"

    def new_id(self, kind: str) -> str:
        """Ids count per name list (Item 1 is "Services", as in QBO); transactions share one series."""
        series = "Transaction" if kind in TRANSACTIONS else kind
        self._ids[series] = self._ids.get(series, 0) + 1
        return str(self._ids[series])

    def next_doc_number(self) -> str:
        """QBO's own numbering when custom transaction numbers are off."""
        taken = {d.get("DocNumber") for d in self.all("Invoice")}
        while True:
            self._doc_number += 1
            if str(self._doc_number) not in taken:
                return str(self._doc_number)

    def table(self, kind: str) -> dict[str, dict[str, Any]]:
        return self.entities.setdefault(kind, {})

    def get(self, kind: str, ident: str | None) -> dict[str, Any] | None:
        return self.table(kind).get(str(ident)) if ident is not None else None

    def all(self, kind: str) -> list[dict[str, Any]]:
        return list(self.table(kind).values())

    def live(self, kind: str) -> Iterator[dict[str, Any]]:
        """Entities that are neither voided nor inactive."""
        for data in self.table(kind).values():
            if (kind, data["Id"]) not in self.voided and data.get("Active", True) is not False:
                yield data

    def stamp(self, when: datetime) -> str:
        return stamp(when, self.offset)

    def touch(self, kind: str, data: dict[str, Any], now: datetime, *, created: bool = False) -> None:
        """Set Id/SyncToken/MetaData for a write and store the entity."""
        if created:
            data["Id"] = self.new_id(kind)
            data["SyncToken"] = "0"
            data["MetaData"] = {"CreateTime": self.stamp(now), "LastUpdatedTime": self.stamp(now)}
        else:
            data["SyncToken"] = str(int(data.get("SyncToken", "0")) + 1)
            data["MetaData"] = {**data.get("MetaData", {}), "LastUpdatedTime": self.stamp(now)}
        data["domain"], data["sparse"] = "QBO", False
        self.table(kind)[data["Id"]] = data
        self.updated[(kind, data["Id"])] = now

    def remove(self, kind: str, data: dict[str, Any], now: datetime) -> dict[str, Any]:
        """Delete a transaction, keeping a tombstone for CDC; returns the delete response body."""
        self.table(kind).pop(data["Id"], None)
        self.voided.discard((kind, data["Id"]))
        stone = {"domain": "QBO", "status": "Deleted", "Id": data["Id"],
                 "MetaData": {"LastUpdatedTime": self.stamp(now)}}
        self.tombstones.setdefault(kind, {})[data["Id"]] = stone
        self.updated[(kind, data["Id"])] = now
        return stone
