"""The Xero connector: push, fetch and fix for one tenant's organisation.

Writes go in batches of up to 50 with ``summarizeErrors=false`` (each element answers for itself;
without it a 400 would hide the ids of the elements Xero still created) and an Idempotency-Key
derived from the documents' own keys. Because Xero keeps those keys only minutes, every create is
preceded by a lookup — invoices by InvoiceNumber (and contact, for bills, whose numbers Xero does
not keep unique), contacts by ContactNumber then Name, payments by invoice, date, amount and
account — so a retry after a lost answer finds the first copy instead of making a second.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any, Callable, Iterable, Iterator, Sequence

from core.accounting import (
    BaseConnector, Capability, Contact, ElementError, FixOutcome, Invoice, OrganisationFacts, Payment, Period,
    PermanentError, Posting, PushResult, Refusal, TenantContext,
)
from core.http import loads
from plugins.xero import mapping as wire
from plugins.xero.client import XeroClient, describe, validation_messages

BATCH = 50
PAGE_SIZE = 1000
LOOKUP_CHUNK = 25  # numbers or names per lookup request (keeps URLs short)
_KEYS = uuid.UUID("0f8d5f3e-2d1c-4a57-b6a0-7a4c3e9b1d22")

# Xero's words → typed refusal (fix) or transient (push)
LOCK_WORDS = ("lock date",)
ALLOCATED = "has a payment or credit note allocated"
BAD_STATUS = "not of valid status for modification"
NOT_UNIQUE = "must be unique"


def batch_key(documents: Sequence[Any], operation: str) -> str:
    """One Idempotency-Key for a batch: stable while the batch holds the same document versions."""
    return str(uuid.uuid5(_KEYS, operation + ":" + ",".join(d.idempotency_key or "" for d in documents)))


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class XeroConnector(BaseConnector):
    package = "xero"

    def __init__(self, context: TenantContext, client: XeroClient):
        super().__init__(context)
        self.client = client

    def close(self) -> None:
        self.client.close()

    # -- contacts ------------------------------------------------------------------------------------
    def push_contacts(self, contacts: Sequence[Contact]) -> list[PushResult]:
        self.allow("push_contacts")
        results: dict[int, PushResult] = {}
        known = self._find_contacts(contacts)
        creates: dict[str, list[int]] = {}  # one create per distinct name
        for index, contact in enumerate(contacts):
            remote_id = contact.remote_id or known.get(("number", wire.contact_number(contact))) \
                or known.get(("name", contact.name.casefold()))
            if remote_id:
                results[index] = PushResult(remote_id)
            else:
                creates.setdefault(contact.name.casefold(), []).append(index)
        firsts = [indexes[0] for indexes in creates.values()]
        for group in chunks(firsts, BATCH):
            batch = [contacts[i] for i in group]
            payloads = [self.context.outgoing(c, wire.contact_payload(c)) for c in batch]
            answers = self._write("PUT", "Contacts", "Contacts", payloads, batch_key(batch, "contacts"))
            for index, answer in zip(group, answers):
                result = _result(answer, "ContactID")
                for same in creates[contacts[index].name.casefold()]:
                    results[same] = result
        return [results[i] for i in range(len(contacts))]

    def _find_contacts(self, contacts: Sequence[Contact]) -> dict[tuple[str, str | None], str]:
        found: dict[tuple[str, str | None], str] = {}
        numbers = sorted({n for c in contacts if not c.remote_id and (n := wire.contact_number(c))})
        for group in chunks(numbers, LOOKUP_CHUNK):
            where = " OR ".join(f"ContactNumber=={wire.quote(n)}" for n in group)
            for data in self._pages("Contacts", "Contacts", {"where": where, "summaryOnly": "true"}):
                found[("number", data.get("ContactNumber"))] = data["ContactID"]
                found[("name", (data.get("Name") or "").casefold())] = data["ContactID"]
        names = sorted({c.name for c in contacts if not c.remote_id
                        and ("number", wire.contact_number(c)) not in found})
        for group in chunks(names, LOOKUP_CHUNK):
            where = " OR ".join(f"Name=={wire.quote(n)}" for n in group)
            for data in self._pages("Contacts", "Contacts", {"where": where, "summaryOnly": "true"}):
                found.setdefault(("name", (data.get("Name") or "").casefold()), data["ContactID"])
        return found

    # -- invoices and bills --------------------------------------------------------------------------
    def push_invoices(self, invoices: Sequence[Invoice]) -> list[PushResult]:
        self.allow("push_invoices")
        for invoice in invoices:
            self.allow("push_invoices", Capability.UPDATE_INVOICES if invoice.remote_id else
                       Capability.PUSH_INVOICES if invoice.ledger == "sales" else Capability.PUSH_BILLS)
        results: dict[int, PushResult] = {}
        # only a document sent before can already be in Xero: look those up by number first
        existing = self._find_invoices([i for i in invoices if not i.remote_id and i.previous_attempts])
        invoices = list(invoices)
        creates, updates = [], []
        for index, invoice in enumerate(invoices):
            if invoice.remote_id:
                updates.append(index)
                continue
            match = existing.get(_invoice_key(invoice.ledger, invoice.number, invoice.contact.remote_id))
            if match is None:
                creates.append(index)
            elif match.status in ("voided", "deleted"):
                results[index] = PushResult(error=ElementError("permanent", (
                    f"Invoice number {invoice.number} is already used by a {match.status.upper()} invoice in Xero "
                    "(Xero keeps the numbers of voided invoices); give the invoice a new number")))
            elif _same_summary(invoice, match):
                results[index] = PushResult(match.remote_id, match.remote_version)  # an earlier push got there
            else:
                invoices[index] = _with_remote(invoice, match.remote_id)
                updates.append(index)
        for method, indexes in (("PUT", creates), ("POST", updates)):
            for group in chunks(indexes, BATCH):
                batch = [invoices[i] for i in group]
                payloads = [self.context.outgoing(i, wire.invoice_payload(i)) for i in batch]
                answers = self._write(method, "Invoices", "Invoices", payloads, batch_key(batch, f"invoices-{method}"),
                                      unitdp=True)
                for index, answer in zip(group, answers):
                    results[index] = _result(answer, "InvoiceID", transient_words=(NOT_UNIQUE,))
        return [results[i] for i in range(len(invoices))]

    def _find_invoices(self, invoices: Sequence[Invoice]) -> dict[tuple, Invoice]:
        found: dict[tuple, Invoice] = {}
        numbers = sorted({i.number for i in invoices})
        for group in chunks(numbers, LOOKUP_CHUNK):
            params = {"InvoiceNumbers": ",".join(group), "summaryOnly": "true"}
            for data in self._pages("Invoices", "Invoices", params):
                remote = wire.invoice_from(data)
                key = _invoice_key(remote.ledger, remote.number, remote.contact.remote_id)
                if key not in found or found[key].status in ("voided", "deleted"):  # prefer a live one
                    found[key] = remote
        return found

    def void_invoices(self, invoices: Sequence[Invoice]) -> list[PushResult]:
        self.allow("void_invoices")
        results: list[PushResult] = []
        for group in chunks(list(invoices), BATCH):
            payloads = [{"InvoiceID": i.remote_id, "Status": "VOIDED"} for i in group]
            answers = self._write("POST", "Invoices", "Invoices", payloads, batch_key(group, "void"))
            for invoice, answer in zip(group, answers):
                result = _result(answer, "InvoiceID")
                if not result.ok and BAD_STATUS in result.error.message:  # a draft is deleted, not voided
                    (again,) = self._write("POST", "Invoices", "Invoices",
                                           [{"InvoiceID": invoice.remote_id, "Status": "DELETED"}],
                                           batch_key([invoice], "delete"))
                    result = _result(again, "InvoiceID")
                results.append(result)
        return results

    # -- payments ------------------------------------------------------------------------------------
    def push_payments(self, payments: Sequence[Payment]) -> list[PushResult]:
        self.allow("push_payments")
        results: dict[int, PushResult] = {}
        for index, payment in enumerate(payments):
            if payment.remote_id:  # Xero payments cannot be edited: remove, then create anew
                (removed,) = self.remove_payments([payment])
                if not removed.ok:
                    results[index] = removed
        existing = self._find_payments([p for i, p in enumerate(payments) if i not in results and p.previous_attempts])
        creates = []
        for index, payment in enumerate(payments):
            if index in results:
                continue
            match = existing.get(_payment_key(payment))
            if match:
                results[index] = PushResult(match.pop(0))
            else:
                creates.append(index)
        for group in chunks(creates, BATCH):
            batch = [payments[i] for i in group]
            payloads = [self.context.outgoing(p, wire.payment_payload(p)) for p in batch]
            answers = self._write("PUT", "Payments", "Payments", payloads, batch_key(batch, "payments"))
            for index, answer in zip(group, answers):
                results[index] = _result(answer, "PaymentID")
        return [results[i] for i in range(len(payments))]

    def _find_payments(self, payments: Sequence[Payment]) -> dict[tuple, list[str]]:
        found: dict[tuple, list[str]] = {}
        invoice_ids = sorted({p.invoice.remote_id for p in payments if p.invoice.remote_id})
        for group in chunks(invoice_ids, LOOKUP_CHUNK):
            where = " OR ".join(f'Invoice.InvoiceID==guid("{i}")' for i in group)
            for data in self._pages("Payments", "Payments", {"where": f"Status==\"AUTHORISED\" AND ({where})"}):
                remote = wire.payment_from(data)
                found.setdefault(_payment_key(remote), []).append(remote.remote_id)
        return found

    def remove_payments(self, payments: Sequence[Payment]) -> list[PushResult]:
        self.allow("remove_payments")
        results = []
        for payment in payments:
            response = self.client.request("POST", f"Payments/{payment.remote_id}", body={"Status": "DELETED"},
                                           idempotency_key=batch_key([payment], "remove"))
            if response.status_code == 404:
                results.append(PushResult(payment.remote_id))  # already gone
            elif response.status_code == 400:
                results.append(PushResult(error=ElementError("permanent", describe(response))))
            else:
                results.append(PushResult(payment.remote_id))
        return results

    # -- fetch ---------------------------------------------------------------------------------------
    def fetch_invoices(self, period: Period | None, ledger=None, *, modified_since: datetime | None = None):
        self.allow("fetch_invoices")
        clauses = []
        if period is not None:
            clauses += [f"Date>={wire.where_date(period.start)}", f"Date<={wire.where_date(period.end)}"]
        if ledger is not None:
            clauses.append(f'Type=="{wire.TYPES[ledger]}"')
        params = {"where": " AND ".join(clauses)} if clauses else {}
        return (wire.invoice_from(data) for data in self._pages("Invoices", "Invoices", params, modified_since))

    def fetch_payments(self, period: Period | None, *, modified_since: datetime | None = None):
        self.allow("fetch_payments")
        params = {}
        if period is not None:
            params["where"] = f"Date>={wire.where_date(period.start)} AND Date<={wire.where_date(period.end)}"
        return (wire.payment_from(data) for data in self._pages("Payments", "Payments", params, modified_since))

    def fetch_contacts(self, *, modified_since: datetime | None = None):
        self.allow("fetch_contacts")
        return (wire.contact_from(data) for data in self._pages("Contacts", "Contacts", {}, modified_since))

    def ledger_postings(self, period: Period, accounts: Iterable[str]) -> Iterator[Posting]:
        """Journal lines on the accounts up to ``period.end``, paging by JournalNumber (100 at a time)."""
        self.allow("ledger_postings")
        wanted = set(accounts)
        return self._postings(period, wanted)

    def _postings(self, period: Period, wanted: set[str]) -> Iterator[Posting]:
        offset = 0
        while True:
            journals = self.client.get_json("Journals", params={"offset": offset}).get("Journals") or []
            for journal in journals:
                for posting in wire.postings_from(journal, wanted):
                    if posting.date <= period.end:
                        yield posting
            if len(journals) < 100:
                return
            offset = max(int(j.get("JournalNumber") or 0) for j in journals)

    def organisation(self) -> OrganisationFacts:
        data = (self.client.get_json("Organisation").get("Organisations") or [{}])[0]
        locks = [d for d in (wire.parse_date(data.get("PeriodLockDate")),
                             wire.parse_date(data.get("EndOfYearLockDate"))) if d]
        year_end = (int(data["FinancialYearEndMonth"]), int(data["FinancialYearEndDay"])) \
            if data.get("FinancialYearEndMonth") and data.get("FinancialYearEndDay") else None
        return OrganisationFacts(name=data.get("Name", ""), base_currency=data.get("BaseCurrency", ""),
                                 lock_date=max(locks) if locks else None, financial_year_end=year_end)

    def probe(self) -> None:
        self.client.get_json("Organisation")

    # -- fix -----------------------------------------------------------------------------------------
    def fix_invoice(self, local: Invoice, remote: Invoice) -> FixOutcome:
        self.allow("fix_invoice")
        if remote.status in ("voided", "deleted"):
            return FixOutcome.refused(Refusal.NOT_EDITABLE, f"the invoice is {remote.status.upper()} in Xero")
        facts = self.organisation()
        if facts.lock_date and min(remote.issue_date, local.issue_date) <= facts.lock_date:
            return FixOutcome.refused(Refusal.LOCKED_PERIOD, "The document date cannot be before the period lock "
                                                             f"date, currently set at {facts.lock_date:%d-%b-%Y}")
        payload = self.context.outgoing(local, wire.invoice_payload(_with_remote(local, remote.remote_id)))
        (answer,) = self._write("POST", "Invoices", "Invoices", [payload], batch_key([local], "fix"), unitdp=True)
        result = _result(answer, "InvoiceID")
        if result.ok:
            return FixOutcome.done("updated in Xero", result.remote_version)
        message = result.error.message  # type: ignore[union-attr]
        lowered = message.lower()
        if any(word in lowered for word in LOCK_WORDS):
            return FixOutcome.refused(Refusal.LOCKED_PERIOD, message)
        if ALLOCATED in lowered:
            reason = Refusal.RECONCILED_PAYMENT if self._has_reconciled_payment(remote) else Refusal.NOT_EDITABLE
            return FixOutcome.refused(reason, message)
        if BAD_STATUS in lowered:
            return FixOutcome.refused(Refusal.NOT_EDITABLE, message)
        return FixOutcome.refused(Refusal.PACKAGE_ERROR, message)

    def _has_reconciled_payment(self, remote: Invoice) -> bool:
        where = f'Invoice.InvoiceID==guid("{remote.remote_id}")'
        return any(data.get("IsReconciled") for data in self._pages("Payments", "Payments", {"where": where}))

    # -- plumbing ------------------------------------------------------------------------------------
    def _write(self, method: str, path: str, collection: str, payloads: list[dict], key: str,
               unitdp: bool = False) -> list[dict[str, Any]]:
        """Send one batch; one answer per element (the element as Xero echoed it, with its errors)."""
        params = {"summarizeErrors": "false"}
        if unitdp:
            params["unitdp"] = "4"
        response = self.client.request(method, path, params=params, body={collection: payloads}, idempotency_key=key)
        if response.status_code == 400:  # a request-level refusal: every element shares it
            messages = validation_messages(loads(response.content)) if response.content else []
            text = "; ".join(messages) or describe(response)
            return [{"ValidationErrors": [{"Message": text}]} for _ in payloads]
        if response.status_code == 404:
            raise PermanentError(f"Xero 404 for {method} {path}: {describe(response)}", status=404)
        answers = loads(response.content).get(collection) or []
        if len(answers) != len(payloads):
            raise PermanentError(f"Xero answered {len(answers)} {collection} for {len(payloads)} sent")
        return answers

    def _pages(self, path: str, collection: str, params: dict[str, Any],
               modified_since: datetime | None = None) -> Iterator[dict[str, Any]]:
        page = 1
        while True:
            data = self.client.get_json(path, params={**params, "page": page, "pageSize": PAGE_SIZE, "unitdp": 4},
                                        modified_since=modified_since)
            items = data.get(collection) or []
            yield from items
            pagination = data.get("pagination") or {}
            if len(items) < int(pagination.get("pageSize") or PAGE_SIZE) or not items:
                return
            page += 1


def _result(answer: dict[str, Any], id_field: str, transient_words: tuple[str, ...] = ()) -> PushResult:
    messages = validation_messages(answer)
    failed = answer.get("HasErrors") or answer.get("HasValidationErrors") or \
        answer.get("StatusAttributeString") == "ERROR" or (messages and not answer.get(id_field))
    if failed:
        text = "; ".join(messages) or "Xero rejected the document without a message"
        kind = "transient" if any(w in text.lower() for w in transient_words) else "permanent"
        return PushResult(error=ElementError(kind, text))
    return PushResult(answer.get(id_field), answer.get("UpdatedDateUTC"))


def _invoice_key(ledger: str, number: str, contact_id: str | None) -> tuple:
    """Sales invoice numbers are unique in Xero; bill numbers only per supplier."""
    return (ledger, number.casefold(), contact_id if ledger == "purchase" else None)


def _same_summary(local: Invoice, remote: Invoice) -> bool:
    """Whether a document found by number is the one we sent (so no update is needed)."""
    same = (local.total == remote.total and local.issue_date == remote.issue_date
            and local.due_date == remote.due_date and local.currency == remote.currency
            and local.contact.remote_id == remote.contact.remote_id)
    if local.ledger == "sales":  # Reference is sent for sales invoices only
        same = same and (local.reference or None) == (remote.reference or None)
    return same


def _with_remote(invoice: Invoice, remote_id: str | None) -> Invoice:
    return replace(invoice, remote_id=remote_id)


def _payment_key(payment: Payment) -> tuple:
    return (payment.invoice.remote_id, payment.date, payment.amount, payment.account_code.casefold())


def connect(context: TenantContext, *, transport: Any = None, token: Callable[..., str] | None = None,
            tenant_id: str | None = None, limiter: Any = None, sleep: Callable[[float], None] = time.sleep
            ) -> XeroConnector:
    """Build the connector (the OAuth token store supplies *token* and *tenant_id* in production)."""
    options = context.options
    client = XeroClient(options.api_url, tenant_id or options.tenant_id or "",  # type: ignore[attr-defined]
                        token or (lambda force=False: ""), transport=transport, limiter=limiter,
                        limiter_key=f"xero:{tenant_id or context.slug}", sleep=sleep)
    return XeroConnector(context, client)
