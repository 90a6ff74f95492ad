"""The QuickBooks Online connector: push, fetch and fix for one tenant's company (realm).

Writes go one by one, or through ``/batch`` (≤ 30 independent items) when there are several and
Intuit's batch budget (40 a minute) allows; each element answers for itself. Every write carries a
``requestid`` derived from the document version, the operation and the body. Intuit's own
integrators report duplicates despite ``requestid``, so a document that may have been sent before
(``previous_attempts`` > 0) is first looked up — invoices and bills by DocNumber, payments through
the document's linked transactions — and a create answered with 6140 (duplicate number) is looked
up too. Customers and vendors are always found by DisplayName before one is created (the name is
unique across both lists). Updates are sparse, with the current SyncToken; a 5010 (stale) re-reads
it and tries once more.
"""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable, Iterable, Iterator, Sequence

from core.accounting import (
    BaseConnector, Capability, Contact, ElementError, FixOutcome, Invoice, OrganisationFacts, Payment, Period,
    PermanentError, Posting, PushResult, Refusal, TenantContext,
)
from plugins.quickbooks import mapping as wire
from plugins.quickbooks.client import BATCH_MAX, QBOFault, QuickBooksClient, fault_from_data

PAGE = 1000
LOOKUP_CHUNK = 30  # values per ``IN (…)`` list
CDC_WINDOW = timedelta(days=30) - timedelta(hours=1)  # Intuit looks back at most 30 days
CDC_MAX = 1000
LEDGER_START = date(1990, 1, 1)  # GeneralLedger from here: every posting up to the period's end
RATE_PLACES = Decimal("1e-10")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")

STALE, DUPLICATE_NUMBER, DUPLICATE_NAME, CLOSED, DEPOSITED = "5010", "6140", "6240", "6210", "6540"
NOT_FOUND = {"610", "2500"}


@dataclass
class _Write:
    """One write: what, how, the body and the key it is sent under; ``answer`` after sending."""

    entity: str
    operation: str
    body: dict[str, Any]
    key: str
    answer: dict[str, Any] | QBOFault | None = None


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def failed(message: str) -> PushResult:
    return PushResult(error=ElementError("permanent", message))


def qbo_rate(local: Decimal) -> Decimal:
    """QuickBooks' ExchangeRate (home units per foreign unit) from ours (foreign units per base unit)."""
    return (Decimal(1) / local).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


