"""Documents ↔ MYOB's JSON (Business API: PascalCase, GUID ``UID`` links; exact Decimal money).

**Tax.** MYOB invoice lines carry no tax amount: MYOB computes each line's tax unrounded from its
``Total`` and ``TaxCode``, sums them and rounds once per document (half away from zero). A host
app that rounds per line can be a cent away. Before sending, :func:`invoice_payload` computes what
MYOB will compute; when the tax differs from the document's by a rounding amount (at most a
cent a line), it adds a pair of lines described :data:`ROUNDING` on the first taxed line's
account — ``+x`` with that line's tax code and ``−x`` GST-free — chosen so MYOB's ``TotalTax``,
``Subtotal`` and ``TotalAmount`` all equal the local ones (the pair nets to zero on the account).
:func:`invoice_from` drops that pair again, so reconciliation compares the lines that were sent.
A larger difference (wrong tax code, hand-typed tax) is refused with both figures, never pushed
with a different total.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from core.accounting import Contact, Invoice, InvoiceRef, Line, Payment, Posting

ZERO, CENT, HUNDRED = Decimal("0"), Decimal("0.01"), Decimal("100")
ROUNDING = "Tax rounding (ledgerbridge)"
NUMBER_MAX = 13
CARD_ID_MAX = 15
PO_MAX = 20
ROUTES = {"sales": "Sale/Invoice", "purchase": "Purchase/Bill"}
PAYMENT_ROUTES = {"sales": "Sale/CustomerPayment", "purchase": "Purchase/SupplierPayment"}
PARTIES = {"sales": "Customer", "purchase": "Supplier"}
ZERO_RATED = ("FRE", "N-T", "EXP")


class MappingError(Exception):
    """A document MYOB cannot take as it is (the text says why, for the user)."""


@dataclass
class Chart:
    """The company file's accounts, tax codes and items (looked up once per connector)."""

    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)  # DisplayID → account
    tax_codes: dict[str, dict[str, Any]] = field(default_factory=dict)  # Code → tax code
    items: dict[str, dict[str, Any]] = field(default_factory=dict)  # Number → item

    def account(self, code: str) -> dict[str, Any]:
        found = self.accounts.get(code)
        if found is None:
            raise MappingError(f"account {code!r} is not in MYOB's chart of accounts (use its DisplayID, e.g. 4-1000)")
        if found.get("IsHeader"):
            raise MappingError(f"account {code!r} is a header account in MYOB; post to a detail account")
        return found

    def tax_code(self, code: str) -> dict[str, Any]:
        found = self.tax_codes.get(code)
        if found is None:
            raise MappingError(f"tax code {code!r} is not one of MYOB's tax codes ({', '.join(sorted(self.tax_codes))})")
        return found

    def rate(self, code: str | None) -> Decimal:
        return money((self.tax_codes.get(code or "") or {}).get("Rate"))

    def zero_rated(self) -> dict[str, Any]:
        for code in ZERO_RATED:
            if code in self.tax_codes and not money(self.tax_codes[code].get("Rate")):
                return self.tax_codes[code]
        raise MappingError("MYOB has no GST-free tax code (FRE or N-T) for a rounding line")


# --- values -----------------------------------------------------------------------------------------

def money(value: Any) -> Decimal:
    """A JSON amount as Decimal (never through float)."""
    if value is None:
        return ZERO
    if isinstance(value, float):
        raise TypeError("amounts must not pass through float")
    return value if isinstance(value, Decimal) else Decimal(str(value))


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def day(value: date) -> str:
    return f"{value.isoformat()}T00:00:00"


def parse_datetime(value: Any) -> datetime | None:
    """MYOB's naive UTC timestamps as aware datetimes."""
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_date(value: Any) -> date | None:
    moment = parse_datetime(value)
    return moment.date() if moment else None


def quote(value: str) -> str:
    """An OData string literal."""
    return "'" + value.replace("'", "''") + "'"


def when(value: date | datetime) -> str:
    """An OData date-time literal (naive UTC for moments)."""
    if isinstance(value, datetime):
        moment = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
        return f"datetime'{moment.isoformat(timespec='seconds')}'"
    return f"datetime'{value.isoformat()}'"


def guid(value: str) -> str:
    return f"guid'{value}'"


# --- tax as MYOB computes it ------------------------------------------------------------------------

def line_tax(total: Decimal, rate: Decimal, inclusive: bool) -> Decimal:
    """One line's unrounded tax (rate in percent)."""
    if not rate:
        return ZERO
    return total * rate / (HUNDRED + rate) if inclusive else total * rate / HUNDRED


