"""The MYOB Business API connector (AccountRight Live, new Essentials): push, fetch, fix.

MYOB takes one document per call and has no idempotency key, so a create that may have reached
MYOB is never re-sent blindly: the client does not retry a POST whose answer was lost, and a
document the core sends again (``previous_attempts`` > 0) is first looked up — invoices by
``Number``, bills by supplier and our reference in ``JournalMemo`` (MYOB numbers bills itself;
the supplier's number goes to ``SupplierInvoiceNumber``), payments by document, date, amount and
account. Cards are always found (Card ID, then name) before one is created. Creates use
``returnBody=true`` and never carry ``UID``/``RowVersion``; updates PUT the current
``RowVersion`` of the document and of each kept line, re-reading once after a 409. Payments
cannot be edited (delete and create) and never exceed the balance due; "void" deletes the
document, as MYOB offers no void.
"""

from __future__ import annotations

import calendar
import time
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable, Iterator, Sequence

import httpx

from core.accounting import (
    BaseConnector, Capability, Contact, ElementError, FixOutcome, Invoice, OrganisationFacts, Payment, Period,
    PermanentError, Posting, PushResult, Refusal, TenantContext, TransientError, one_by_one,
)
from core.http import loads
from plugins.myob import mapping as wire
from plugins.myob.auth import api_key
from plugins.myob.client import MyobClient, cftoken, describe, errors_of

PAGE_SIZE = 1000
LOOKUP_CHUNK = 15  # ids or names per $filter (keeps URLs short)
CF_PASSWORD = "LEDGERBRIDGE_MYOB_CF_PASSWORD"
CURRENCIES = {"AU": "AUD", "NZ": "NZD"}

# MYOB's error Names / ErrorCodes → typed refusals (research/myob.md §4; sandbox errors.py)
LOCKED = ("BusinessEvent_DateOccured_InLockPeriod", "DateInLockPeriod")
TOO_OLD = ("DatePriorToBeginningOfFinancialYear",)
MUST_REVERSE = ("TransactionsCannotBeChanged", "TransactionsCannotBeDeleted")
HAS_PAYMENTS = ("TransactionHasPaymentsApplied",)


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def any_of(field: str, literals: Iterable[str]) -> str:
    return " or ".join(f"{field} eq {literal}" for literal in literals)


def _uid_from(response: httpx.Response) -> tuple[str | None, str | None]:
    """The new entity's UID and RowVersion from a ``returnBody`` answer, else from ``Location``."""
    if response.content:
        body = loads(response.content)
        if isinstance(body, dict) and body.get("UID"):
            return body["UID"], body.get("RowVersion")
    location = response.headers.get("Location", "").rstrip("/")
    return (location.rsplit("/", 1)[-1] or None), None


def _refusal(response: httpx.Response) -> tuple[Refusal | None, str]:
    """The typed refusal a MYOB error answer means (None: just MYOB's words), and those words."""
    text = describe(response)
    for error in errors_of(response):
        name, code = str(error.get("Name") or ""), error.get("ErrorCode")
        if name in LOCKED or code == 4223:
            return Refusal.LOCKED_PERIOD, text
        if name in TOO_OLD or code == 25008:
            return Refusal.TOO_OLD, text
        if name in MUST_REVERSE or code == 25003:
            return Refusal.NOT_EDITABLE, text
        if name in HAS_PAYMENTS:
            return Refusal.NOT_EDITABLE, text
    return None, text


