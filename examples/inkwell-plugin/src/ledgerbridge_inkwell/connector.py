"""One tenant's connection to Inkwell Books, over a synchronous ``httpx.Client``.

The rules every ledgerbridge connector follows, in Inkwell's terms:

* look up before create (contacts by number then name, invoices by kind + number, payments by
  ``external_ref``) and send the document's ``idempotency_key`` as ``Idempotency-Key``, so a retry
  after a lost answer never makes a duplicate;
* classify failures: timeouts, connection errors, 5xx and 429 raise :class:`TransientError`
  (with Retry-After); 401/403 raise :class:`PermanentError`; any other 4xx is that document's
  permanent :class:`ElementError` carrying Inkwell's own message;
* fixes answer with typed refusals (423 → ``locked_period``, 409 → ``not_editable``);
* every payload goes through ``context.outgoing`` so ``ledgerbridge_outgoing`` wrappers apply;
* money is ``Decimal`` both ways, sent as strings, parsed with ``Decimal`` (never ``float``).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Callable, Iterable, Iterator, Sequence

import httpx

from core.accounting import (
    BaseConnector, Capability, Contact, ElementError, FixOutcome, Invoice, InvoiceRef, Line, OrganisationFacts,
    Payment, Period, PermanentError, Posting, PushResult, Refusal, TenantContext, TransientError,
)

API_KEY_ENV = "LEDGERBRIDGE_INKWELL_API_KEY"
TIMEOUT = httpx.Timeout(20.0, connect=5.0)
KIND = {"sales": "sale", "purchase": "bill"}
LEDGER = {kind: ledger for ledger, kind in KIND.items()}
TAX_MODE = {"exclusive": "exclusive", "inclusive": "inclusive", "no_tax": "none"}
AMOUNTS_ARE = {mode: amounts for amounts, mode in TAX_MODE.items()}
STATUS = {"draft": "draft", "open": "authorised", "paid": "paid", "void": "voided"}


class Rejected(Exception):
    """Inkwell refused one request (a 4xx other than auth): the document's problem, not the call's."""

    def __init__(self, status: int, code: str, message: str, body: dict):
        super().__init__(message)
        self.status, self.code, self.message, self.body = status, code, message, body


def _s(amount: Decimal | None) -> str | None:
    """Decimal → wire string, never in exponent form."""
    return None if amount is None else format(amount, "f")


def _d(value: Any) -> Decimal:
    """Wire string → Decimal (a JSON number is refused: it may have passed through a float)."""
    if not isinstance(value, (str, int, Decimal)) or isinstance(value, bool):
        raise PermanentError(f"Inkwell Books sent a non-decimal amount: {value!r}")
    return Decimal(value)


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers["Retry-After"])
    except (KeyError, ValueError):
        return None


def _message(response: httpx.Response) -> str:
    """Inkwell's own words: the JSON ``message``, else the body text, else the reason phrase."""
    try:
        body = json.loads(response.content, parse_float=Decimal)
        if isinstance(body, dict) and body.get("message"):
            return str(body["message"])
    except ValueError:
        pass
    return response.text.strip() or response.reason_phrase or f"HTTP {response.status_code}"