def document_tax(lines: list[tuple[Decimal, Decimal]], inclusive: bool) -> Decimal:
    """MYOB's TotalTax: the unrounded line taxes summed, rounded once."""
    return cents(sum((line_tax(total, rate, inclusive) for total, rate in lines), ZERO))


def rounding_amount(lines: list[tuple[Decimal, Decimal]], inclusive: bool, rate: Decimal,
                    wanted: Decimal) -> Decimal | None:
    """The smallest ``x`` (cents) whose line at *rate* makes MYOB's tax *wanted*."""
    unrounded = sum((line_tax(total, r, inclusive) for total, r in lines), ZERO)
    factor = rate / (HUNDRED + rate) if inclusive else rate / HUNDRED
    estimate = cents((wanted - unrounded) / factor)
    for step in sorted(range(-15, 16), key=abs):
        x = estimate + step * CENT
        if x and cents(unrounded + x * factor) == wanted:
            return x
    return None


# --- to MYOB ----------------------------------------------------------------------------------------

def card_id(contact: Contact) -> str | None:
    """The Card ID MYOB can find the contact by: its number, else our host id, when ≤ 15 characters."""
    candidate = contact.number or contact.host_id
    return candidate if candidate and len(candidate) <= CARD_ID_MAX else None


def contact_payload(contact: Contact, with_card_id: bool = True) -> dict[str, Any]:
    payload: dict[str, Any] = {"CompanyName": contact.name, "IsIndividual": False, "IsActive": True}
    if with_card_id and (display := card_id(contact)):
        payload["DisplayID"] = display
    if contact.email:
        payload["Addresses"] = [{"Location": 1, "Email": contact.email}]
    return payload


def layout_of(invoice: Invoice, chart: Chart) -> str:
    """``Item`` when every line names a known item, else ``Service`` (plain lines)."""
    if invoice.lines and all(line.item_code and line.item_code in chart.items for line in invoice.lines):
        return "Item"
    return "Service"


def _tax_code_of(line: Line, invoice: Invoice, chart: Chart, account: dict[str, Any]) -> dict[str, Any]:
    if line.tax_code:
        return chart.tax_code(line.tax_code)
    if invoice.amounts_are == "no_tax":
        return chart.zero_rated()
    default = (account.get("TaxCode") or {}).get("Code")
    if not default:
        raise MappingError(f"line {line.description!r} has no tax code and account {line.account_code} has no default")
    return chart.tax_code(default)


def invoice_payload(invoice: Invoice, chart: Chart, party_uid: str, layout: str) -> dict[str, Any]:
    """A POST body for one invoice or bill, with MYOB's totals made equal to the local ones."""
    if len(invoice.number) > NUMBER_MAX and invoice.ledger == "sales":
        raise MappingError(f"invoice number {invoice.number!r} is longer than MYOB's {NUMBER_MAX} characters")
    inclusive = invoice.amounts_are == "inclusive"
    lines: list[dict[str, Any]] = []
    taxed: list[tuple[Decimal, Decimal]] = []
    first_taxed: tuple[dict[str, Any], dict[str, Any]] | None = None
    for line in invoice.lines:
        account = chart.account(line.account_code)
        code = _tax_code_of(line, invoice, chart, account)
        rate = money(code.get("Rate"))
        body: dict[str, Any] = {"Type": "Transaction", "Description": line.description, "Total": line.line_amount,
                                "TaxCode": {"UID": code["UID"]}}
        if layout == "Item":
            body.update({"Item": {"UID": chart.items[line.item_code]["UID"]},  # type: ignore[index]
                         "ShipQuantity": line.quantity, "UnitPrice": line.unit_price})
        else:
            body.update({"Account": {"UID": account["UID"]}, "UnitCount": line.quantity, "UnitPrice": line.unit_price})
        lines.append(body)
        taxed.append((line.line_amount, rate))
        if rate and first_taxed is None:
            first_taxed = (account, code)
    myob_tax = document_tax(taxed, inclusive)
    if myob_tax != invoice.tax_total:
        difference = invoice.tax_total - myob_tax
        x = None
        if first_taxed is not None and abs(difference) <= CENT * len(invoice.lines) and layout == "Service":
            x = rounding_amount(taxed, inclusive, money(first_taxed[1].get("Rate")), invoice.tax_total)
        if x is None:
            raise MappingError(
                f"MYOB computes tax once per document from line totals and tax codes: it would record tax "
                f"{myob_tax} (total {_total(taxed, myob_tax, inclusive)}) for {invoice.number}, but the document "
                f"says tax {invoice.tax_total} (total {invoice.total}); check the lines' tax codes and amounts")
        account, code = first_taxed  # type: ignore[misc]
        zero = chart.zero_rated()
        lines += [{"Type": "Transaction", "Description": ROUNDING, "Total": x, "Account": {"UID": account["UID"]},
                   "TaxCode": {"UID": code["UID"]}},
                  {"Type": "Transaction", "Description": ROUNDING, "Total": -x, "Account": {"UID": account["UID"]},
                   "TaxCode": {"UID": zero["UID"]}}]
    expected = _total(taxed, invoice.tax_total, inclusive)
    if expected != invoice.total:
        raise MappingError(f"the lines of {invoice.number} add up to {expected} with tax {invoice.tax_total}, "
                           f"but its total is {invoice.total}")
    payload: dict[str, Any] = {
        "Date": day(invoice.issue_date), PARTIES[invoice.ledger]: {"UID": party_uid},
        "IsTaxInclusive": inclusive, "Lines": lines,
        "Terms": {"PaymentIsDue": "InAGivenNumberOfDays",
                  "BalanceDueDate": max((invoice.due_date - invoice.issue_date).days, 0),
                  "DueDate": day(invoice.due_date)},
    }
    if invoice.ledger == "sales":
        payload["Number"] = invoice.number
        if invoice.reference:
            payload["CustomerPurchaseOrderNumber"] = invoice.reference[:PO_MAX]
    else:  # MYOB numbers its bills; the supplier's number is SupplierInvoiceNumber, our id the memo
        payload["SupplierInvoiceNumber"] = invoice.number
        payload["JournalMemo"] = bill_memo(invoice)
    return payload


