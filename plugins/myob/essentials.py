"""The legacy MYOB Essentials connector (``x-myobapi-version: v0``): push invoices and payments only.

The legacy API is frozen: camelCase JSON, numeric uids, page-number paging (``_links`` rel
``next``), no RowVersion and no journals or lock-period preferences, so this edition advertises
push only and everything else is refused (:meth:`BaseConnector.allow`). A business upgraded to
the new Essentials answers 418 — the client says to move the tenant to the ``accountright``
edition — and 423 while the upgrade runs (transient). Tax is computed by MYOB as on the Business
API, so invoices go through the same rounding check (:func:`plugins.myob.mapping.invoice_payload`).
Lookups before creating: cards by name, invoices by number on their issue date, payments by
invoice, date, amount and account.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Iterator, Sequence

from core.accounting import (
    BaseConnector, Capability, Contact, ElementError, Invoice, OrganisationFacts, Payment, PushResult, TenantContext,
    one_by_one,
)
from core.http import loads
from plugins.myob import mapping as wire
from plugins.myob.client import EssentialsClient, describe


def _day(value: date) -> str:
    return value.isoformat()


class EssentialsConnector(BaseConnector):
    package = "myob"

    def __init__(self, context: TenantContext, client: EssentialsClient):
        super().__init__(context)
        self.client = client
        self._chart: wire.Chart | None = None
        self._contacts: dict[str, str] | None = None  # casefolded name → uid

    def close(self) -> None:
        self.client.close()

    def _pages(self, path: str, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        data = self.client.get_json(path, params={**(params or {}), "page": 1, "size": 1000})
        seen = set()
        while True:
            yield from data.get("items") or []
            link = next((l.get("href") for l in data.get("_links") or [] if l.get("rel") == "next"), None)
            if not link or link in seen:
                return
            seen.add(link)
            data = self.client.get_json(link)

    @property
    def chart(self) -> wire.Chart:
        if self._chart is None:
            chart = wire.Chart()
            chart.accounts = {a["displayId"]: {"UID": a["uid"], "IsHeader": False}
                              for a in self._pages("generalledger/accounts")}
            chart.tax_codes = {t["code"]: {"UID": t["uid"], "Rate": t.get("rate")}
                               for t in self._pages(f"{self.client.api_url}/tax/types")}
            self._chart = chart
        return self._chart

    # -- contacts -----------------------------------------------------------------------------------
    def push_contacts(self, contacts: Sequence[Contact]) -> list[PushResult]:
        self.allow("push_contacts")
        if self._contacts is None:
            self._contacts = {c.get("name", "").casefold(): c["uid"] for c in self._pages("contacts")}
        results = []
        for contact in contacts:
            uid = contact.remote_id or self._contacts.get(contact.name.casefold())
            if uid:
                results.append(PushResult(uid))
                continue
            kind = "Supplier" if contact.is_supplier and not contact.is_customer else "Customer"
            payload: dict[str, Any] = {"name": contact.name, "types": [kind], "individual": False, "active": True}
            if contact.email:
                payload["email"] = contact.email
            response = self.client.request("POST", "contacts", body=self.context.outgoing(contact, payload))
            if response.status_code >= 300:
                results.append(PushResult(error=ElementError("permanent", describe(response))))
                continue
            uid = _uid(response)
            self._contacts[contact.name.casefold()] = uid
            results.append(PushResult(uid))
        return results

    # -- invoices -----------------------------------------------------------------------------------
    def push_invoices(self, invoices: Sequence[Invoice]) -> list[PushResult]:
        self.allow("push_invoices")
        for invoice in invoices:
            self.allow("push_invoices", wire_capability(invoice))
        return one_by_one(invoices, self._push_invoice, permanent=(wire.MappingError,))

    def _push_invoice(self, invoice: Invoice) -> PushResult:
        if invoice.previous_attempts:
            for data in self._pages("sale/invoices", {"fromDate": _day(invoice.issue_date),
                                                      "toDate": _day(invoice.issue_date)}):
                if data.get("invoiceNumber") == invoice.number:
                    return PushResult(data["uid"])  # an earlier send got there (no updates on this edition)
        body = wire.invoice_payload(invoice, self.chart, invoice.contact.remote_id or "", "Service")
        payload = {
            "invoiceNumber": invoice.number, "contact": {"uid": invoice.contact.remote_id},
            "issueDate": _day(invoice.issue_date), "dueDate": _day(invoice.due_date),
            "gstInclusive": body["IsTaxInclusive"],
            "lines": [{"description": line.get("Description"), "account": {"uid": line["Account"]["UID"]},
                       "taxType": {"uid": line["TaxCode"]["UID"]}, "total": line["Total"],
                       **({"quantity": line["UnitCount"], "unitPrice": line["UnitPrice"]} if "UnitCount" in line else {})}
                      for line in body["Lines"]],
        }
        if invoice.reference:
            payload["purchaseOrderNumber"] = invoice.reference
        response = self.client.request("POST", "sale/invoices", body=self.context.outgoing(invoice, payload))
        if response.status_code >= 300:
            return PushResult(error=ElementError("permanent", describe(response)))
        return PushResult(_uid(response))

    # -- payments -----------------------------------------------------------------------------------
    def push_payments(self, payments: Sequence[Payment]) -> list[PushResult]:
        self.allow("push_payments")
        balances: dict[str, Any] = {}
        return one_by_one(payments, lambda payment: self._push_payment(payment, balances),
                          permanent=(wire.MappingError,))

    def _push_payment(self, payment: Payment, balances: dict[str, Any]) -> PushResult:
        if payment.remote_id:  # payments cannot be edited: delete, then create anew
            (removed,) = self.remove_payments([payment])
            if not removed.ok:
                return removed
        uid = payment.invoice.remote_id or ""
        response = self.client.request("GET", f"sale/invoices/{uid}")
        if response.status_code == 404:
            return PushResult(error=ElementError("permanent", f"{payment.invoice.number} is not in MYOB (deleted there?)"))
        if response.status_code >= 300:
            return PushResult(error=ElementError("permanent", describe(response)))
        invoice = wire_loads(response)
        account = self.chart.account(payment.account_code)
        if payment.previous_attempts:
            for data in self._pages("sale/payments", {"fromDate": _day(payment.date), "toDate": _day(payment.date)}):
                lines = data.get("lines") or [{}]
                if ((lines[0].get("invoice") or {}).get("uid") == uid and wire.money(data.get("total")) == payment.amount
                        and (data.get("account") or {}).get("uid") == account["UID"]):
                    return PushResult(data["uid"])
        balance = balances.setdefault(uid, wire.money(invoice.get("amountDue")))
        if payment.amount <= 0 or payment.amount > balance:
            raise wire.MappingError(f"payment of {payment.amount} on {payment.invoice.number} must be positive and at "
                                    f"most its balance due in MYOB ({balance})")
        payload: dict[str, Any] = {"contact": {"uid": (invoice.get("contact") or {}).get("uid")},
                                   "date": _day(payment.date), "account": {"uid": account["UID"]},
                                   "total": payment.amount, "lines": [{"invoice": {"uid": uid}, "amount": payment.amount}]}
        if payment.reference:
            payload["notes"] = payment.reference
        response = self.client.request("POST", "sale/payments", body=self.context.outgoing(payment, payload))
        if response.status_code >= 300:
            return PushResult(error=ElementError("permanent", describe(response)))
        balances[uid] = balance - payment.amount
        return PushResult(_uid(response))

    def remove_payments(self, payments: Sequence[Payment]) -> list[PushResult]:
        self.allow("remove_payments")
        results = []
        for payment in payments:
            response = self.client.request("DELETE", f"sale/payments/{payment.remote_id}")
            if response.status_code in (200, 204, 404):
                results.append(PushResult(payment.remote_id))
            else:
                results.append(PushResult(error=ElementError("permanent", describe(response))))
        return results

    def organisation(self) -> OrganisationFacts:
        data = self.client.get_json("")
        return OrganisationFacts(name=data.get("name") or "", base_currency=self.context.base_currency)

    def probe(self) -> None:
        self.client.get_json("")


def wire_capability(invoice: Invoice) -> Capability:
    if invoice.remote_id:
        return Capability.UPDATE_INVOICES
    return Capability.PUSH_INVOICES if invoice.ledger == "sales" else Capability.PUSH_BILLS


def wire_loads(response) -> dict[str, Any]:
    return loads(response.content)


def _uid(response) -> str | None:
    body = wire_loads(response) if response.content else {}
    if isinstance(body, dict) and body.get("uid"):
        return str(body["uid"])
    return response.headers.get("Location", "").rstrip("/").rsplit("/", 1)[-1] or None
