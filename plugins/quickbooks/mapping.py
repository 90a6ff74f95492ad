"""Documents ↔ QuickBooks Online JSON (exact Decimal money, string Ids, ``YYYY-MM-DD`` dates).

To QBO: invoices carry ``SalesItemLineDetail`` lines (an Item is required; its income account is
the posting account), bills ``AccountBasedExpenseLineDetail`` lines; tax codes and accounts are
sent as the company's Ids. ``GlobalTaxCalculation`` (non-US companies) follows ``amounts_are``
and ``TxnTaxDetail.TotalTax`` is always the local tax total: QBO then derives ``TotalAmt`` =
Σ net + TotalTax (exclusive) or Σ gross (inclusive), i.e. exactly the local total, so
reconciliation never reports a cent QuickBooks made up. Foreign currency always carries
``CurrencyRef`` and ``ExchangeRate`` (QBO would store 1 otherwise). The local ``reference`` is
the document's ``PrivateNote`` (QBO prefixes "Voided" when voiding; stripped on the way back).

From QBO: Balance → ``amount_due``; status ``deleted`` (CDC tombstones), ``voided`` (zeroed with
the "Voided" note), ``paid`` (Balance 0), else ``authorised`` (QBO has no drafts).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable

from core.accounting import Contact, Invoice, InvoiceRef, Line, Payment

ZERO = Decimal(0)
CENT = Decimal("0.01")
GLOBAL_TAX = {"exclusive": "TaxExcluded", "inclusive": "TaxInclusive", "no_tax": "NotApplicable"}
AMOUNTS_ARE = {value: key for key, value in GLOBAL_TAX.items()}
ENTITY = {"sales": "Invoice", "purchase": "Bill"}
PARTY = {"Invoice": ("CustomerRef", "Customer"), "Bill": ("VendorRef", "Vendor"),
         "Payment": ("CustomerRef", "Customer"), "BillPayment": ("VendorRef", "Vendor")}
DOC_NUMBER_MAX = 21
NAME_MAX = 500
VOIDED = "Voided"


class Unmapped(LookupError):
    """A code the QuickBooks company does not know (account, tax code, item)."""


# --- the company's lists ------------------------------------------------------------------------------

@dataclass
class Chart:
    """What mapping needs from the company: home currency, country, accounts, tax codes, items."""

    home_currency: str
    country: str
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)  # Id → Account
    tax_codes: dict[str, dict[str, Any]] = field(default_factory=dict)  # Id → TaxCode
    items: dict[str, dict[str, Any]] = field(default_factory=dict)      # Id → Item

    @property
    def us(self) -> bool:
        return self.country.upper() in ("US", "USA")

    def account_id(self, code: str) -> str:
        """An account by AcctNum, then Name, then Id."""
        wanted = code.strip().casefold()
        for key in ("AcctNum", "Name", "Id"):
            for ident, account in self.accounts.items():
                if str(account.get(key) or "").casefold() == wanted:
                    return ident
        raise Unmapped(f"account code {code!r} is not in the QuickBooks chart of accounts (by number or name)")

    def account_code(self, ident: str | None) -> str:
        account = self.accounts.get(str(ident)) if ident else None
        return str(account.get("AcctNum") or account.get("Name") or ident) if account else str(ident or "")

    def tax_code_id(self, code: str) -> str:
        """A tax code by Id, then Name."""
        wanted = code.strip().casefold()
        for key in ("Id", "Name"):
            for ident, tax in self.tax_codes.items():
                if str(tax.get(key) or "").casefold() == wanted:
                    return ident
        raise Unmapped(f"tax code {code!r} is not a QuickBooks tax code (by id or name)")

    def item_for(self, line: Line) -> str | None:
        """The Item for a sales line: its item code (Name or Sku), else one selling into its account."""
        if line.item_code:
            wanted = line.item_code.casefold()
            for ident, item in self.items.items():
                if wanted in (str(item.get("Name") or "").casefold(), str(item.get("Sku") or "").casefold()):
                    return ident
        account = self.account_id(line.account_code)
        for ident, item in sorted(self.items.items(), key=lambda kv: _id_order(kv[0])):
            if (item.get("IncomeAccountRef") or {}).get("value") == account and not line.item_code:
                return ident
        return None

    def new_item(self, line: Line) -> dict[str, Any]:
        """The Item to create when a sales line has none (named after its code or account)."""
        account = self.account_id(line.account_code)
        name = clean_name(line.item_code or f"{self.accounts[account].get('Name', 'Sales')} (ledgerbridge)")[:100]
        return {"Name": name, "Type": "Service", "IncomeAccountRef": {"value": account}}


def _id_order(ident: str) -> tuple[int, str]:
    return (int(ident), "") if ident.isdigit() else (1 << 62, ident)


# --- helpers -------------------------------------------------------------------------------------------

def money(value: Any) -> Decimal:
    """A JSON amount as Decimal (Decimal/int/str; never float)."""
    if value is None or value == "":
        return ZERO
    if isinstance(value, float):
        raise TypeError("amounts must not pass through float")
    return value if isinstance(value, Decimal) else Decimal(str(value))


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def clean_name(name: str) -> str:
    """A DisplayName QBO accepts: no ':' (its sub-customer separator), tab or newline."""
    text = name.replace(":", " -").replace("\t", " ").replace("\r", " ").replace("\n", " ")
    return " ".join(text.split())[:NAME_MAX]


def quote(value: str) -> str:
    """A string literal for the query language."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def parse_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def when(moment: datetime) -> str:
    """A date-time for ``changedSince`` and ``MetaData.LastUpdatedTime`` (with an offset)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.isoformat(timespec="seconds")


def local_rate(qbo: Any) -> Decimal | None:
    """Our exchange rate (foreign units per base unit) from QBO's (home units per foreign unit)."""
    rate = money(qbo) if qbo is not None else ZERO
    return (Decimal(1) / rate).quantize(Decimal("1e-10"), rounding=ROUND_HALF_UP) if rate else None