class InkwellConnector(BaseConnector):
    """Fetch / push / fix for one tenant; built by the package's ``connect`` factory."""

    package = "inkwell"

    def __init__(self, context: TenantContext, *, transport: httpx.BaseTransport | None = None):
        super().__init__(context)
        headers = {"Accept": "application/json", "User-Agent": "ledgerbridge-inkwell/0.1.0"}
        company = getattr(context.options, "company", None)
        if company:
            headers["Inkwell-Company"] = company  # picks the company file when a key sees several
        self.http = httpx.Client(base_url=context.options.api_url, headers=headers, timeout=TIMEOUT,  # type: ignore[attr-defined]
                                 transport=transport)

    def close(self) -> None:
        self.http.close()

    # -- HTTP ---------------------------------------------------------------------------------------
    def _send(self, method: str, path: str, *, params: dict | None = None, payload: dict | None = None,
              key: str | None = None) -> httpx.Response:
        """One request; raises Transient/PermanentError for what is not the document's fault."""
        api_key = self.context.secret(API_KEY_ENV)
        if not api_key:
            raise PermanentError(f"{API_KEY_ENV} is not set (environment or secrets file)")
        headers = {"Authorization": f"Bearer {api_key}"}
        if key:
            headers["Idempotency-Key"] = key
        try:
            response = self.http.request(method, path, params=params, json=payload, headers=headers)
        except httpx.TimeoutException as exc:
            raise TransientError(f"Inkwell Books did not answer in time ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise TransientError(f"connection to Inkwell Books failed: {exc}") from exc
        status = response.status_code
        if status == 429 or status >= 500:
            raise TransientError(f"Inkwell Books answered {status}: {_message(response)}", status=status,
                                 retry_after=_retry_after(response))
        if status in (401, 403):
            raise PermanentError(f"Inkwell Books refused the API key ({status}): {_message(response)}", status=status)
        return response

    def _json(self, response: httpx.Response) -> Any:
        """The decoded body of a 2xx answer; :class:`Rejected` for any other 4xx."""
        if response.status_code >= 400:
            try:
                body = json.loads(response.content, parse_float=Decimal)
            except ValueError:
                body = {}
            body = body if isinstance(body, dict) else {}
            raise Rejected(response.status_code, str(body.get("error", "")), _message(response), body)
        if response.status_code == 204 or not response.content:
            return None
        return json.loads(response.content, parse_float=Decimal)

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._json(self._send(method, path, **kwargs))

    def _read(self, path: str, params: dict | None = None) -> Any:
        """A GET whose 4xx is the whole call's problem (a bad filter, an unknown account)."""
        try:
            return self._call("GET", path, params=params)
        except Rejected as exc:
            raise PermanentError(f"Inkwell Books refused GET {path}: {exc.message}", status=exc.status) from None

    def _paged(self, path: str, params: dict) -> Iterator[dict]:
        cursor = None
        while True:
            page = self._read(path, {**params, **({"cursor": cursor} if cursor else {})})
            yield from page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return

    @staticmethod
    def _each(documents: Sequence[Any], one: Callable[[Any], PushResult]) -> list[PushResult]:
        """One result per document; after a transient failure the rest wait too (a lone one raises)."""
        results: list[PushResult] = []
        for n, document in enumerate(documents):
            try:
                results.append(one(document))
            except Rejected as exc:
                results.append(PushResult(error=ElementError("permanent", exc.message)))
            except TransientError as exc:
                if n == 0:
                    raise
                results.extend(PushResult(error=ElementError("transient", exc.message)) for _ in documents[n:])
                break
        return results

    # -- push ---------------------------------------------------------------------------------------
    def push_contacts(self, contacts: Sequence[Contact]) -> list[PushResult]:
        self.allow("push_contacts")

        def one(contact: Contact) -> PushResult:
            if contact.remote_id:
                return PushResult(contact.remote_id)
            for field, value in (("number", contact.number), ("name", contact.name)):
                if value:
                    found = self._read("/v1/contacts", {field: value})["items"]
                    if found:
                        return PushResult(found[0]["id"])
            payload = {"name": contact.name, "number": contact.number, "email": contact.email,
                       "customer": contact.is_customer, "supplier": contact.is_supplier}
            created = self._call("POST", "/v1/contacts", payload=self.context.outgoing(contact, payload),
                                 key=contact.idempotency_key)
            return PushResult(created["id"])

        return self._each(contacts, one)

    def _invoice_payload(self, invoice: Invoice) -> dict:
        return self.context.outgoing(invoice, {
            "kind": KIND[invoice.ledger], "number": invoice.number, "contact_id": invoice.contact.remote_id,
            "issue_date": invoice.issue_date.isoformat(), "due_date": invoice.due_date.isoformat(),
            "posting_date": invoice.accounting_date.isoformat(), "currency": invoice.currency,
            "exchange_rate": _s(invoice.exchange_rate), "tax_mode": TAX_MODE[invoice.amounts_are],
            "status": "draft" if invoice.status == "draft" else "open", "reference": invoice.reference,
            "external_ref": invoice.host_id, "total": _s(invoice.total),
            "lines": [{"description": line.description, "quantity": _s(line.quantity),
                       "unit_price": _s(line.unit_price), "amount": _s(line.line_amount), "tax": _s(line.tax_amount),
                       "account": line.account_code, "tax_code": line.tax_code, "item": line.item_code}
                      for line in invoice.lines]})

    def push_invoices(self, invoices: Sequence[Invoice]) -> list[PushResult]:
        self.allow("push_invoices")

        def one(invoice: Invoice) -> PushResult:
            if invoice.remote_id:
                self.allow("push_invoices", Capability.UPDATE_INVOICES)
                updated = self._call("PATCH", f"/v1/invoices/{invoice.remote_id}",
                                     payload=self._invoice_payload(invoice))
                return PushResult(updated["id"], str(updated["version"]))
            self.allow("push_invoices", Capability.PUSH_INVOICES if invoice.ledger == "sales" else Capability.PUSH_BILLS)
            if not invoice.contact.remote_id:
                return PushResult(error=ElementError("permanent", f"contact {invoice.contact.name!r} is not in "
                                                                  "Inkwell Books yet"))
            found = self._read("/v1/invoices", {"kind": KIND[invoice.ledger], "number": invoice.number})["items"]
            if found:  # created before (perhaps by a request whose answer was lost)
                return PushResult(found[0]["id"], str(found[0]["version"]))
            try:
                created = self._call("POST", "/v1/invoices", payload=self._invoice_payload(invoice),
                                     key=invoice.idempotency_key)
            except Rejected as exc:
                if exc.code == "duplicate_number" and exc.body.get("existing_id"):  # created meanwhile
                    return PushResult(str(exc.body["existing_id"]))
                raise
            return PushResult(created["id"], str(created["version"]))

        return self._each(invoices, one)

    def void_invoices(self, invoices: Sequence[Invoice]) -> list[PushResult]:
        self.allow("void_invoices")

        def one(invoice: Invoice) -> PushResult:
            voided = self._call("POST", f"/v1/invoices/{invoice.remote_id}/void",
                                payload=self.context.outgoing(invoice, {}),
                                key=f"void-{invoice.idempotency_key}" if invoice.idempotency_key else None)
            return PushResult(voided["id"], str(voided["version"]))

        return self._each(invoices, one)

    def push_payments(self, payments: Sequence[Payment]) -> list[PushResult]:
        self.allow("push_payments")

        def one(payment: Payment) -> PushResult:
            if payment.discount:
                return PushResult(error=ElementError("permanent", "Inkwell Books does not record payment discounts"))
            if not payment.invoice.remote_id:
                return PushResult(error=ElementError("permanent", f"invoice {payment.invoice.number} is not in "
                                                                  "Inkwell Books yet"))
            if payment.remote_id:  # Inkwell cannot edit a payment: keep it if unchanged, else replace it
                try:
                    current = self._call("GET", f"/v1/payments/{payment.remote_id}")
                except Rejected:
                    current = None
                if current and current["status"] == "active":
                    if (_d(current["amount"]), current["date"], current["account"]) == \
                            (payment.amount, payment.date.isoformat(), payment.account_code):
                        return PushResult(payment.remote_id)
                    self._call("DELETE", f"/v1/payments/{payment.remote_id}")
            elif payment.host_id:
                found = self._read("/v1/payments", {"invoice_id": payment.invoice.remote_id,
                                                    "external_ref": payment.host_id})["items"]
                if found:
                    return PushResult(found[0]["id"])
            payload = {"invoice_id": payment.invoice.remote_id, "date": payment.date.isoformat(),
                       "amount": _s(payment.amount), "account": payment.account_code,
                       "reference": payment.reference, "external_ref": payment.host_id}
            created = self._call("POST", "/v1/payments", payload=self.context.outgoing(payment, payload),
                                 key=payment.idempotency_key)
            return PushResult(created["id"])

        return self._each(payments, one)

    def remove_payments(self, payments: Sequence[Payment]) -> list[PushResult]:
        self.allow("remove_payments")

        def one(payment: Payment) -> PushResult:
            try:
                self._call("DELETE", f"/v1/payments/{payment.remote_id}")
            except Rejected as exc:
                if exc.status != 404:  # already gone is what we wanted
                    raise
            return PushResult(payment.remote_id)

        return self._each(payments, one)

    # -- fetch --------------------------------------------------------------------------------------
    def fetch_invoices(self, period: Period | None, ledger: str | None = None, *,
                       modified_since: datetime | None = None) -> Iterator[Invoice]:
        self.allow("fetch_invoices")
        params: dict[str, str] = {}
        if period is not None:
            params.update({"from": period.start.isoformat(), "to": period.end.isoformat()})
        if ledger is not None:
            params["kind"] = KIND[ledger]
        if modified_since is not None:
            params["updated_since"] = modified_since.isoformat()
        return (self._invoice(item) for item in self._paged("/v1/invoices", params))

    def fetch_payments(self, period: Period | None, *, modified_since: datetime | None = None) -> Iterator[Payment]:
        self.allow("fetch_payments")
        params: dict[str, str] = {}
        if period is not None:
            params.update({"from": period.start.isoformat(), "to": period.end.isoformat()})
        if modified_since is not None:
            params.update({"updated_since": modified_since.isoformat(), "status": "all"})
        return (self._payment(item) for item in self._paged("/v1/payments", params))

    def fetch_contacts(self, *, modified_since: datetime | None = None) -> Iterator[Contact]:
        self.allow("fetch_contacts")
        return (Contact(name=c["name"], number=c["number"], email=c["email"], is_customer=c["customer"],
                        is_supplier=c["supplier"], remote_id=c["id"])
                for c in self._paged("/v1/contacts", {})
                if modified_since is None or _aware(datetime.fromisoformat(c["updated_at"])) >= _aware(modified_since))

    def ledger_postings(self, period: Period, accounts: Iterable[str]) -> Iterator[Posting]:
        self.allow("ledger_postings")
        accounts = list(accounts)

        def postings() -> Iterator[Posting]:
            for account in accounts:
                for p in self._paged("/v1/ledger", {"account": account, "to": period.end.isoformat()}):
                    yield Posting(date.fromisoformat(p["date"]), p["account"], _d(p["amount"]), p["source"], p["id"])

        return postings()

    def organisation(self) -> OrganisationFacts:
        self.allow("organisation")
        company = self._read("/v1/company")
        month, day = company["financial_year_end"].split("-")
        return OrganisationFacts(
            name=company["name"], base_currency=company["base_currency"],
            lock_date=date.fromisoformat(company["lock_date"]) if company["lock_date"] else None,
            financial_year_end=(int(month), int(day)))

    def probe(self) -> None:
        self._read("/v1/company")

    # -- fix ----------------------------------------------------------------------------------------
    def fix_invoice(self, local: Invoice, remote: Invoice) -> FixOutcome:
        self.allow("fix_invoice")
        try:
            fixed = self._call("PATCH", f"/v1/invoices/{remote.remote_id}", payload=self._invoice_payload(
                local if local.contact.remote_id else _with_contact(local, remote.contact)))
        except Rejected as exc:
            reason = {423: Refusal.LOCKED_PERIOD, 409: Refusal.NOT_EDITABLE}.get(exc.status, Refusal.PACKAGE_ERROR)
            return FixOutcome.refused(reason, exc.message)
        return FixOutcome.done(f"{remote.number} updated to match ledgerbridge", str(fixed["version"]))

    # -- wire → documents ---------------------------------------------------------------------------
    @staticmethod
    def _invoice(item: dict) -> Invoice:
        lines = tuple(Line(description=l["description"], quantity=_d(l["quantity"]), unit_price=_d(l["unit_price"]),
                           line_amount=_d(l["amount"]), account_code=l["account"], tax_amount=_d(l["tax"]),
                           tax_code=l["tax_code"], item_code=l["item"]) for l in item["lines"])
        return Invoice(
            number=item["number"], ledger=LEDGER[item["kind"]],  # type: ignore[arg-type]
            contact=Contact(name=item["contact"]["name"], remote_id=item["contact"]["id"]),
            issue_date=date.fromisoformat(item["issue_date"]), due_date=date.fromisoformat(item["due_date"]),
            accounting_date=date.fromisoformat(item["posting_date"]), currency=item["currency"],
            exchange_rate=_d(item["exchange_rate"]) if item["exchange_rate"] is not None else None,
            amounts_are=AMOUNTS_ARE[item["tax_mode"]], lines=lines,  # type: ignore[arg-type]
            subtotal=_d(item["subtotal"]), tax_total=_d(item["tax"]), total=_d(item["total"]),
            status=STATUS[item["status"]], reference=item["reference"], host_id=item["external_ref"],
            remote_id=item["id"], remote_version=str(item["version"]), amount_due=_d(item["amount_due"]),
            updated_at=datetime.fromisoformat(item["updated_at"]))

    @staticmethod
    def _payment(item: dict) -> Payment:
        invoice = item["invoice"]
        return Payment(
            invoice=InvoiceRef(number=invoice["number"], ledger=LEDGER[invoice["kind"]],  # type: ignore[arg-type]
                               remote_id=invoice["id"], contact_name=invoice["contact_name"]),
            date=date.fromisoformat(item["date"]), amount=_d(item["amount"]), currency=item["currency"],
            account_code=item["account"], reference=item["reference"],
            status="active" if item["status"] == "active" else "removed", host_id=item["external_ref"],
            remote_id=item["id"], origin="local" if item["external_ref"] else "package",
            updated_at=datetime.fromisoformat(item["updated_at"]))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _with_contact(invoice: Invoice, contact: Contact) -> Invoice:
    return replace(invoice, contact=replace(invoice.contact, remote_id=contact.remote_id))