class MyobConnector(BaseConnector):
    package = "myob"

    def __init__(self, context: TenantContext, client: MyobClient):
        super().__init__(context)
        self.client = client
        self._chart: wire.Chart | None = None
        self._cards: dict[str, str] = {}  # card UID → Customer | Supplier

    def close(self) -> None:
        self.client.close()

    # -- reading ------------------------------------------------------------------------------------
    def _pages(self, route: str, where: str | None = None) -> Iterator[dict[str, Any]]:
        """Every item of a list, following ``NextPageLink``."""
        params: dict[str, Any] = {"$top": PAGE_SIZE}
        if where:
            params["$filter"] = where
        data = self.client.get_json(route, params=params)
        seen = set()
        while True:
            yield from data.get("Items") or []
            link = data.get("NextPageLink")
            if not link or link in seen:
                return
            seen.add(link)
            data = self.client.get_json(link)

    @property
    def chart(self) -> wire.Chart:
        if self._chart is None:
            chart = wire.Chart()
            chart.accounts = {a["DisplayID"]: a for a in self._pages("GeneralLedger/Account")}
            chart.tax_codes = {t["Code"]: t for t in self._pages("GeneralLedger/TaxCode")}
            self._chart = chart
        return self._chart

    def _items(self, codes: set[str]) -> None:
        missing = sorted(c for c in codes if c not in self.chart.items)
        for group in chunks(missing, LOOKUP_CHUNK):
            for item in self._pages("Inventory/Item", any_of("Number", map(wire.quote, group))):
                self.chart.items[item["Number"]] = item

    # -- contacts -----------------------------------------------------------------------------------
    def push_contacts(self, contacts: Sequence[Contact]) -> list[PushResult]:
        self.allow("push_contacts")
        results: dict[int, PushResult] = {}
        wanted = [(i, c, "Supplier" if c.is_supplier and not c.is_customer else "Customer")
                  for i, c in enumerate(contacts)]
        found: dict[tuple, str] = {}
        for kind in ("Customer", "Supplier"):
            found.update(self._find_cards(kind, [c for _, c, k in wanted if k == kind and not c.remote_id]))
        created: dict[tuple[str, str], PushResult] = {}
        for index, contact, kind in wanted:
            remote_id = contact.remote_id or found.get((kind, "id", wire.card_id(contact))) \
                or found.get((kind, "name", contact.name.casefold()))
            if remote_id:
                results[index] = PushResult(remote_id)
                continue
            key = (kind, contact.name.casefold())
            if key not in created:
                try:
                    created[key] = self._create_card(contact, kind)
                except TransientError as exc:
                    if not created and not results:
                        raise
                    created[key] = PushResult(error=ElementError("transient", exc.message))
            results[index] = created[key]
        return [results[i] for i in range(len(contacts))]

    def _find_cards(self, kind: str, contacts: Sequence[Contact]) -> dict[tuple, str]:
        found: dict[tuple, str] = {}
        for group in chunks(list(contacts), LOOKUP_CHUNK):
            terms = [f"CompanyName eq {wire.quote(c.name)}" for c in group]
            terms += [f"DisplayID eq {wire.quote(n)}" for c in group if (n := wire.card_id(c))]
            for card in self._pages(f"Contact/{kind}", " or ".join(terms)):
                self._cards[card["UID"]] = kind
                if card.get("DisplayID") not in (None, "*None"):
                    found[(kind, "id", card["DisplayID"])] = card["UID"]
                name = wire.contact_from(card, kind).name.casefold()
                found.setdefault((kind, "name", name), card["UID"])
        return found

    def _create_card(self, contact: Contact, kind: str) -> PushResult:
        payload = self.context.outgoing(contact, wire.contact_payload(contact))
        response = self.client.request("POST", f"Contact/{kind}", params={"returnBody": "true"}, body=payload)
        if response.status_code == 400 and "DisplayID" in payload and \
                any(e.get("Name") == "DuplicateIdentifier" for e in errors_of(response)):
            payload = {k: v for k, v in payload.items() if k != "DisplayID"}  # the Card ID is another card's
            response = self.client.request("POST", f"Contact/{kind}", params={"returnBody": "true"}, body=payload)
        if response.status_code >= 300:
            return PushResult(error=ElementError("permanent", describe(response)))
        uid, version = _uid_from(response)
        if uid:
            self._cards[uid] = kind
        return PushResult(uid, version)

    def _party(self, contact: Contact, kind: str) -> str:
        """The UID of a card of *kind* for the contact (a customer card cannot take bills)."""
        uid = contact.remote_id or ""
        if uid and uid not in self._cards:
            response = self.client.request("GET", f"Contact/{kind}/{uid}")
            if response.status_code == 200:
                self._cards[uid] = kind
        if uid and self._cards.get(uid) == kind:
            return uid
        (result,) = self.push_contacts([replace(contact, remote_id=None, is_customer=kind == "Customer",
                                                is_supplier=kind == "Supplier", number=None)])
        if not result.ok:
            raise wire.MappingError(f"no {kind.lower()} card for {contact.name}: {result.error.message}")  # type: ignore[union-attr]
        return result.remote_id  # type: ignore[return-value]

    # -- invoices and bills -------------------------------------------------------------------------
    def push_invoices(self, invoices: Sequence[Invoice]) -> list[PushResult]:
        self.allow("push_invoices")
        for invoice in invoices:
            self.allow("push_invoices", Capability.UPDATE_INVOICES if invoice.remote_id else
                       Capability.PUSH_INVOICES if invoice.ledger == "sales" else Capability.PUSH_BILLS)
        items = {line.item_code for invoice in invoices for line in invoice.lines if line.item_code}
        if items:
            self._items(items)
        existing = self._find_invoices([i for i in invoices if not i.remote_id and i.previous_attempts])
        return one_by_one(invoices, lambda invoice: self._push_invoice(invoice, existing),
                          permanent=(wire.MappingError,))

    def _push_invoice(self, invoice: Invoice, existing: dict[tuple, dict[str, Any]]) -> PushResult:
        kind = wire.PARTIES[invoice.ledger]
        party = self._party(invoice.contact, kind)
        if invoice.remote_id:
            current = self._current(invoice.ledger, invoice.remote_id)
            if current is None:
                return PushResult(error=ElementError("permanent", f"{invoice.number} is no longer in MYOB "
                                                                  "(deleted there?)"))
            return self._update(invoice, party, current)
        match = existing.get(_key(invoice, party))
        if match is not None:
            if _same(invoice, party, match):
                return PushResult(match["UID"], match.get("RowVersion"))  # an earlier send got there
            return self._update(invoice, party, match)
        layout = wire.layout_of(invoice, self.chart)
        try:
            payload = wire.invoice_payload(invoice, self.chart, party, layout)
        except wire.MappingError:
            if layout == "Service":
                raise
            layout = "Service"
            payload = wire.invoice_payload(invoice, self.chart, party, layout)
        payload = self.context.outgoing(invoice, payload)
        response = self.client.request("POST", f"{wire.ROUTES[invoice.ledger]}/{layout}",
                                       params={"returnBody": "true"}, body=payload)
        if response.status_code >= 300:
            return PushResult(error=ElementError("permanent", describe(response)))
        return PushResult(*_uid_from(response))

    def _update(self, invoice: Invoice, party: str, current: dict[str, Any]) -> PushResult:
        response = self._put(invoice, party, current)
        if response.status_code >= 300:
            return PushResult(error=ElementError("permanent", describe(response)))
        uid, version = _uid_from(response)
        return PushResult(uid or current["UID"], version)

    def _put(self, invoice: Invoice, party: str, current: dict[str, Any]) -> httpx.Response:
        """PUT the local document over *current*; after a 409 (stale RowVersion) re-read once."""
        for attempt in (1, 2):
            layout = current.get("InvoiceType") or current.get("BillType") or "Service"
            payload = wire.with_versions(wire.invoice_payload(invoice, self.chart, party, layout), current)
            payload = self.context.outgoing(invoice, payload)
            response = self.client.request("PUT", f"{wire.ROUTES[invoice.ledger]}/{layout}/{current['UID']}",
                                           params={"returnBody": "true"}, body=payload)
            if response.status_code != 409 or attempt == 2:
                return response
            fresh = self._current(invoice.ledger, current["UID"])
            if fresh is None:
                return response
            current = fresh
        raise AssertionError("unreachable")

    def _current(self, ledger: str, uid: str) -> dict[str, Any] | None:
        """The document as MYOB has it now (with its layout, RowVersion and lines)."""
        return next(iter(self._pages(wire.ROUTES[ledger], f"UID eq {wire.guid(uid)}")), None)

    def _find_invoices(self, invoices: Sequence[Invoice]) -> dict[tuple, dict[str, Any]]:
        found: dict[tuple, dict[str, Any]] = {}
        for ledger, field in (("sales", "Number"), ("purchase", "SupplierInvoiceNumber")):
            numbers = sorted({i.number for i in invoices if i.ledger == ledger})
            for group in chunks(numbers, LOOKUP_CHUNK):
                for data in self._pages(wire.ROUTES[ledger], any_of(field, map(wire.quote, group))):
                    party = ((data.get(wire.PARTIES[ledger]) or {}).get("UID") or "").lower()
                    if ledger == "sales":
                        found[("sales", data.get("Number"))] = data
                    else:
                        found[("purchase", party, data.get("JournalMemo"))] = data
        return found

    def void_invoices(self, invoices: Sequence[Invoice]) -> list[PushResult]:
        """MYOB has no void: the document is deleted (refused while payments are applied)."""
        self.allow("void_invoices")
        results = []
        for invoice in invoices:
            current = self._current(invoice.ledger, invoice.remote_id or "")
            if current is None:
                results.append(PushResult(invoice.remote_id))  # already gone
                continue
            layout = current.get("InvoiceType") or current.get("BillType") or "Service"
            response = self.client.request("DELETE", f"{wire.ROUTES[invoice.ledger]}/{layout}/{current['UID']}")
            if response.status_code in (200, 204, 404):
                results.append(PushResult(invoice.remote_id))
            else:
                results.append(PushResult(error=ElementError("permanent", describe(response))))
        return results

    # -- payments -----------------------------------------------------------------------------------
    def push_payments(self, payments: Sequence[Payment]) -> list[PushResult]:
        self.allow("push_payments")
        results: dict[int, PushResult] = {}
        for index, payment in enumerate(payments):
            if payment.remote_id:  # MYOB payments cannot be edited: delete, then create anew
                (removed,) = self.remove_payments([payment])
                if not removed.ok:
                    results[index] = removed
        documents = self._documents([p for i, p in enumerate(payments) if i not in results])
        existing = self._find_payments([p for i, p in enumerate(payments) if i not in results and p.previous_attempts],
                                       documents)
        balances = {uid: wire.money(d.get("BalanceDueAmount")) for uid, d in documents.items()}
        for index, payment in enumerate(payments):
            if index in results:
                continue
            uid = (payment.invoice.remote_id or "").lower()
            document = documents.get(uid)
            if document is None:
                results[index] = PushResult(error=ElementError("permanent", (
                    f"{payment.invoice.number} ({payment.invoice.remote_id}) is not in MYOB (deleted there?)")))
                continue
            matches = existing.get(_payment_key(payment))
            if matches:
                results[index] = PushResult(matches.pop(0))
                continue
            try:
                results[index] = self._create_payment(payment, document, balances)
            except wire.MappingError as exc:
                results[index] = PushResult(error=ElementError("permanent", str(exc)))
            except TransientError as exc:
                if not any(r.ok for r in results.values()):
                    raise
                for rest in range(len(payments)):
                    results.setdefault(rest, PushResult(error=ElementError("transient", exc.message)))
                break
        return [results[i] for i in range(len(payments))]

    def _create_payment(self, payment: Payment, document: dict[str, Any], balances: dict[str, Any]) -> PushResult:
        ledger = payment.invoice.ledger
        uid = document["UID"].lower()
        if payment.amount <= 0:
            raise wire.MappingError(f"MYOB takes only positive payments (got {payment.amount})")
        if payment.amount > balances[uid]:
            raise wire.MappingError(f"payment of {payment.amount} is more than the balance due of "
                                    f"{balances[uid]} on {document.get('Number')} in MYOB; MYOB applies payments "
                                    "only up to the balance")
        account = self.chart.account(payment.account_code)
        party = (document.get(wire.PARTIES[ledger]) or {}).get("UID")
        payload = self.context.outgoing(payment, wire.payment_payload(payment, party, account["UID"]))
        response = self.client.request("POST", wire.PAYMENT_ROUTES[ledger], params={"returnBody": "true"},
                                       body=payload)
        if response.status_code >= 300:
            return PushResult(error=ElementError("permanent", describe(response)))
        balances[uid] -= payment.amount
        return PushResult(*_uid_from(response))

    def _documents(self, payments: Sequence[Payment]) -> dict[str, dict[str, Any]]:
        """The invoices and bills the payments settle, by lower-case UID."""
        found: dict[str, dict[str, Any]] = {}
        for ledger in ("sales", "purchase"):
            uids = sorted({p.invoice.remote_id for p in payments if p.invoice.ledger == ledger and p.invoice.remote_id})
            for group in chunks(uids, LOOKUP_CHUNK):
                for data in self._pages(wire.ROUTES[ledger], any_of("UID", map(wire.guid, group))):
                    found[data["UID"].lower()] = data
        return found

    def _find_payments(self, payments: Sequence[Payment], documents: dict[str, dict[str, Any]]) -> dict[tuple, list[str]]:
        found: dict[tuple, list[str]] = {}
        for ledger in ("sales", "purchase"):
            party_field = wire.PARTIES[ledger]
            parties = sorted({(documents[uid].get(party_field) or {}).get("UID") for p in payments
                              if p.invoice.ledger == ledger and (uid := (p.invoice.remote_id or "").lower()) in documents})
            for group in chunks([p for p in parties if p], LOOKUP_CHUNK):
                where = any_of(f"{party_field}/UID", map(wire.guid, group))
                for data in self._pages(wire.PAYMENT_ROUTES[ledger], where):
                    remote = wire.payment_from(data, ledger)
                    found.setdefault(_payment_key(remote), []).append(remote.remote_id)  # type: ignore[arg-type]
        return found

    def remove_payments(self, payments: Sequence[Payment]) -> list[PushResult]:
        self.allow("remove_payments")
        results = []
        for payment in payments:
            response = self.client.request("DELETE", f"{wire.PAYMENT_ROUTES[payment.invoice.ledger]}/{payment.remote_id}")
            if response.status_code in (200, 204, 404):
                results.append(PushResult(payment.remote_id))
            else:
                results.append(PushResult(error=ElementError("permanent", describe(response))))
        return results

    # -- fetch --------------------------------------------------------------------------------------
    def _where(self, field: str, period: Period | None, modified_since: datetime | None) -> str | None:
        clauses = []
        if period is not None:
            clauses += [f"{field} ge {wire.when(period.start)}", f"{field} le {wire.when(period.end)}"]
        if modified_since is not None:
            clauses.append(f"LastModified gt {wire.when(modified_since)}")
        return " and ".join(clauses) or None

    def fetch_invoices(self, period: Period | None, ledger=None, *, modified_since: datetime | None = None):
        self.allow("fetch_invoices")
        where = self._where("Date", period, modified_since)
        ledgers = [ledger] if ledger else ["sales", "purchase"]
        chart = self.chart
        currency = self.context.base_currency
        return (replace(wire.invoice_from(data, l, chart), currency=currency)
                for l in ledgers for data in self._pages(wire.ROUTES[l], where))

    def fetch_payments(self, period: Period | None, *, modified_since: datetime | None = None):
        self.allow("fetch_payments")
        where = self._where("Date", period, modified_since)
        return (wire.payment_from(data, ledger, self.context.base_currency)
                for ledger in ("sales", "purchase") for data in self._pages(wire.PAYMENT_ROUTES[ledger], where))

    def fetch_contacts(self, *, modified_since: datetime | None = None):
        self.allow("fetch_contacts")
        where = self._where("", None, modified_since)
        return (wire.contact_from(data, kind) for kind in ("Customer", "Supplier")
                for data in self._pages(f"Contact/{kind}", where))

    def ledger_postings(self, period: Period, accounts: Iterable[str]) -> Iterator[Posting]:
        """Journal transaction lines on the accounts, dated up to ``period.end``."""
        self.allow("ledger_postings")
        wanted = set(accounts)
        where = f"DateOccurred le {wire.when(period.end)}"
        return (posting for journal in self._pages("GeneralLedger/JournalTransaction", where)
                for posting in wire.postings_from(journal, wanted))

    def organisation(self) -> OrganisationFacts:
        """Lock period (``LockPeriodPriorTo``), financial year and must-reverse from the company file."""
        preferences = (self.client.get_json("Company/Preferences").get("System") or {})
        properties = next(iter(self._pages("GeneralLedger/AccountingProperties")), {})
        company = self.client.get_json("Company")
        locks = []
        prior_to = wire.parse_date(preferences.get("LockPeriodPriorTo"))
        if prior_to:
            locks.append(prior_to - timedelta(days=1))
        year_end = None
        extra = {"transactions_must_be_reversed": str(bool(preferences.get("TransactionsCannotBeChangedMustBeReversed"))).lower()}
        if properties.get("CurrentFinancialYear") and properties.get("LastMonthFinancialYear"):
            month, year = int(properties["LastMonthFinancialYear"]), int(properties["CurrentFinancialYear"])
            year_end = (month, calendar.monthrange(year, month)[1])
            start_year = year - 1 if month < 12 else year
            start = datetime(start_year, month % 12 + 1, 1).date()
            locks.append(start - timedelta(days=1))  # earlier financial years are closed (25008)
            extra["financial_year_start"] = start.isoformat()
        country = (self.client.company_file or {}).get("Country")
        return OrganisationFacts(name=company.get("CompanyName") or "",
                                 base_currency=CURRENCIES.get(country or "", self.context.base_currency),
                                 lock_date=max(locks) if locks else None, financial_year_end=year_end, extra=extra)

    def probe(self) -> None:
        self.client.get_json("Company")

    # -- fix ----------------------------------------------------------------------------------------
    def fix_invoice(self, local: Invoice, remote: Invoice) -> FixOutcome:
        self.allow("fix_invoice")
        current = self._current(local.ledger, remote.remote_id or "") if remote.status != "deleted" else None
        if current is None:
            return FixOutcome.refused(Refusal.NOT_EDITABLE, f"{remote.number} is no longer in MYOB")
        try:
            party = self._party(local.contact if local.contact.remote_id else remote.contact,
                                wire.PARTIES[local.ledger])
            response = self._put(local, party, current)
        except wire.MappingError as exc:
            return FixOutcome.refused(Refusal.PACKAGE_ERROR, str(exc))
        if response.status_code < 300:
            return FixOutcome.done("updated in MYOB", _uid_from(response)[1])
        reason, text = _refusal(response)
        if reason == Refusal.NOT_EDITABLE and any(e.get("Name") in HAS_PAYMENTS for e in errors_of(response)) \
                and self._has_reconciled_payment(current, local.ledger):
            reason = Refusal.RECONCILED_PAYMENT
        return FixOutcome.refused(reason or Refusal.PACKAGE_ERROR, text)

    def _has_reconciled_payment(self, document: dict[str, Any], ledger: str) -> bool:
        party = (document.get(wire.PARTIES[ledger]) or {}).get("UID")
        if not party:
            return False
        mine = [p["UID"] for p in self._pages(wire.PAYMENT_ROUTES[ledger], f"{wire.PARTIES[ledger]}/UID eq {wire.guid(party)}")
                if wire.payment_from(p, ledger).invoice.remote_id == document["UID"]]
        for uid in mine:
            for journal in self._pages("GeneralLedger/JournalTransaction", f"SourceTransaction/UID eq {wire.guid(uid)}"):
                if any(line.get("ReconciledDate") for line in journal.get("Lines") or []):
                    return True
        return False