def strip_voided(note: str | None) -> str | None:
    if not note:
        return None
    if note.startswith(VOIDED + " - "):
        return note[len(VOIDED) + 3:] or None
    return None if note == VOIDED else note


# --- to QBO --------------------------------------------------------------------------------------------

def contact_payload(contact: Contact) -> dict[str, Any]:
    payload: dict[str, Any] = {"DisplayName": clean_name(contact.name)}
    if contact.email:
        payload["PrimaryEmailAddr"] = {"Address": contact.email}
    return payload


def _line(invoice: Invoice, line: Line, chart: Chart, item: Callable[[Line], str]) -> dict[str, Any]:
    mode = invoice.amounts_are
    net = line.line_amount - line.tax_amount if mode == "inclusive" else line.line_amount
    detail: dict[str, Any] = {}
    if invoice.ledger == "sales":
        detail["ItemRef"] = {"value": item(line)}
        if line.quantity and cents(line.quantity * line.unit_price) == line.line_amount:
            detail.update(Qty=line.quantity, UnitPrice=line.unit_price)
    else:
        detail["AccountRef"] = {"value": chart.account_id(line.account_code)}
    if chart.us:
        detail["TaxCodeRef"] = {"value": "TAX" if line.tax_amount else "NON"}
    elif mode != "no_tax" and line.tax_code:
        detail["TaxCodeRef"] = {"value": chart.tax_code_id(line.tax_code)}
    if mode == "inclusive":
        detail["TaxInclusiveAmt"] = line.line_amount
    kind = "SalesItemLineDetail" if invoice.ledger == "sales" else "AccountBasedExpenseLineDetail"
    payload: dict[str, Any] = {"Amount": net, "DetailType": kind, kind: detail}
    if line.description:
        payload["Description"] = line.description[:4000]
    return payload


def invoice_payload(invoice: Invoice, chart: Chart, item: Callable[[Line], str],
                    exchange_rate: Decimal | None) -> dict[str, Any]:
    """A create body (add Id/SyncToken/sparse for an update). Raises :class:`Unmapped`."""
    entity = ENTITY[invoice.ledger]
    party_key = PARTY[entity][0]
    if len(invoice.number) > DOC_NUMBER_MAX:
        raise Unmapped(f"QuickBooks document numbers are at most {DOC_NUMBER_MAX} characters "
                       f"({invoice.number!r} has {len(invoice.number)})")
    payload: dict[str, Any] = {
        "DocNumber": invoice.number,
        "TxnDate": invoice.issue_date.isoformat(),
        "DueDate": invoice.due_date.isoformat(),
        party_key: {"value": invoice.contact.remote_id},
        "CurrencyRef": {"value": invoice.currency},
        "Line": [_line(invoice, line, chart, item) for line in invoice.lines],
        "TxnTaxDetail": {"TotalTax": invoice.tax_total},
        "PrivateNote": invoice.reference or "",
    }
    if not chart.us:
        payload["GlobalTaxCalculation"] = GLOBAL_TAX[invoice.amounts_are]
    else:
        codes = [line.tax_code for line in invoice.lines if line.tax_code and line.tax_amount]
        if codes:
            payload["TxnTaxDetail"]["TxnTaxCodeRef"] = {"value": chart.tax_code_id(codes[0])}
    if invoice.currency != chart.home_currency and exchange_rate is not None:
        payload["ExchangeRate"] = exchange_rate
    return payload