def bill_memo(invoice: Invoice) -> str:
    return f"Purchase; {invoice.contact.name}; ref {invoice.host_id or invoice.number}"[:255]


def _total(taxed: list[tuple[Decimal, Decimal]], tax: Decimal, inclusive: bool) -> Decimal:
    gross = sum((total for total, _ in taxed), ZERO)
    return gross if inclusive else gross + tax


def with_versions(payload: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """A PUT body: the document's current UID/RowVersion, and each kept line's RowID/RowVersion."""
    payload = {**payload, "UID": current["UID"], "RowVersion": current["RowVersion"]}
    existing = current.get("Lines") or []
    lines = []
    for index, line in enumerate(payload["Lines"]):
        if index < len(existing):
            line = {**line, "RowID": existing[index]["RowID"], "RowVersion": existing[index]["RowVersion"]}
        lines.append(line)
    payload["Lines"] = lines
    if "Number" not in payload and current.get("Number"):
        payload["Number"] = current["Number"]
    return payload


def payment_payload(payment: Payment, party_uid: str, account_uid: str) -> dict[str, Any]:
    applied = payment.amount
    if payment.invoice.ledger == "sales":
        body: dict[str, Any] = {"DepositTo": "Account", "Account": {"UID": account_uid},
                                "Customer": {"UID": party_uid}, "Date": day(payment.date), "AmountReceived": applied,
                                "Invoices": [{"UID": payment.invoice.remote_id, "AmountApplied": applied,
                                              "Type": "Invoice"}]}
    else:
        body = {"PayFrom": "Account", "Account": {"UID": account_uid}, "Supplier": {"UID": party_uid},
                "Date": day(payment.date), "AmountPaid": applied,
                "Lines": [{"Type": "Bill", "Purchase": {"UID": payment.invoice.remote_id}, "AmountApplied": applied}]}
    if payment.reference:
        body["Memo"] = payment.reference
    return body


# --- from MYOB --------------------------------------------------------------------------------------

STATUSES = {"Open": "authorised", "Closed": "paid", "Credit": "authorised", "Debit": "authorised"}


def contact_from(data: dict[str, Any], kind: str | None = None) -> Contact:
    kind = kind or data.get("Type")
    name = data.get("CompanyName") or " ".join(p for p in (data.get("FirstName"), data.get("LastName")) if p) \
        or data.get("Name") or ""
    email = next((a.get("Email") for a in data.get("Addresses") or [] if isinstance(a, dict) and a.get("Email")), None)
    display = data.get("DisplayID")
    return Contact(name=name, number=None if display in (None, "*None") else display, email=email,
                   is_customer=kind == "Customer", is_supplier=kind == "Supplier", remote_id=data.get("UID"))


def invoice_from(data: dict[str, Any], ledger: str, chart: Chart) -> Invoice:
    inclusive = bool(data.get("IsTaxInclusive"))
    layout = data.get("InvoiceType") or data.get("BillType") or "Service"
    lines = []
    for raw in data.get("Lines") or []:
        if raw.get("Type", "Transaction") != "Transaction" or raw.get("Description") == ROUNDING:
            continue
        total = money(raw.get("Total"))
        code = (raw.get("TaxCode") or {}).get("Code")
        quantity = raw.get("ShipQuantity") if layout == "Item" else raw.get("UnitCount")
        lines.append(Line(description=raw.get("Description") or "",
                          quantity=money(quantity) if quantity is not None else Decimal(1),
                          unit_price=money(raw.get("UnitPrice")) if raw.get("UnitPrice") is not None else total,
                          line_amount=total, account_code=(raw.get("Account") or {}).get("DisplayID") or "",
                          tax_amount=cents(line_tax(total, chart.rate(code), inclusive)), tax_code=code,
                          item_code=_item_number(raw.get("Item"), chart)))
    issued = parse_date(data.get("Date")) or date.min
    terms = data.get("Terms") or {}
    due = parse_date(terms.get("DueDate")) or (
        issued + timedelta(days=int(terms["BalanceDueDate"])) if terms.get("BalanceDueDate") is not None else issued)
    party = data.get(PARTIES[ledger]) or {}
    status = STATUSES.get(data.get("Status") or "", (data.get("Status") or "").lower())
    number = data.get("Number") if ledger == "sales" else (data.get("SupplierInvoiceNumber") or data.get("Number"))
    return Invoice(
        number=number or "", ledger=ledger,  # type: ignore[arg-type]
        contact=Contact(name=party.get("Name") or "", number=party.get("DisplayID"), remote_id=party.get("UID"),
                        is_customer=ledger == "sales", is_supplier=ledger == "purchase"),
        issue_date=issued, due_date=due, accounting_date=issued, currency="", exchange_rate=None,
        amounts_are="inclusive" if inclusive else "exclusive", lines=tuple(lines),
        subtotal=sum((line.line_amount for line in lines), ZERO), tax_total=money(data.get("TotalTax")),
        total=money(data.get("TotalAmount")), status=status,
        reference=(data.get("CustomerPurchaseOrderNumber") or None) if ledger == "sales" else None,
        remote_id=data.get("UID"), remote_version=data.get("RowVersion"),
        amount_due=money(data.get("BalanceDueAmount")), updated_at=parse_datetime(data.get("LastModified")))


def _item_number(link: dict[str, Any] | None, chart: Chart) -> str | None:
    if not link:
        return None
    return link.get("Number") or next((n for n, i in chart.items.items() if i.get("UID") == link.get("UID")), None)


def payment_from(data: dict[str, Any], ledger: str, currency: str = "") -> Payment:
    if ledger == "sales":
        applied = (data.get("Invoices") or [{}])[0]
        target = {"UID": applied.get("UID"), "Number": applied.get("Number")}
        amount, party = data.get("AmountReceived"), data.get("Customer") or {}
    else:
        applied = (data.get("Lines") or [{}])[0]
        target = applied.get("Purchase") or {}
        amount, party = data.get("AmountPaid"), data.get("Supplier") or {}
    return Payment(
        invoice=InvoiceRef(number=target.get("Number") or "", ledger=ledger,  # type: ignore[arg-type]
                           remote_id=target.get("UID"), contact_name=party.get("Name")),
        date=parse_date(data.get("Date")) or date.min, amount=money(amount), currency=currency,
        account_code=(data.get("Account") or {}).get("DisplayID") or "", reference=data.get("Memo") or None,
        remote_id=data.get("UID"), remote_version=data.get("RowVersion"), origin="package",
        updated_at=parse_datetime(data.get("LastModified")))


def postings_from(journal: dict[str, Any], accounts: set[str]) -> list[Posting]:
    """The journal's lines on *accounts*: debit positive, credit negative."""
    occurred = parse_date(journal.get("DateOccurred")) or date.min
    source = journal.get("SourceTransaction") or {}
    text = f"{journal.get('JournalType', '')} {source.get('TransactionType', '')} {journal.get('DisplayID', '')}"
    result = []
    for line in journal.get("Lines") or []:
        code = (line.get("Account") or {}).get("DisplayID")
        if code in accounts:
            amount = money(line.get("Amount"))
            result.append(Posting(occurred, code, -amount if line.get("IsCredit") else amount, " ".join(text.split()),
                                  source.get("UID")))
    return result