def _key(invoice: Invoice, party: str) -> tuple:
    if invoice.ledger == "sales":
        return ("sales", invoice.number)
    return ("purchase", party.lower(), wire.bill_memo(invoice))


def _same(local: Invoice, party: str, remote: dict[str, Any]) -> bool:
    """Whether a document found by number is the one we sent (so no update is needed)."""
    found = wire.parse_date(remote.get("Date"))
    same = (wire.money(remote.get("TotalAmount")) == local.total and found == local.issue_date
            and ((remote.get(wire.PARTIES[local.ledger]) or {}).get("UID") or "").lower() == party.lower())
    if local.ledger == "sales":
        same = same and (remote.get("CustomerPurchaseOrderNumber") or None) == \
            ((local.reference or "")[:wire.PO_MAX] or None)
    return same


def _payment_key(payment: Payment) -> tuple:
    return ((payment.invoice.remote_id or "").lower(), payment.date, payment.amount, payment.account_code.casefold())


def connect(context: TenantContext, *, transport: Any = None, token: Callable[..., str] | None = None,
            business_id: str | None = None, limiter: Any = None, sleep: Callable[[float], None] = time.sleep):
    """Build the tenant's connector: Business API for ``accountright``, legacy API for ``essentials``."""
    options: Any = context.options
    key = api_key(context)
    token = token or context.access_token
    kwargs = {"transport": transport, "limiter": limiter, "sleep": sleep}
    if context.edition == "essentials":
        from plugins.myob.client import EssentialsClient
        from plugins.myob.essentials import EssentialsConnector

        business = business_id or context.remote_tenant or options.legacy_business_id()
        if not business:
            raise PermanentError(f"set essentials_business_id (or business_id) in [tenants.{context.slug}.myob]")
        return EssentialsConnector(context, EssentialsClient(options.legacy_api_url(), business, token, key, **kwargs))
    business = business_id or context.remote_tenant or options.business_id
    if not business:
        raise PermanentError(f"set business_id in [tenants.{context.slug}.myob] or connect the tenant "
                             f"(`ledgerbridge connect {context.slug}`)")
    return MyobConnector(context, MyobClient(options.api_url, business, token, key,
                                             cftoken=cftoken(options.cf_username, context.secret(CF_PASSWORD)),
                                             **kwargs))