def payment_payload(payment: Payment, remote: dict[str, Any], entity: str, chart: Chart,
                    exchange_rate: Decimal | None, account: dict[str, Any]) -> dict[str, Any]:
    """A Payment (to an Invoice) or BillPayment (to a Bill) applying ``payment.amount`` to *remote*."""
    party_key = PARTY[entity][0]
    target = "Invoice" if entity == "Payment" else "Bill"
    payload: dict[str, Any] = {
        party_key: {"value": (remote.get(party_key) or {}).get("value")},
        "TotalAmt": payment.amount,
        "TxnDate": payment.date.isoformat(),
        "CurrencyRef": {"value": (remote.get("CurrencyRef") or {}).get("value") or payment.currency},
        "Line": [{"Amount": payment.amount, "LinkedTxn": [{"TxnId": remote["Id"], "TxnType": target}]}],
    }
    if entity == "Payment":
        payload["DepositToAccountRef"] = {"value": account["Id"]}
        if payment.reference:
            payload["PaymentRefNum"] = payment.reference[:DOC_NUMBER_MAX]
    else:
        if account.get("AccountType") == "Credit Card":
            payload.update(PayType="CreditCard", CreditCardPayment={"CCAccountRef": {"value": account["Id"]}})
        else:
            payload.update(PayType="Check", CheckPayment={"BankAccountRef": {"value": account["Id"]}})
        if payment.reference:
            payload["PrivateNote"] = payment.reference
    if payload["CurrencyRef"]["value"] != chart.home_currency and exchange_rate is not None:
        payload["ExchangeRate"] = exchange_rate
    return payload


# --- from QBO ------------------------------------------------------------------------------------------

def contact_from(data: dict[str, Any], kind: str) -> Contact:
    email = (data.get("PrimaryEmailAddr") or {}).get("Address")
    return Contact(name=data.get("DisplayName") or "", email=email, is_customer=kind == "Customer",
                   is_supplier=kind == "Vendor", remote_id=data.get("Id"))


def is_voided(data: dict[str, Any]) -> bool:
    if str(data.get("status") or "").lower() == "voided":
        return True
    note = data.get("PrivateNote") or ""
    return money(data.get("TotalAmt")) == 0 and (note == VOIDED or note.startswith(VOIDED + " - "))


def _lines_from(data: dict[str, Any], entity: str, chart: Chart, inclusive: bool) -> list[Line]:
    lines = []
    for raw in data.get("Line") or []:
        kind = raw.get("DetailType")
        if kind not in ("SalesItemLineDetail", "AccountBasedExpenseLineDetail", "ItemBasedExpenseLineDetail"):
            continue  # SubTotal, description-only and the like carry no amount of their own
        detail = raw.get(kind) or {}
        net = money(raw.get("Amount"))
        gross = money(detail["TaxInclusiveAmt"]) if inclusive and detail.get("TaxInclusiveAmt") is not None else net
        amount = gross if inclusive else net
        if kind == "SalesItemLineDetail":
            account = (detail.get("ItemAccountRef") or {}).get("value")
            if account is None:
                item = chart.items.get(str((detail.get("ItemRef") or {}).get("value")))
                account = ((item or {}).get("IncomeAccountRef") or {}).get("value")
        else:
            account = (detail.get("AccountRef") or {}).get("value")
        quantity = money(detail["Qty"]) if detail.get("Qty") is not None else Decimal(1)
        price = money(detail["UnitPrice"]) if detail.get("UnitPrice") is not None else amount
        item_name = (detail.get("ItemRef") or {}).get("name")
        tax = (detail.get("TaxCodeRef") or {}).get("value")
        lines.append(Line(description=raw.get("Description") or "", quantity=quantity, unit_price=price,
                          line_amount=amount, account_code=chart.account_code(account),
                          tax_amount=gross - net, tax_code=tax, item_code=item_name))
    return lines