class QuickBooksConnector(BaseConnector):
    package = "quickbooks"

    def __init__(self, context: TenantContext, client: QuickBooksClient):
        super().__init__(context)
        self.client = client
        self._chart: wire.Chart | None = None
        self._preferences: dict[str, Any] | None = None
        self._company: dict[str, Any] | None = None
        self._parties: dict[tuple[str, str], dict[str, Any]] = {}  # (Customer|Vendor, Id) → entity
        self._rates: dict[tuple[str, date], Decimal] = {}

    def close(self) -> None:
        self.client.close()

    # -- the company ---------------------------------------------------------------------------------
    def preferences(self) -> dict[str, Any]:
        if self._preferences is None:
            self._preferences = self.client.call("GET", "preferences").get("Preferences") or {}
        return self._preferences

    def company_info(self) -> dict[str, Any]:
        if self._company is None:
            self._company = self.client.call("GET", f"companyinfo/{self.client.realm_id}").get("CompanyInfo") or {}
        return self._company

    def chart(self) -> wire.Chart:
        """Home currency, country, accounts, tax codes and items: read once per connector."""
        if self._chart is None:
            prefs = self.preferences()
            home = ((prefs.get("CurrencyPrefs") or {}).get("HomeCurrency") or {}).get("value")
            chart = wire.Chart(home or self.context.base_currency, self.company_info().get("Country") or "")
            chart.accounts = {a["Id"]: a for a in self._select("Account")}
            chart.tax_codes = {t["Id"]: t for t in self._select("TaxCode")}
            chart.items = {i["Id"]: i for i in self._select("Item")}
            self._chart = chart
        return self._chart

    def _multicurrency(self) -> bool:
        return bool((self.preferences().get("CurrencyPrefs") or {}).get("MultiCurrencyEnabled"))

    def _rate(self, currency: str, day: date, given: Decimal | None) -> Decimal:
        """QBO's ExchangeRate for a foreign document: ours inverted, else Intuit's rate for the day."""
        if given is not None:
            return qbo_rate(given)
        if (currency, day) not in self._rates:
            data = self.client.call("GET", "exchangerate", params={"sourcecurrencycode": currency,
                                                                   "asofdate": day.isoformat()})
            self._rates[(currency, day)] = wire.money((data.get("ExchangeRate") or {}).get("Rate"))
        return self._rates[(currency, day)]

    # -- contacts ------------------------------------------------------------------------------------
    def push_contacts(self, contacts: Sequence[Contact]) -> list[PushResult]:
        self.allow("push_contacts")
        results: dict[int, PushResult] = {}
        names = [wire.clean_name(c.name) for c in contacts]
        found = self._find_names({n for c, n in zip(contacts, names) if not c.remote_id})
        creates: dict[tuple[str, str], list[int]] = {}
        for index, contact in enumerate(contacts):
            kind = _party_kind(contact)
            if contact.remote_id:
                results[index] = PushResult(contact.remote_id)
                continue
            if not names[index]:
                results[index] = failed("QuickBooks needs a name for every customer and vendor")
                continue
            hit = found.get(names[index].casefold())
            if hit is None:
                creates.setdefault((kind, names[index].casefold()), []).append(index)
            else:
                results[index] = self._adopt_name(hit, kind, names[index])
        writes = []
        for (kind, _), indexes in creates.items():
            contact = contacts[indexes[0]]
            body = self.context.outgoing(contact, wire.contact_payload(contact))
            writes.append(_Write(kind, "create", body, contact.idempotency_key or contact.host_id or contact.name))
        self._send(writes)
        for ((kind, folded), indexes), write in zip(creates.items(), writes):
            answer = write.answer
            if isinstance(answer, QBOFault) and DUPLICATE_NAME in answer.codes:  # made meanwhile, or inactive
                again = self._find_names({names[indexes[0]]}).get(folded)
                result = self._adopt_name(again, kind, names[indexes[0]]) if again else failed(answer.message)
            elif isinstance(answer, QBOFault):
                result = failed(answer.message)
            else:
                self._parties[(kind, answer["Id"])] = answer  # type: ignore[index]
                result = PushResult(answer["Id"], answer.get("SyncToken"))  # type: ignore[union-attr]
            for index in indexes:
                results[index] = result
        return [results[i] for i in range(len(contacts))]

    def _adopt_name(self, hit: tuple[str, dict[str, Any]], kind: str, name: str) -> PushResult:
        found_kind, entity = hit
        if found_kind != kind:
            return failed(f"QuickBooks keeps customer and vendor names unique across both lists: {name!r} is "
                          f"already a {found_kind.lower()}, so it cannot also be a {kind.lower()}; give it "
                          "another name")
        self._parties[(kind, entity["Id"])] = entity
        return PushResult(entity["Id"], entity.get("SyncToken"))

    def _find_names(self, names: set[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        """Customers and vendors by DisplayName (case-insensitive, as QBO compares them)."""
        found: dict[str, tuple[str, dict[str, Any]]] = {}
        ordered = sorted(names)
        for kind in ("Customer", "Vendor"):
            for group in chunks(ordered, LOOKUP_CHUNK):
                where = f"DisplayName IN ({', '.join(wire.quote(n) for n in group)})"
                for entity in self._select(kind, where, expect=len(group)):
                    found.setdefault((entity.get("DisplayName") or "").casefold(), (kind, entity))
        return found

    def _party(self, kind: str, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Customers or vendors by Id (cached for this connector)."""
        wanted = sorted({i for i in ids if i and (kind, i) not in self._parties})
        for group in chunks(wanted, LOOKUP_CHUNK):
            for entity in self._select(kind, f"Id IN ({', '.join(wire.quote(i) for i in group)})", expect=len(group)):
                self._parties[(kind, entity["Id"])] = entity
        return {i: self._parties[(kind, i)] for i in ids if (kind, i) in self._parties}

    def _currencies(self, invoices: Sequence[Invoice]) -> dict[str, str]:
        """Give each party the currency of its documents (QBO keeps one per customer/vendor, fixed
        once it has transactions); party id → why not, for those that cannot take it."""
        chart = self.chart()
        problems: dict[str, str] = {}
        for entity in ("Invoice", "Bill"):
            kind = wire.PARTY[entity][1]
            mine = [i for i in invoices if wire.ENTITY[i.ledger] == entity and i.contact.remote_id]
            parties = self._party(kind, [i.contact.remote_id for i in mine])  # type: ignore[misc]
            wanted: dict[str, str] = {}
            for invoice in mine:
                wanted.setdefault(invoice.contact.remote_id, invoice.currency)  # type: ignore[arg-type]
            for ident, currency in wanted.items():
                party = parties.get(ident)
                have = ((party or {}).get("CurrencyRef") or {}).get("value") or chart.home_currency
                if party is None or have == currency or not self._multicurrency():
                    continue
                body = {"Id": ident, "SyncToken": party.get("SyncToken"), "sparse": True,
                        "CurrencyRef": {"value": currency}}
                write = _Write(kind, "update", body, f"currency:{ident}:{currency}")
                self._send([write])
                if isinstance(write.answer, QBOFault):
                    problems[ident] = (f"QuickBooks keeps one currency per {kind.lower()}: "
                                       f"{party.get('DisplayName')} is in {have}, this document is in {currency} "
                                       f"({write.answer.message})")
                else:
                    self._parties[(kind, ident)] = write.answer  # type: ignore[assignment]
        return problems

    # -- invoices and bills ------------------------------------------------------------------------
    def push_invoices(self, invoices: Sequence[Invoice]) -> list[PushResult]:
        self.allow("push_invoices")
        for invoice in invoices:
            self.allow("push_invoices", Capability.UPDATE_INVOICES if invoice.remote_id else
                       Capability.PUSH_INVOICES if invoice.ledger == "sales" else Capability.PUSH_BILLS)
        invoices = list(invoices)
        results: dict[int, PushResult] = {}
        for index, invoice in enumerate(invoices):
            if invoice.status == "draft":
                results[index] = failed("QuickBooks Online has no draft invoices or bills: this one is pushed "
                                        "once it is authorised")
        # only a document sent before can already be in QuickBooks: look those up by number first
        existing = self._find_numbers([i for n, i in enumerate(invoices)
                                       if n not in results and not i.remote_id and i.previous_attempts])
        for index, invoice in enumerate(invoices):
            if index in results or invoice.remote_id:
                continue
            match = existing.get(_number_key(invoice))
            if match is None:
                continue
            outcome = _settle(invoice, match)
            if isinstance(outcome, PushResult):
                results[index] = outcome
            else:
                invoices[index] = outcome
        pending = [n for n in range(len(invoices)) if n not in results]
        problems = self._currencies([invoices[n] for n in pending])
        for index in pending:
            if invoices[index].contact.remote_id in problems:
                results[index] = failed(problems[invoices[index].contact.remote_id])  # type: ignore[index]
        pending = [n for n in pending if n not in results]
        results.update(self._write_invoices({n: invoices[n] for n in pending}))
        return [results[i] for i in range(len(invoices))]

    def _write_invoices(self, invoices: dict[int, Invoice], key_suffix: str = "") -> dict[int, PushResult]:
        """Create or (sparse) update each invoice; the results by index."""
        results: dict[int, PushResult] = {}
        current = self._read([i for i in invoices.values() if i.remote_id])
        writes: dict[int, _Write] = {}
        for index, invoice in invoices.items():
            entity = wire.ENTITY[invoice.ledger]
            try:
                body = self.context.outgoing(invoice, self._invoice_body(invoice))
            except wire.Unmapped as exc:
                results[index] = failed(str(exc))
                continue
            except QBOFault as fault:
                results[index] = failed(fault.message)
                continue
            operation = "create"
            if invoice.remote_id:
                remote = current.get((entity, invoice.remote_id))
                if remote is None:
                    results[index] = failed(f"{entity} {invoice.remote_id} is no longer in QuickBooks (deleted?)")
                    continue
                if wire.is_voided(remote):
                    results[index] = failed(f"{entity} {invoice.remote_id} is voided in QuickBooks and cannot change")
                    continue
                operation = "update"
                body = {**body, "Id": invoice.remote_id, "SyncToken": remote.get("SyncToken"), "sparse": True}
            writes[index] = _Write(entity, operation, body, (invoice.idempotency_key or invoice.number) + key_suffix)
        self._send(list(writes.values()))
        duplicates = []
        for index, write in writes.items():
            answer = write.answer
            if isinstance(answer, QBOFault) and STALE in answer.codes and write.operation == "update":
                answer = self._retry_stale(write)
            if isinstance(answer, QBOFault) and DUPLICATE_NUMBER in answer.codes and write.operation == "create":
                duplicates.append(index)
                results[index] = failed(answer.message)
            elif isinstance(answer, QBOFault):
                results[index] = failed(answer.message)
            else:
                results[index] = PushResult(answer["Id"], answer.get("SyncToken"))  # type: ignore[index,union-attr]
        if duplicates:  # QBO says the number is taken: is it our own earlier send?
            found = self._find_numbers([invoices[n] for n in duplicates])
            for index in duplicates:
                match = found.get(_number_key(invoices[index]))
                if match is not None and match.status not in ("voided", "deleted") and _same(invoices[index], match):
                    results[index] = PushResult(match.remote_id, match.remote_version)
        return results

    def _invoice_body(self, invoice: Invoice) -> dict[str, Any]:
        chart = self.chart()
        rate = None
        if invoice.currency != chart.home_currency:
            rate = self._rate(invoice.currency, invoice.issue_date, invoice.exchange_rate)
        return wire.invoice_payload(invoice, chart, self._item, rate)

    def _item(self, line) -> str:
        """The Item of a sales line, created (and remembered) when the company has none for it."""
        chart = self.chart()
        found = chart.item_for(line)
        if found is not None:
            return found
        created = self.client.write("Item", chart.new_item(line), key=f"item:{line.item_code}:{line.account_code}")
        chart.items[created["Id"]] = created
        return created["Id"]

    def _retry_stale(self, write: _Write) -> dict[str, Any] | QBOFault:
        """After 5010: read the current SyncToken and send the same change once more."""
        try:
            current = self.client.call("GET", f"{write.entity.lower()}/{write.body['Id']}").get(write.entity) or {}
        except QBOFault as fault:
            return fault
        again = _Write(write.entity, write.operation, {**write.body, "SyncToken": current.get("SyncToken")},
                       write.key + ":stale")
        self._send([again])
        return again.answer  # type: ignore[return-value]

    def _find_numbers(self, invoices: Sequence[Invoice]) -> dict[tuple, Invoice]:
        """Documents by DocNumber (bills: per vendor), preferring a live one."""
        found: dict[tuple, Invoice] = {}
        if not invoices:
            return found
        chart = self.chart()
        for ledger in ("sales", "purchase"):
            entity = wire.ENTITY[ledger]
            numbers = sorted({i.number for i in invoices if i.ledger == ledger})
            for group in chunks(numbers, LOOKUP_CHUNK):
                where = f"DocNumber IN ({', '.join(wire.quote(n) for n in group)})"
                for data in self._select(entity, where):
                    remote = wire.invoice_from(data, entity, chart)
                    key = _number_key(remote)
                    if key not in found or found[key].status in ("voided", "deleted"):
                        found[key] = remote
        return found

    def _read(self, documents: Sequence[Any], entity_of: Callable[[Any], str] = lambda d: wire.ENTITY[d.ledger],
              id_of: Callable[[Any], str | None] = lambda d: d.remote_id) -> dict[tuple[str, str], dict[str, Any]]:
        """Current Invoices/Bills (or Payments/BillPayments) by Id: (entity, Id) → entity."""
        found: dict[tuple[str, str], dict[str, Any]] = {}
        by_entity: dict[str, set[str]] = {}
        for document in documents:
            ident = id_of(document)
            if ident:
                by_entity.setdefault(entity_of(document), set()).add(ident)
        for entity, ids in by_entity.items():
            for group in chunks(sorted(ids), LOOKUP_CHUNK):
                where = f"Id IN ({', '.join(wire.quote(i) for i in group)})"
                for data in self._select(entity, where, expect=len(group)):
                    found[(entity, data["Id"])] = data
        return found

    def void_invoices(self, invoices: Sequence[Invoice]) -> list[PushResult]:
        """Invoices are voided (they stay, zeroed); bills cannot be voided in QBO, so they are deleted."""
        self.allow("void_invoices")
        current = self._read(invoices, lambda i: wire.ENTITY[i.ledger])
        results: dict[int, PushResult] = {}
        writes: dict[int, _Write] = {}
        for index, invoice in enumerate(invoices):
            entity = wire.ENTITY[invoice.ledger]
            remote = current.get((entity, invoice.remote_id or ""))
            if remote is None:
                results[index] = PushResult(invoice.remote_id) if entity == "Bill" else \
                    failed(f"Invoice {invoice.remote_id} is not in QuickBooks (deleted?)")
            elif wire.is_voided(remote):
                results[index] = PushResult(remote["Id"], remote.get("SyncToken"))
            else:
                operation = "void" if entity == "Invoice" else "delete"
                body = {"Id": remote["Id"], "SyncToken": remote.get("SyncToken")}
                if operation == "void":
                    body["sparse"] = True
                writes[index] = _Write(entity, operation, body, invoice.idempotency_key or invoice.number)
        self._send(list(writes.values()))
        for index, write in writes.items():
            answer = write.answer
            if isinstance(answer, QBOFault) and STALE in answer.codes:
                answer = self._retry_stale(write)
            results[index] = failed(answer.message) if isinstance(answer, QBOFault) else \
                PushResult(answer.get("Id"), answer.get("SyncToken"))  # type: ignore[union-attr]
        return [results[i] for i in range(len(invoices))]

    # -- payments ------------------------------------------------------------------------------------
    def push_payments(self, payments: Sequence[Payment]) -> list[PushResult]:
        """Payment → Invoice, BillPayment → Bill, never above the document's open Balance."""
        self.allow("push_payments")
        chart = self.chart()
        results: dict[int, PushResult] = {}
        targets = self._read(payments, lambda p: wire.ENTITY[p.invoice.ledger], lambda p: p.invoice.remote_id)
        existing = self._linked_payments([(p, targets.get(_target(p))) for p in payments
                                          if p.previous_attempts and not p.remote_id])
        current = self._read([p for p in payments if p.remote_id], _payer, lambda p: p.remote_id)
        balances = {key: wire.money(data.get("Balance")) for key, data in targets.items()}
        writes: dict[int, _Write] = {}
        for index, payment in enumerate(payments):
            entity = _payer(payment)
            target = targets.get(_target(payment))
            if target is None:
                results[index] = failed(f"{wire.ENTITY[payment.invoice.ledger]} {payment.invoice.remote_id} "
                                        f"({payment.invoice.number}) is not in QuickBooks (deleted?)")
                continue
            match = existing.get(_payment_key(payment))
            if match:
                found = match.pop(0)
                results[index] = PushResult(found["Id"], found.get("SyncToken"))
                continue
            old = current.get((entity, payment.remote_id)) if payment.remote_id else None
            if payment.remote_id and old is None:
                results[index] = failed(f"{entity} {payment.remote_id} is no longer in QuickBooks (deleted?)")
                continue
            open_balance = balances[_target(payment)] + _applied(old, target["Id"])
            if wire.is_voided(target):
                results[index] = failed(f"{target.get('DocNumber') or target['Id']} is voided in QuickBooks")
                continue
            if payment.amount > open_balance:
                results[index] = failed(f"the payment of {payment.amount} is more than the open balance "
                                        f"{open_balance} of {wire.ENTITY[payment.invoice.ledger]} "
                                        f"{target.get('DocNumber') or target['Id']} in QuickBooks")
                continue
            currency = (target.get("CurrencyRef") or {}).get("value") or chart.home_currency
            if payment.currency and payment.currency != currency:
                results[index] = failed(f"the payment is in {payment.currency} but the document is in {currency}")
                continue
            try:
                account = chart.accounts[chart.account_id(payment.account_code)]
                rate = self._rate(currency, payment.date, payment.exchange_rate) \
                    if currency != chart.home_currency else None
            except wire.Unmapped as exc:
                results[index] = failed(str(exc))
                continue
            except QBOFault as fault:
                results[index] = failed(fault.message)
                continue
            body = self.context.outgoing(payment, wire.payment_payload(payment, target, entity, chart, rate, account))
            operation = "create"
            if old is not None:
                operation = "update"
                body = {**body, "Id": old["Id"], "SyncToken": old.get("SyncToken"), "sparse": True}
            balances[_target(payment)] = open_balance - payment.amount
            writes[index] = _Write(entity, operation, body, payment.idempotency_key or payment.host_id or "")
        self._send(list(writes.values()))
        for index, write in writes.items():
            answer = write.answer
            if isinstance(answer, QBOFault) and STALE in answer.codes and write.operation == "update":
                answer = self._retry_stale(write)
            results[index] = failed(answer.message) if isinstance(answer, QBOFault) else \
                PushResult(answer["Id"], answer.get("SyncToken"))  # type: ignore[index,union-attr]
        return [results[i] for i in range(len(payments))]

    def _linked_payments(self, pairs: list[tuple[Payment, dict[str, Any] | None]]) -> dict[tuple, list[dict]]:
        """Payments already applied to the documents (through their LinkedTxn), by payment key."""
        wanted: dict[str, set[str]] = {}
        for payment, target in pairs:
            for link in (target or {}).get("LinkedTxn") or []:
                if link.get("TxnType") == _payer(payment):
                    wanted.setdefault(_payer(payment), set()).add(str(link.get("TxnId")))
        found: dict[tuple, list[dict]] = {}
        chart = self.chart()
        for entity, ids in wanted.items():
            for group in chunks(sorted(ids), LOOKUP_CHUNK):
                for data in self._select(entity, f"Id IN ({', '.join(wire.quote(i) for i in group)})",
                                         expect=len(group)):
                    if wire.is_voided(data):
                        continue
                    for remote in wire.payments_from(data, entity, chart, {}):
                        found.setdefault(_payment_key(remote), []).append(data)
        return found

    def remove_payments(self, payments: Sequence[Payment]) -> list[PushResult]:
        """Delete the payments (the documents reopen); one already gone counts as removed."""
        self.allow("remove_payments")
        current = self._read(payments, _payer, lambda p: p.remote_id)
        results: dict[int, PushResult] = {}
        writes: dict[int, _Write] = {}
        for index, payment in enumerate(payments):
            remote = current.get((_payer(payment), payment.remote_id or ""))
            if remote is None:
                results[index] = PushResult(payment.remote_id)
                continue
            writes[index] = _Write(_payer(payment), "delete", {"Id": remote["Id"], "SyncToken": remote.get("SyncToken")},
                                   payment.idempotency_key or payment.host_id or "")
        self._send(list(writes.values()))
        for index, write in writes.items():
            answer = write.answer
            if isinstance(answer, QBOFault) and STALE in answer.codes:
                answer = self._retry_stale(write)
            if isinstance(answer, QBOFault) and answer.codes & NOT_FOUND:
                results[index] = PushResult(payments[index].remote_id)
            else:
                results[index] = failed(answer.message) if isinstance(answer, QBOFault) else \
                    PushResult(payments[index].remote_id)
        return [results[i] for i in range(len(payments))]

    # -- fetch ---------------------------------------------------------------------------------------
    def fetch_invoices(self, period: Period | None, ledger=None, *, modified_since: datetime | None = None):
        self.allow("fetch_invoices")
        entities = [wire.ENTITY[ledger]] if ledger else ["Invoice", "Bill"]
        return self._documents(entities, period, modified_since)

    def _documents(self, entities: list[str], period: Period | None,
                   modified_since: datetime | None) -> Iterator[Invoice]:
        chart = self.chart()
        for entity, data in self._changed_or_dated(entities, period, modified_since):
            remote = wire.invoice_from(data, entity, chart)
            if remote.status == "deleted" and period is not None:
                continue
            if period is None or remote.status == "deleted" or remote.issue_date in period:
                yield remote

    def fetch_payments(self, period: Period | None, *, modified_since: datetime | None = None):
        self.allow("fetch_payments")
        return self._payments(period, modified_since)

    def _payments(self, period: Period | None, modified_since: datetime | None) -> Iterator[Payment]:
        chart = self.chart()
        page: list[tuple[str, dict[str, Any]]] = []
        for item in self._changed_or_dated(["Payment", "BillPayment"], period, modified_since):
            page.append(item)
            if len(page) == PAGE:
                yield from self._payment_page(page, period, chart)
                page = []
        yield from self._payment_page(page, period, chart)

    def _payment_page(self, page, period: Period | None, chart: wire.Chart) -> Iterator[Payment]:
        """The payments with their documents' numbers (one lookup per page)."""
        targets: dict[str, set[str]] = {}
        for entity, data in page:
            for line in data.get("Line") or []:
                for link in line.get("LinkedTxn") or []:
                    targets.setdefault(link.get("TxnType"), set()).add(str(link.get("TxnId")))
        numbers: dict[str, str] = {}
        for kind, ids in targets.items():
            if kind not in ("Invoice", "Bill"):
                continue
            for group in chunks(sorted(ids), LOOKUP_CHUNK):
                for data in self._select(kind, f"Id IN ({', '.join(wire.quote(i) for i in group)})",
                                         expect=len(group)):
                    numbers[data["Id"]] = data.get("DocNumber") or ""
        for entity, data in page:
            for payment in wire.payments_from(data, entity, chart, numbers):
                if period is None or payment.status == "removed" and payment.date == date.min \
                        or payment.date in period:
                    yield payment

    def fetch_contacts(self, *, modified_since: datetime | None = None):
        self.allow("fetch_contacts")
        return (wire.contact_from(data, entity)
                for entity, data in self._changed_or_dated(["Customer", "Vendor"], None, modified_since)
                if str(data.get("status") or "").lower() != "deleted")

    def _changed_or_dated(self, entities: list[str], period: Period | None,
                          modified_since: datetime | None) -> Iterator[tuple[str, dict[str, Any]]]:
        """Entities changed since *modified_since* (CDC within its 30 days, else a query on
        LastUpdatedTime), or dated in *period* (the query endpoint), across every page."""
        if modified_since is not None:
            changed = self._cdc(entities, modified_since)
            if changed is not None:
                yield from changed
                return
        for entity in entities:
            clauses = []
            if modified_since is not None:
                clauses.append(f"MetaData.LastUpdatedTime >= {wire.quote(wire.when(modified_since))}")
            if period is not None and entity not in ("Customer", "Vendor"):
                clauses += [f"TxnDate >= {wire.quote(period.start.isoformat())}",
                            f"TxnDate <= {wire.quote(period.end.isoformat())}"]
            for data in self._select(entity, " AND ".join(clauses)):
                yield entity, data

    def _cdc(self, entities: list[str], since: datetime) -> list[tuple[str, dict[str, Any]]] | None:
        """Change data capture; None when *since* is beyond its window or the answer may be cut short."""
        aware = since if since.tzinfo else since.replace(tzinfo=UTC)
        if datetime.now(UTC) - aware > CDC_WINDOW:
            return None
        try:
            data = self.client.call("GET", "cdc", params={"entities": ",".join(entities),
                                                          "changedSince": wire.when(aware)})
        except QBOFault as fault:
            if fault.codes & {"4001", "4000"}:  # "changedSince must be within the last 30 days" and the like
                return None
            raise
        found: list[tuple[str, dict[str, Any]]] = []
        for response in data.get("CDCResponse") or []:
            for group in response.get("QueryResponse") or []:
                for entity in entities:
                    found += [(entity, item) for item in group.get(entity) or []]
        return None if len(found) >= CDC_MAX else found

    def _select(self, entity: str, where: str = "", expect: int | None = None) -> Iterator[dict[str, Any]]:
        """Every row of a query, paging with STARTPOSITION/MAXRESULTS until a page comes back empty
        (a page may be short while more remain) or *expect* rows (an Id/name list) have arrived."""
        start, seen = 1, 0
        while True:
            text = f"SELECT * FROM {entity}" + (f" WHERE {where}" if where else "") + \
                f" STARTPOSITION {start} MAXRESULTS {PAGE}"
            rows = self.client.query(text).get(entity) or []
            yield from rows
            seen += len(rows)
            if not rows or (expect is not None and seen >= expect):
                return
            start += len(rows)

    # -- ledger and organisation -----------------------------------------------------------------------
    def ledger_postings(self, period: Period, accounts: Iterable[str]) -> Iterator[Posting]:
        """GeneralLedger rows of the accounts up to ``period.end`` (debit positive, home currency)."""
        self.allow("ledger_postings")
        return self._postings(period, list(accounts))

    def _postings(self, period: Period, accounts: list[str]) -> Iterator[Posting]:
        chart = self.chart()
        try:
            ids = {chart.account_id(code): code for code in accounts}
        except wire.Unmapped as exc:
            raise PermanentError(str(exc)) from None
        if not ids:
            return
        report = self.client.call("GET", "reports/GeneralLedger", params={
            "start_date": LEDGER_START.isoformat(), "end_date": period.end.isoformat(),
            "account": ",".join(sorted(ids)), "accounting_method": "Accrual"})
        columns = [_column_key(c) for c in (report.get("Columns") or {}).get("Column") or []]
        yield from _report_rows((report.get("Rows") or {}).get("Row") or [], columns, ids, None, period)

    def organisation(self) -> OrganisationFacts:
        self.allow("organisation")
        prefs, info = self.preferences(), self.company_info()
        accounting = prefs.get("AccountingInfoPrefs") or {}
        month_name = str(accounting.get("FirstMonthOfFiscalYear") or info.get("FiscalYearStartMonth") or "January")
        first = MONTHS.index(month_name.lower()) + 1 if month_name.lower() in MONTHS else 1
        last_month = 12 if first == 1 else first - 1
        year_end = (last_month, calendar.monthrange(2001, last_month)[1])
        home = ((prefs.get("CurrencyPrefs") or {}).get("HomeCurrency") or {}).get("value")
        return OrganisationFacts(name=info.get("CompanyName") or "", base_currency=home or self.context.base_currency,
                                 lock_date=wire.parse_date(accounting.get("BookCloseDate")), financial_year_end=year_end,
                                 extra={"country": str(info.get("Country") or ""), "realm_id": self.client.realm_id})

    def probe(self) -> None:
        self.allow("probe")
        self.client.call("GET", f"companyinfo/{self.client.realm_id}")

    # -- fix -----------------------------------------------------------------------------------------
    def fix_invoice(self, local: Invoice, remote: Invoice) -> FixOutcome:
        self.allow("fix_invoice")
        if remote.status in ("voided", "deleted"):
            return FixOutcome.refused(Refusal.NOT_EDITABLE, f"the {wire.ENTITY[remote.ledger].lower()} is "
                                                            f"{remote.status} in QuickBooks")
        target = replace(local, remote_id=remote.remote_id)
        problems = self._currencies([target])
        if problems:
            return FixOutcome.refused(Refusal.NOT_EDITABLE, next(iter(problems.values())))
        try:
            (result,) = self._write_invoices({0: target}, key_suffix=":fix").values()
        except QBOFault as fault:  # a read before the write was refused
            return FixOutcome.refused(Refusal.PACKAGE_ERROR, fault.message)
        if result.ok:
            return FixOutcome.done("updated in QuickBooks", result.remote_version)
        message = result.error.message  # type: ignore[union-attr]
        return FixOutcome.refused(_refusal(message), message)

    # -- plumbing ------------------------------------------------------------------------------------
    def _send(self, writes: list[_Write]) -> None:
        """Send the writes (batches of ≤ 30 when there are several and the batch budget allows);
        each gets its answer: the entity, or the QBOFault that refused it."""
        if len(writes) == 1 or not writes:
            for write in writes:
                try:
                    write.answer = self.client.write(write.entity, write.body, key=write.key,
                                                     operation=write.operation)
                except QBOFault as fault:
                    write.answer = fault
            return
        for group in chunks(writes, BATCH_MAX):
            if len(group) == 1 or not self.client.batch_available():
                self._send_each(group)
                continue
            items = [{"operation": w.operation, w.entity: w.body} for w in group]
            try:
                answers = self.client.batch(items, [f"{w.key}:{w.entity}:{w.operation}" for w in group])
            except QBOFault as fault:  # the batch as a whole was refused: so was every item
                for write in group:
                    write.answer = fault
                continue
            for write, answer in zip(group, answers):
                fault = fault_from_data(answer)
                write.answer = QBOFault(fault) if fault is not None else (answer.get(write.entity) or {})

    def _send_each(self, writes: Sequence[_Write]) -> None:
        for write in writes:
            self._send([write])


# --- helpers ---------------------------------------------------------------------------------------------

def _party_kind(contact: Contact) -> str:
    return "Vendor" if contact.is_supplier and not contact.is_customer else "Customer"


def _payer(payment: Payment) -> str:
    return "Payment" if payment.invoice.ledger == "sales" else "BillPayment"


def _target(payment: Payment) -> tuple[str, str]:
    return (wire.ENTITY[payment.invoice.ledger], payment.invoice.remote_id or "")


def _applied(payment: dict[str, Any] | None, target_id: str) -> Decimal:
    """What an existing payment already applies to the document (it is replaced by an update)."""
    if payment is None:
        return wire.ZERO
    return sum((wire.money(line.get("Amount")) for line in payment.get("Line") or []
                for link in line.get("LinkedTxn") or [] if str(link.get("TxnId")) == target_id), wire.ZERO)


def _payment_key(payment: Payment) -> tuple:
    return (payment.invoice.remote_id, payment.date, payment.amount)


def _number_key(invoice: Invoice) -> tuple:
    """Invoice numbers are unique in QBO (custom numbers on); bill numbers only per vendor."""
    return (invoice.ledger, invoice.number.casefold(), invoice.contact.remote_id if invoice.ledger == "purchase" else None)


def _same(local: Invoice, remote: Invoice) -> bool:
    """Whether a document found by number is the one we sent (so it needs no update)."""
    return (local.total == remote.total and local.issue_date == remote.issue_date
            and local.due_date == remote.due_date and local.currency == remote.currency
            and local.contact.remote_id == remote.contact.remote_id
            and (local.reference or None) == (remote.reference or None))


def _settle(invoice: Invoice, match: Invoice) -> PushResult | Invoice:
    """A document found by number: the earlier send (done), one to bring in line, or a clash."""
    if match.status in ("voided", "deleted"):
        return failed(f"number {invoice.number} is already used by a {match.status} document in QuickBooks; give "
                      "the document a new number")
    if _same(invoice, match):
        return PushResult(match.remote_id, match.remote_version)
    return replace(invoice, remote_id=match.remote_id)


def _refusal(message: str) -> Refusal:
    """The typed refusal for a fault text (the codes are in brackets at the end of each error)."""
    lowered = message.lower()
    if f"[{CLOSED}]" in message:
        return Refusal.LOCKED_PERIOD
    if f"[{DEPOSITED}]" in message:
        return Refusal.RECONCILED_PAYMENT
    if "voided" in lowered or "payments linked" in lowered or "payments applied" in lowered \
            or f"[{STALE}]" in message:
        return Refusal.NOT_EDITABLE
    return Refusal.PACKAGE_ERROR


def _column_key(column: dict[str, Any]) -> str:
    for meta in column.get("MetaData") or []:
        if meta.get("Name") == "ColKey":
            return str(meta.get("Value"))
    return str(column.get("ColTitle") or "")


def _report_rows(rows: list[dict[str, Any]], columns: list[str], wanted: dict[str, str], account: str | None,
                 period: Period) -> Iterator[Posting]:
    """Postings from GeneralLedger rows: sections name their account in the header's first cell."""
    for row in rows:
        if row.get("Rows") is not None or row.get("type") == "Section":
            header = ((row.get("Header") or {}).get("ColData") or [{}])[0]
            yield from _report_rows((row.get("Rows") or {}).get("Row") or [], columns, wanted,
                                    header.get("id") or account, period)
            continue
        if account not in wanted:
            continue
        cells = {key: cell for key, cell in zip(columns, row.get("ColData") or [])}
        kind = (cells.get("txn_type") or {}).get("value") or ""
        day = wire.parse_date((cells.get("tx_date") or {}).get("value"))
        if kind == "Beginning Balance":
            amount, day = wire.money((cells.get("rbal_nat_amount") or {}).get("value")), LEDGER_START
        else:
            amount = wire.money((cells.get("subt_nat_amount") or {}).get("value"))
        if day is None or day > period.end or not amount:
            continue
        number = (cells.get("doc_num") or {}).get("value") or ""
        yield Posting(day, wanted[account], amount, f"{kind} {number}".strip(),
                      (cells.get("txn_type") or {}).get("id"))


def connect(context: TenantContext, *, transport: Any = None, token: Callable[..., str] | None = None,
            realm_id: str | None = None, limiter: Any = None, batch_limiter: Any = None,
            sleep: Callable[[float], None] = time.sleep) -> QuickBooksConnector:
    """Build the connector (the OAuth token store supplies *token* and *realm_id* in production)."""
    options: Any = context.options
    client = QuickBooksClient(options.api_url, realm_id or options.realm_id, token or (lambda force=False: ""),
                              transport=transport, limiter=limiter, batch_limiter=batch_limiter, sleep=sleep)
    return QuickBooksConnector(context, client)