def invoice_from(data: dict[str, Any], entity: str, chart: Chart) -> Invoice:
    party_key = PARTY[entity][0]
    party = data.get(party_key) or {}
    ledger = "sales" if entity == "Invoice" else "purchase"
    if str(data.get("status") or "").lower() == "deleted":
        return deleted_invoice(data, ledger)
    mode = data.get("GlobalTaxCalculation")
    amounts_are = AMOUNTS_ARE.get(mode or "", "exclusive")
    lines = _lines_from(data, entity, chart, amounts_are == "inclusive")
    issued = parse_date(data.get("TxnDate")) or date.min
    total, balance = money(data.get("TotalAmt")), money(data.get("Balance"))
    if is_voided(data):
        status = "voided"
    elif balance == 0 and total > 0:
        status = "paid"
    else:
        status = "authorised"
    currency = (data.get("CurrencyRef") or {}).get("value") or chart.home_currency
    rate = data.get("ExchangeRate")
    updated = parse_time((data.get("MetaData") or {}).get("LastUpdatedTime"))
    return Invoice(
        number=data.get("DocNumber") or "", ledger=ledger,  # type: ignore[arg-type]
        contact=Contact(name=party.get("name") or "", remote_id=party.get("value"),
                        is_customer=ledger == "sales", is_supplier=ledger == "purchase"),
        issue_date=issued, due_date=parse_date(data.get("DueDate")) or issued, accounting_date=issued,
        currency=currency, exchange_rate=local_rate(rate) if currency != chart.home_currency else None,
        amounts_are=amounts_are, lines=tuple(lines),  # type: ignore[arg-type]
        subtotal=sum((line.line_amount for line in lines), ZERO),
        tax_total=money((data.get("TxnTaxDetail") or {}).get("TotalTax")), total=total, status=status,
        reference=strip_voided(data.get("PrivateNote")), remote_id=data.get("Id"),
        remote_version=data.get("SyncToken"), amount_due=balance, updated_at=updated)


def deleted_invoice(data: dict[str, Any], ledger: str) -> Invoice:
    """What a CDC tombstone says: this document is gone."""
    return Invoice(number="", ledger=ledger, contact=Contact(name=""), issue_date=date.min,  # type: ignore[arg-type]
                   due_date=date.min, accounting_date=date.min, currency="", exchange_rate=None,
                   amounts_are="exclusive", lines=(), subtotal=ZERO, tax_total=ZERO, total=ZERO, status="deleted",
                   remote_id=data.get("Id"), amount_due=ZERO,
                   updated_at=parse_time((data.get("MetaData") or {}).get("LastUpdatedTime")))


def payments_from(data: dict[str, Any], entity: str, chart: Chart,
                  numbers: dict[str, str]) -> list[Payment]:
    """One Payment per applied line (QBO may settle several documents with one payment); an
    unapplied payment as one Payment without a document."""
    party_key = PARTY[entity][0]
    party = data.get(party_key) or {}
    ledger = "sales" if entity == "Payment" else "purchase"
    currency = (data.get("CurrencyRef") or {}).get("value") or chart.home_currency
    rate = data.get("ExchangeRate")
    if entity == "Payment":
        account = (data.get("DepositToAccountRef") or {}).get("value")
        reference = data.get("PaymentRefNum")
    else:
        account = ((data.get("CheckPayment") or {}).get("BankAccountRef")
                   or (data.get("CreditCardPayment") or {}).get("CCAccountRef") or {}).get("value")
        reference = strip_voided(data.get("PrivateNote"))
    removed = str(data.get("status") or "").lower() == "deleted" or is_voided(data)
    day = parse_date(data.get("TxnDate")) or date.min
    updated = parse_time((data.get("MetaData") or {}).get("LastUpdatedTime"))
    applied = [(str(line["LinkedTxn"][0].get("TxnId")), money(line.get("Amount")))
               for line in data.get("Line") or [] if line.get("LinkedTxn")]
    if not applied:
        applied = [("", money(data.get("TotalAmt")))]

    def one(target: str, amount: Decimal) -> Payment:
        return Payment(
            invoice=InvoiceRef(number=numbers.get(target, ""), ledger=ledger,  # type: ignore[arg-type]
                               remote_id=target or None, contact_name=party.get("name")),
            date=day, amount=amount, currency=currency, account_code=chart.account_code(account),
            reference=reference or None,
            exchange_rate=local_rate(rate) if currency != chart.home_currency else None,
            status="removed" if removed else "active", remote_id=data.get("Id"),
            remote_version=data.get("SyncToken"), origin="package", updated_at=updated)

    return [one(target, amount) for target, amount in applied]
