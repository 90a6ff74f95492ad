"""Deterministic demo events for the two demo tenants, as JSON lines ready for ``ledgerbridge ingest``.

    python examples/make_demo_events.py [--out examples/demo-events.jsonl] [--seed 7]

writes two months (February and March 2025) of events for ``acme-plumbing`` (Xero, AUD, GST 10%,
Brisbane, UTC+10) and ``northside-pest`` (QuickBooks, NZD, GST 15%, Auckland, NZDT UTC+13):
sales invoices for jobs (call-out fees, labour hours, parts, treatments) with tax exclusive or
inclusive, supplier bills, drafts authorised later by ``invoice-updated``, card payments on site,
part payments, a prompt-payment cash discount, a charged-back payment removed and paid again, two
voided invoices (never with an active payment), an invoice whose accounting date falls in the
next month, a USD bill with an exchange rate, reconciliation requests, and one event line sent
twice (ingest counts it as a duplicate). Lines are in chronological order and every one applies.

It also writes ``bad-events.jsonl`` beside the output: one line per typical mistake (see
:data:`BAD_EVENTS`), each rejected with a reason.

:func:`invoice_events` yields any number of distinct valid ``invoice-created`` lines quickly, for
benchmarks and tests::

    from examples.make_demo_events import invoice_events
    lines = list(invoice_events(10_000))

Standard library only; the same seed always gives byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "demo-events.jsonl"
DEFAULT_SEED = 7

START = date(2025, 2, 3)          # a Monday
END = date(2025, 3, 31)
RECONCILE_ON = date(2025, 4, 1)

CENT = Decimal("0.01")
ZERO = Decimal(0)


def q2(value: Decimal) -> Decimal:
    """Round half away from zero to cents (AUD, NZD and USD all have 2 minor digits)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def plain(value: Decimal) -> str:
    """A quantity as a plain decimal string, without exponent or trailing zeros ("2", "1.5")."""
    return format(value.normalize(), "f")


# --- catalogue -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Item:
    code: str
    description: str
    price: str                  # unit price as the seller quotes it (ex tax unless stated)
    account: str
    taxable: bool = True


@dataclass(frozen=True)
class Job:
    """A kind of job: which items go on the invoice and in what quantities."""

    name: str
    lines: tuple[tuple[str, tuple[str, ...], float], ...]   # item code, quantities, probability
    commercial: bool | None = None                          # None: any customer


@dataclass(frozen=True)
class Customer:
    id: str
    name: str
    commercial: bool
    email: str | None = None
    number: str | None = None

    def contact(self) -> dict[str, Any]:
        contact: dict[str, Any] = {"id": self.id, "name": self.name}
        if self.email:
            contact["email"] = self.email
        if self.number:
            contact["number"] = self.number
        return contact


@dataclass(frozen=True)
class Supplier:
    id: str
    name: str
    email: str | None
    prefix: str                                  # the supplier's own invoice numbering
    amounts_are: str
    items: tuple[Item, ...]
    quantities: tuple[str, ...]
    weight: float
    terms_days: int = 30
    currency: str | None = None                  # None: the tenant's base currency
    exchange_rate: str | None = None
    max_lines: int = 3


@dataclass(frozen=True)
class Profile:
    slug: str
    currency: str
    gst: Decimal
    offset: timezone
    sales_tax: str
    sales_tax_free: str
    purchase_tax: str
    bank: str
    card_account: str
    first_job: int
    first_invoice_number: int
    number_format: str
    first_bill: int
    first_payment: int
    jobs_per_day: tuple[int, ...]
    bill_chance: float
    holidays: frozenset[date]
    items: dict[str, Item]
    jobs: tuple[Job, ...]
    customers: tuple[Customer, ...]
    suppliers: tuple[Supplier, ...]
    due: Callable[[date, bool], date]


def _items(*items: Item) -> dict[str, Item]:
    return {item.code: item for item in items}


def _household(n: int, name: str, prefix: str) -> Customer:
    first, *rest = name.replace("& ", "").split()
    email = f"{first}.{rest[-1]}@example.com".lower().replace("'", "") if n % 3 else None
    return Customer(f"cust-{prefix}{n:03d}", name, False, email)


def _business(n: int, name: str, prefix: str) -> Customer:
    slug = "".join(c for c in name.lower().replace(" ", "-") if c.isalnum() or c == "-")[:30].strip("-")
    return Customer(f"cust-{prefix}{n:03d}", name, True, f"accounts@{slug}.example", f"C{prefix.upper()}{n:03d}")


def _customers(prefix: str, businesses: list[str], households: list[str]) -> tuple[Customer, ...]:
    result = [_business(i + 1, name, prefix) for i, name in enumerate(businesses)]
    result += [_household(len(result) + i + 1, name, prefix) for i, name in enumerate(households)]
    return tuple(result)


def _due_days(days_household: int, days_commercial: int) -> Callable[[date, bool], date]:
    return lambda issue, commercial: issue + timedelta(days=days_commercial if commercial else days_household)


def _due_20th_following(issue: date, commercial: bool) -> date:
    """New Zealand custom: due on the 20th of the month after the invoice."""
    if not commercial:
        return issue + timedelta(days=7)
    year, month = (issue.year + 1, 1) if issue.month == 12 else (issue.year, issue.month + 1)
    return date(year, month, 20)


ACME_ITEMS = _items(
    Item("CALLOUT", "Call-out fee (business hours)", "95.00", "200"),
    Item("CALLOUT-AH", "Call-out fee (after hours)", "165.00", "200"),
    Item("LAB-HR", "Labour - licensed plumber (per hour)", "120.00", "200"),
    Item("LAB-AH", "Labour - after hours (per hour)", "180.00", "200"),
    Item("LAB-APP", "Labour - apprentice (per hour)", "65.00", "200"),
    Item("CART-35", "Mixer tap cartridge 35mm", "38.50", "200"),
    Item("HOSE-300", "Braided flexible hose 15mm x 300mm", "14.20", "200"),
    Item("INLET-VLV", "Cistern inlet valve", "42.90", "200"),
    Item("CU-ELB-15", "Copper elbow 15mm", "4.85", "200"),
    Item("PVC-100", "PVC DWV pipe 100mm (per metre)", "12.745", "200"),
    Item("HWS-250", "Electric hot water system 250L (supply)", "1389.00", "200"),
    Item("HWS-KIT", "Hot water system installation kit", "185.00", "200"),
    Item("TMV", "Thermostatic mixing valve", "289.00", "200"),
    Item("DISPOSAL", "Removal and disposal of old unit", "45.00", "200"),
    Item("DRAIN-CAM", "CCTV drain camera inspection", "220.00", "200"),
    Item("JET-HR", "High-pressure drain jetting (per hour)", "280.00", "200"),
    Item("BACKFLOW", "Backflow prevention device test (annual)", "110.00", "200"),
    Item("PERMIT", "Council plumbing permit fee (pass-through, no GST)", "132.60", "260", taxable=False),
)

ACME_JOBS = (
    Job("leaking tap", (("CALLOUT", ("1",), 1), ("LAB-HR", ("0.5", "1", "1.5"), 1),
                        ("CART-35", ("1", "2"), 0.8), ("HOSE-300", ("1", "2"), 0.4))),
    Job("blocked drain", (("CALLOUT", ("1",), 1), ("JET-HR", ("1", "1.5", "2"), 1), ("DRAIN-CAM", ("1",), 0.5))),
    Job("toilet repair", (("CALLOUT", ("1",), 1), ("LAB-HR", ("0.75", "1", "1.25"), 1),
                          ("INLET-VLV", ("1",), 0.9), ("HOSE-300", ("1",), 0.3))),
    Job("hot water replacement", (("HWS-250", ("1",), 1), ("HWS-KIT", ("1",), 1), ("LAB-HR", ("2.5", "3", "3.5"), 1),
                                  ("LAB-APP", ("2", "3"), 0.5), ("DISPOSAL", ("1",), 0.9), ("TMV", ("1",), 0.4),
                                  ("PERMIT", ("1",), 0.6))),
    Job("pipe repair", (("CALLOUT", ("1",), 1), ("LAB-HR", ("1", "1.5", "2", "2.5"), 1),
                        ("CU-ELB-15", ("2", "4", "6", "8"), 0.8), ("PVC-100", ("1.5", "3", "4.5", "6"), 0.5))),
    Job("burst pipe (after hours)", (("CALLOUT-AH", ("1",), 1), ("LAB-AH", ("1", "1.5", "2"), 1),
                                     ("CU-ELB-15", ("2", "3", "4"), 0.9), ("PVC-100", ("1.5", "3"), 0.3))),
    Job("backflow test", (("BACKFLOW", ("1", "2", "3"), 1), ("LAB-HR", ("0.5", "1"), 0.5)), commercial=True),
)

ACME_CUSTOMERS = _customers("a", [
    "Paddington Physio Clinic", "Bulimba Bowls Club", "Red Hill Bakehouse", "Toowong Property Management",
    "Body Corporate for Riverview Apartments CTS 4471", "St Lucia Early Learning Centre", "Milton Motor Inn",
    "Greenslopes Veterinary Hospital", "Kangaroo Point Cafe", "Sunnybank Hills Medical Centre",
    "Ashgrove Fish & Chips", "Coorparoo RSL Sub-Branch",
], [
    "Priya Sharma", "Tom & Kate Wilson", "Mei Lin Chen", "Darren O'Brien", "Sophie Nguyen", "Jack Thompson",
    "Fatima Haddad", "Luca Rossi", "Ben Carter", "Hannah Walsh", "Raj Patel", "Chloe Martin", "Nathan Brooks",
    "Olivia Hughes", "Sam & Jess Taylor", "Michael Papadopoulos", "Emily Roberts", "Wei Zhang",
])

ACME_SUPPLIERS = (
    Supplier("supp-a001", "Southside Plumbing Supplies Pty Ltd", "accounts@southside-plumbing.example", "SPS-",
             "exclusive", (Item("", "Copper pipe 15mm x 5.5m", "38.90", "310"),
                           Item("", "Brass fittings, assorted (bag)", "145.00", "310"),
                           Item("", "PTFE thread tape (box of 10)", "12.50", "310"),
                           Item("", "Mixer tap cartridges 35mm (pack of 5)", "121.00", "310")),
             ("1", "2", "4", "6", "10"), 4, terms_days=30),
    Supplier("supp-a002", "Metro Hot Water Wholesale", "ar@metro-hws.example", "MHW",
             "exclusive", (Item("", "Electric hot water system 250L", "980.00", "310"),
                           Item("", "Thermostatic mixing valve 15mm", "176.00", "310")),
             ("1", "2"), 2, terms_days=30, max_lines=2),
    Supplier("supp-a003", "Coastline Fuels", None, "FC", "inclusive",
             (Item("", "Diesel - fleet card (litres)", "1.989", "449"),), ("143.6", "182.4", "96.75", "210.2"), 3,
             terms_days=14, max_lines=1),
    Supplier("supp-a004", "Trade Tool Hire Brisbane", "hire@tradetoolhire.example", "TTH-", "exclusive",
             (Item("", "Mini excavator hire (per day)", "320.00", "429"),
              Item("", "Pipe threader hire (per day)", "85.00", "429")), ("1", "2"), 1, terms_days=14, max_lines=2),
    Supplier("supp-a005", "Ken Doyle Drainage", "ken.doyle@example.com", "KD", "no_tax",
             (Item("", "Subcontract labour - drain excavation (hours)", "75.00", "310", taxable=False),),
             ("4", "6", "7.5", "8"), 1, terms_days=7, max_lines=1),
)

ACME_USD_SUPPLIER = Supplier(
    "supp-a006", "Coastal Pipe Tools Inc.", "billing@coastalpipetools.example", "CPT-", "no_tax",
    (Item("", "Pipe inspection camera reel 30m", "1249.00", "710", taxable=False),
     Item("", "International freight", "85.00", "710", taxable=False)),
    ("1",), 0, terms_days=30, currency="USD", exchange_rate="0.6318", max_lines=2)

NORTHSIDE_ITEMS = _items(
    Item("CALLOUT", "Call-out fee", "65.00", "4000"),
    Item("AFTER-HRS", "After-hours surcharge", "95.00", "4000"),
    Item("LAB-HR", "Technician labour (per hour)", "85.00", "4000"),
    Item("GEN-RES", "General pest treatment - residential (up to 200 m2)", "165.00", "4000"),
    Item("GEN-COM", "General pest treatment - commercial premises", "240.00", "4000"),
    Item("ROD-MTH", "Rodent control service - monthly visit", "85.00", "4000"),
    Item("BAIT-STN", "Lockable bait station (supply and install)", "18.50", "4100"),
    Item("GEL-BAIT", "Cockroach gel bait (per tube)", "24.90", "4100"),
    Item("WASP", "Wasp nest removal", "135.00", "4000"),
    Item("FLEA", "Flea treatment - whole house", "150.00", "4000"),
    Item("BEDBUG", "Bed bug treatment (per room)", "120.00", "4000"),
    Item("TIMBER", "Pre-purchase timber pest inspection and report", "295.00", "4000"),
)

NORTHSIDE_JOBS = (
    Job("general treatment", (("GEN-RES", ("1",), 1), ("GEL-BAIT", ("1", "2"), 0.4)), commercial=False),
    Job("flea treatment", (("FLEA", ("1",), 1), ("CALLOUT", ("1",), 0.3)), commercial=False),
    Job("wasp nest", (("CALLOUT", ("1",), 1), ("WASP", ("1", "2"), 1), ("AFTER-HRS", ("1",), 0.2))),
    Job("bed bugs", (("BEDBUG", ("1", "2", "3", "4"), 1), ("LAB-HR", ("0.5", "1"), 0.5))),
    Job("rodent control", (("ROD-MTH", ("1",), 1), ("BAIT-STN", ("2", "4", "6", "8"), 0.7),
                           ("LAB-HR", ("0.5", "1", "1.5"), 0.4))),
    Job("commercial monthly service", (("GEN-COM", ("1",), 1), ("ROD-MTH", ("1",), 0.8),
                                       ("GEL-BAIT", ("2", "3", "4"), 0.6)), commercial=True),
    Job("timber pest inspection", (("TIMBER", ("1",), 1),), commercial=False),
)

NORTHSIDE_CUSTOMERS = _customers("n", [
    "Takapuna Beach Cafe", "Devonport Motor Lodge", "Glenfield Early Learning Centre", "Birkenhead Rest Home",
    "Albany Self Storage", "North Shore Food Distributors Ltd", "Body Corporate 204117 Milford Marina",
    "\u014crewa Holiday Park", "Browns Bay Bakery", "Northcote Tavern",
], [
    "Aroha Ngata", "Sione Taufa", "Hemi Walker", "Olivia Brown", "Liam O'Connor", "Mere Parata", "Ji-woo Kim",
    "Charlotte Wilson", "Ravi Singh", "Emma Robinson", "Ngaio Harris", "Tom Fletcher", "Grace Li",
    "Daniel & Sarah Smith",
])

NORTHSIDE_SUPPLIERS = (
    Supplier("supp-n001", "Kiwi Pest Chemicals Ltd", "accounts@kiwipestchem.example", "KPC", "exclusive",
             (Item("", "Bifenthrin concentrate 5L", "189.00", "5000"),
              Item("", "Rodenticide wax blocks 10kg", "142.50", "5000"),
              Item("", "Cockroach gel bait cartridges (box of 4)", "68.00", "5000")),
             ("1", "2", "3", "5"), 4, terms_days=30),
    Supplier("supp-n002", "Trade Safety Supplies NZ", "orders@tradesafety.example", "TSS-", "exclusive",
             (Item("", "Disposable coveralls (box of 25)", "96.00", "5010"),
              Item("", "P2 respirator cartridges (pair)", "28.40", "5010")),
             ("1", "2", "4"), 2, terms_days=30, max_lines=2),
    Supplier("supp-n003", "Fleet Fuel NZ", None, "FF", "inclusive",
             (Item("", "Diesel - fuel card (litres)", "2.089", "6100"),), ("88.4", "121.7", "150.05"), 3,
             terms_days=14, max_lines=1),
    Supplier("supp-n004", "Auckland Sprayer Repairs", "workshop@aklsprayer.example", "ASR", "exclusive",
             (Item("", "Backpack sprayer service", "78.00", "6200"), Item("", "Pump seal kit", "34.50", "6200")),
             ("1", "2"), 1, terms_days=14, max_lines=2),
)

ACME = Profile(
    slug="acme-plumbing", currency="AUD", gst=Decimal("0.10"), offset=timezone(timedelta(hours=10)),
    sales_tax="OUTPUT", sales_tax_free="EXEMPTOUTPUT", purchase_tax="INPUT",
    bank="090", card_account="090", first_job=20517, first_invoice_number=2041, number_format="INV-{:04d}",
    first_bill=4101, first_payment=60001, jobs_per_day=(1, 2, 2, 2, 3), bill_chance=0.4,
    holidays=frozenset(), items=ACME_ITEMS, jobs=ACME_JOBS, customers=ACME_CUSTOMERS, suppliers=ACME_SUPPLIERS,
    due=_due_days(7, 30),
)

NORTHSIDE = Profile(
    slug="northside-pest", currency="NZD", gst=Decimal("0.15"), offset=timezone(timedelta(hours=13)),
    sales_tax="GST15", sales_tax_free="NOGST", purchase_tax="GST15",
    bank="1000", card_account="1050", first_job=7301, first_invoice_number=1501, number_format="{:d}",
    first_bill=1201, first_payment=31001, jobs_per_day=(1, 1, 2, 2, 3), bill_chance=0.35,
    holidays=frozenset({date(2025, 2, 6)}),  # Waitangi Day
    items=NORTHSIDE_ITEMS, jobs=NORTHSIDE_JOBS, customers=NORTHSIDE_CUSTOMERS, suppliers=NORTHSIDE_SUPPLIERS,
    due=_due_20th_following,
)


# --- documents -------------------------------------------------------------------------------------

def line_tax(amount: Decimal, rate: Decimal, amounts_are: str, taxable: bool) -> Decimal:
    """Tax of one line, rounded per line (as Xero does)."""
    if not taxable or amounts_are == "no_tax":
        return ZERO
    if amounts_are == "exclusive":
        return q2(amount * rate)
    return q2(amount * rate / (1 + rate))


def build_lines(priced: list[tuple[Item, str, str]], rate: Decimal, amounts_are: str, tax_code: str | None,
                free_code: str | None, *, item_codes: bool = True) -> tuple[list[dict[str, Any]], Decimal]:
    """(item, quantity, unit price) triples → line objects and the invoice total."""
    lines = []
    amounts = taxes = ZERO
    for item, quantity, unit_price in priced:
        amount = q2(Decimal(quantity) * Decimal(unit_price))
        tax = line_tax(amount, rate, amounts_are, item.taxable)
        line: dict[str, Any] = {"description": item.description, "quantity": quantity, "unit_price": unit_price,
                                "account_code": item.account}
        code = tax_code if item.taxable else free_code
        if amounts_are != "no_tax" and code:
            line["tax_code"] = code
        line["tax_amount"] = money(tax)
        if item_codes and item.code:
            line["item_code"] = item.code
        lines.append(line)
        amounts += amount
        taxes += tax
    return lines, (amounts + taxes if amounts_are == "exclusive" else amounts)


def sale_price(item: Item, rate: Decimal, amounts_are: str) -> str:
    """Unit price on an invoice: the list price, with GST added when the amounts include tax."""
    if amounts_are == "inclusive" and item.taxable:
        return money(q2(Decimal(item.price) * (1 + rate)))
    return item.price


@dataclass
class Doc:
    """What the generator remembers about an invoice or bill it issued."""

    data: dict[str, Any]
    total: Decimal
    created_at: datetime
    ready_at: datetime | None                  # when it became authorised
    paid: Decimal = ZERO
    customer: Customer | None = None
    job: Job | None = None
    pairs: list[tuple[Item, str]] = field(default_factory=list)

    @property
    def invoice_id(self) -> str:
        return self.data["invoice_id"]

    @property
    def number(self) -> str:
        return self.data["number"]


@dataclass(order=True)
class Pending:
    at: datetime                               # UTC instant
    seq: int
    envelope: dict[str, Any] = field(compare=False)


class Demo:
    """Collects events from every tenant; written sorted by time."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.events: list[Pending] = []

    def new_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def emit(self, profile: Profile, at: datetime, event_type: str, data: dict[str, Any]) -> None:
        envelope = {"id": self.new_id(), "type": event_type, "tenant": profile.slug,
                    "occurred_at": at.isoformat(timespec="seconds"), "schema_version": 1, "data": data}
        self.events.append(Pending(at.astimezone(timezone.utc), len(self.events), envelope))

    def lines(self) -> list[str]:
        ordered = [json.dumps(p.envelope, ensure_ascii=False) for p in sorted(self.events)]
        # At-least-once delivery: one payment event is sent twice in a row (exactly the same line).
        first_march = next(i for i, p in enumerate(sorted(self.events))
                           if p.envelope["type"] == "payment-received" and p.at.date() >= date(2025, 3, 3))
        ordered.insert(first_march + 1, ordered[first_march])
        return ordered


class Tenant:
    """One tenant's two months: jobs invoiced, bills entered, payments in and out."""

    def __init__(self, demo: Demo, profile: Profile):
        self.demo = demo
        self.rng = demo.rng
        self.p = profile
        self.job = profile.first_job
        self.invoice_number = profile.first_invoice_number
        self.bill = profile.first_bill
        self.payment = profile.first_payment

    # -- time --------------------------------------------------------------------------------------
    def at(self, day: date, start: tuple[int, int] = (8, 0), end: tuple[int, int] = (17, 0)) -> datetime:
        minute = self.rng.randint(start[0] * 60 + start[1], end[0] * 60 + end[1])
        return datetime.combine(day, time(minute // 60, minute % 60), self.p.offset)

    def later(self, after: datetime, days: tuple[int, int],
              start: tuple[int, int] = (9, 0), end: tuple[int, int] = (16, 30)) -> datetime:
        """A weekday time at least ``days[0]`` (≥ 1) days after ``after``."""
        day = after.date() + timedelta(days=self.rng.randint(*days))
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return self.at(day, start, end)

    def business_days(self) -> Iterator[date]:
        day = START
        while day <= END:
            if day.weekday() < 5 and day not in self.p.holidays:
                yield day
            day += timedelta(days=1)

    # -- sales invoices ----------------------------------------------------------------------------
    def pick_job(self) -> tuple[Customer, Job]:
        job = self.rng.choice(self.p.jobs)
        candidates = [c for c in self.p.customers if job.commercial is None or c.commercial == job.commercial]
        # Property managers and body corporates call more often than anyone else.
        weights = [3 if "Property" in c.name or "Body Corporate" in c.name else 1 for c in candidates]
        return self.rng.choices(candidates, weights)[0], job

    def pick_lines(self, job: Job) -> list[tuple[Item, str]]:
        return [(self.p.items[code], self.rng.choice(quantities))
                for code, quantities, chance in job.lines if chance >= 1 or self.rng.random() < chance]

    def sales_lines(self, pairs: list[tuple[Item, str]], amounts_are: str) -> tuple[list[dict[str, Any]], Decimal]:
        priced = [(item, qty, sale_price(item, self.p.gst, amounts_are)) for item, qty in pairs]
        return build_lines(priced, self.p.gst, amounts_are, self.p.sales_tax, self.p.sales_tax_free)

    def new_invoice(self, day: date, at: datetime, *, status: str | None = None, customer: Customer | None = None,
                    job: Job | None = None, pairs: list[tuple[Item, str]] | None = None,
                    amounts_are: str | None = None, reference: str | None = None,
                    accounting_date: date | None = None) -> Doc:
        if customer is None or job is None:
            customer, job = self.pick_job()
        if amounts_are is None:
            amounts_are = "exclusive" if customer.commercial or self.rng.random() < 0.3 else "inclusive"
        if status is None:
            status = "draft" if self.rng.random() < 0.12 else "authorised"
        if pairs is None:
            pairs = self.pick_lines(job)
        lines, total = self.sales_lines(pairs, amounts_are)
        data: dict[str, Any] = {
            "invoice_id": f"inv-{self.job}",
            "number": self.p.number_format.format(self.invoice_number),
            "ledger": "sales",
            "contact": customer.contact(),
            "issue_date": day.isoformat(),
            "due_date": self.p.due(day, customer.commercial).isoformat(),
        }
        if accounting_date is not None:
            data["accounting_date"] = accounting_date.isoformat()
        data.update({"currency": self.p.currency, "amounts_are": amounts_are, "lines": lines, "total": money(total),
                     "status": status, "reference": reference or f"Job {self.job} - {job.name}"})
        self.demo.emit(self.p, at, "invoice-created", data)
        self.job += self.rng.randint(1, 3)
        self.invoice_number += 1
        return Doc(data, total, at, at if status == "authorised" else None, customer=customer, job=job, pairs=pairs)

    def authorise(self, doc: Doc, at: datetime) -> None:
        """A draft is finished: labour adjusted or a part added, then authorised (full replacement)."""
        pairs = list(doc.pairs)
        labour = [i for i, (item, _) in enumerate(pairs) if item.code.startswith("LAB")]
        if labour and self.rng.random() < 0.6:
            item, quantity = pairs[labour[0]]
            pairs[labour[0]] = (item, plain(Decimal(quantity) + Decimal("0.5")))
        else:
            pairs.append((self.p.items["GEL-BAIT" if "GEL-BAIT" in self.p.items else "HOSE-300"], "1"))
        data = dict(doc.data)
        data["lines"], total = self.sales_lines(pairs, data["amounts_are"])
        data["total"] = money(total)
        data["status"] = "authorised"
        self.demo.emit(self.p, at, "invoice-updated", data)
        doc.data, doc.total, doc.ready_at, doc.pairs = data, total, at, pairs

    def add_reference(self, doc: Doc, at: datetime) -> None:
        """The customer wants their purchase order number on an authorised invoice."""
        data = dict(doc.data)
        data["reference"] = f"PO {self.rng.randint(3000, 9999)} / {data['reference']}"
        self.demo.emit(self.p, at, "invoice-updated", data)
        doc.data = data

    def void(self, doc: Doc, at: datetime, reason: str) -> None:
        assert doc.paid == 0 and at > doc.created_at
        self.demo.emit(self.p, at, "invoice-voided", {"invoice_id": doc.invoice_id, "reason": reason})

    # -- payments ----------------------------------------------------------------------------------
    def pay(self, doc: Doc, at: datetime, amount: Decimal, *, reference: str, account: str | None = None,
            discount: Decimal = ZERO) -> str | None:
        """A payment (money in for invoices, out for bills); None if it would fall after the demo period."""
        assert doc.ready_at is not None and at > doc.ready_at
        assert 0 < amount and doc.paid + amount + discount <= doc.total, (doc.invoice_id, doc.paid, amount)
        if at.date() > END:
            return None
        self.payment += self.rng.randint(1, 4)
        payment_id = f"pay-{self.payment}"
        data: dict[str, Any] = {"payment_id": payment_id, "invoice_id": doc.invoice_id, "date": at.date().isoformat(),
                                "amount": money(amount), "currency": doc.data["currency"],
                                "account_code": account or self.p.bank, "reference": reference}
        if discount:
            data["discount"] = money(discount)
        self.demo.emit(self.p, at, "payment-received", data)
        doc.paid += amount + discount
        return payment_id

    def settle(self, doc: Doc, plan: str) -> None:
        """Schedule the payments of an authorised sales invoice according to ``plan``."""
        assert doc.ready_at is not None and doc.customer is not None
        payer = doc.customer.name.upper()[:20]
        if plan == "card":          # paid on site when the job is done
            card = f"EFTPOS card ****{self.rng.randint(1000, 9999)}"
            at = doc.ready_at + timedelta(minutes=self.rng.randint(4, 25))
            self.pay(doc, at, doc.total, account=self.p.card_account, reference=card)
        elif plan == "normal":
            self.pay(doc, self.later(doc.ready_at, (3, 35)), doc.total, reference=f"Direct credit {payer} {doc.number}")
        elif plan == "partial":
            share = Decimal(self.rng.choice(("0.3", "0.4", "0.5", "0.6")))
            part = (doc.total * share).quantize(Decimal(1), rounding=ROUND_DOWN)
            if not 0 < part < doc.total:
                part = q2(doc.total / 2)
            first = self.later(doc.ready_at, (2, 10))
            if self.pay(doc, first, part, reference=f"Part payment {doc.number}"):
                self.pay(doc, self.later(first, (7, 30)), doc.total - part, reference=f"Balance {doc.number}")
        elif plan == "discount":    # prompt-payment terms: 2% off when paid within 7 days
            discount = q2(doc.total * Decimal("0.02"))
            self.pay(doc, self.later(doc.ready_at, (5, 5)), doc.total - discount, discount=discount,
                     reference=f"{doc.number} less 2% prompt payment discount")
        elif plan == "bounced":     # a card payment charged back, then paid by bank transfer
            first = self.later(doc.ready_at, (3, 8))
            card = f"Visa ****{self.rng.randint(1000, 9999)}"
            payment_id = self.pay(doc, first, doc.total, account=self.p.card_account, reference=card)
            assert payment_id is not None
            removed = self.later(first, (3, 3))
            self.demo.emit(self.p, removed, "payment-removed", {
                "payment_id": payment_id, "reason": "Card payment charged back by the cardholder's bank"})
            doc.paid -= doc.total
            self.pay(doc, self.later(removed, (5, 12)), doc.total, reference=f"Direct credit {payer} {doc.number}")
        elif plan != "unpaid":
            raise ValueError(plan)

    def follow_up(self, doc: Doc, plan: str | None = None) -> None:
        """What happens to a new sales invoice: a draft is authorised later; then it is paid (or not)."""
        assert doc.customer is not None
        on_site = doc.ready_at is not None and not doc.customer.commercial
        if doc.ready_at is None:
            self.authorise(doc, self.later(doc.created_at, (1, 3), (7, 30), (9, 30)))
        elif doc.customer.commercial and self.rng.random() < 0.08:
            self.add_reference(doc, doc.ready_at + timedelta(minutes=self.rng.randint(18 * 60, 26 * 60)))
        if plan is None:
            roll = self.rng.random()
            plan = ("card" if on_site and roll < 0.35 else
                    "normal" if roll < 0.80 else "partial" if roll < 0.92 else "unpaid")
        self.settle(doc, plan)

    # -- purchase bills ----------------------------------------------------------------------------
    def new_bill(self, supplier: Supplier, day: date, at: datetime) -> Doc:
        count = self.rng.randint(1, min(supplier.max_lines, len(supplier.items)))
        priced = [(item, self.rng.choice(supplier.quantities), item.price)
                  for item in self.rng.sample(supplier.items, count)]
        lines, total = build_lines(priced, self.p.gst, supplier.amounts_are, self.p.purchase_tax, None,
                                   item_codes=False)
        contact: dict[str, Any] = {"id": supplier.id, "name": supplier.name}
        if supplier.email:
            contact["email"] = supplier.email
        data: dict[str, Any] = {
            "invoice_id": f"bill-{self.bill}",
            "number": f"{supplier.prefix}{self.rng.randint(10000, 99999)}",
            "ledger": "purchase",
            "contact": contact,
            "issue_date": day.isoformat(),
            "due_date": (day + timedelta(days=supplier.terms_days)).isoformat(),
            "currency": supplier.currency or self.p.currency,
        }
        if supplier.exchange_rate:
            data["exchange_rate"] = supplier.exchange_rate
        data.update({"amounts_are": supplier.amounts_are, "lines": lines, "total": money(total),
                     "status": "authorised"})
        self.demo.emit(self.p, at, "invoice-created", data)
        self.bill += 1
        return Doc(data, total, at, at)

    def pay_bill(self, doc: Doc) -> None:
        """Bills are paid in the Friday payment run at least 10 days after they were entered."""
        assert doc.ready_at is not None
        day = doc.ready_at.date() + timedelta(days=10)
        while day.weekday() != 4:
            day += timedelta(days=1)
        at = datetime.combine(day, time(10, self.rng.randint(0, 40)), self.p.offset)
        self.pay(doc, at, doc.total, reference=f"Payment run {day:%d %b} {doc.number}")

    # -- the story ---------------------------------------------------------------------------------
    def run(self) -> None:
        for day in self.business_days():
            times = sorted(self.at(day, (8, 30), (17, 30)) for _ in range(self.rng.choice(self.p.jobs_per_day)))
            for at in times:
                doc = self.new_invoice(day, at)
                self.follow_up(doc, self.plan_for(day, doc))
            if self.rng.random() < self.p.bill_chance:
                supplier = self.rng.choices(self.p.suppliers, [s.weight for s in self.p.suppliers])[0]
                self.pay_bill(self.new_bill(supplier, day, self.at(day, (12, 0), (17, 0))))
            self.specials(day)
        self.reconcile()

    def plan_for(self, day: date, doc: Doc) -> str | None:
        return None

    def specials(self, day: date) -> None:
        pass

    def reconcile(self) -> None:
        pass


class Acme(Tenant):
    def __init__(self, demo: Demo):
        super().__init__(demo, ACME)
        self.discounted = False
        self.last_doc: Doc | None = None

    def plan_for(self, day: date, doc: Doc) -> str | None:
        self.last_doc = doc
        if (not self.discounted and day >= date(2025, 2, 5) and doc.customer and doc.customer.commercial
                and doc.ready_at is not None):
            self.discounted = True
            return "discount"
        return None

    def specials(self, day: date) -> None:
        if day == date(2025, 2, 12) and self.last_doc is not None:
            # The office raises the same job twice; the copy is voided an hour later.
            original = self.last_doc
            copy = self.new_invoice(day, original.created_at + timedelta(minutes=3), status="authorised",
                                    customer=original.customer, job=original.job, pairs=original.pairs,
                                    amounts_are=original.data["amounts_are"], reference=original.data["reference"])
            self.void(copy, copy.created_at + timedelta(minutes=64), f"Duplicate of {original.number}")
        elif day == date(2025, 2, 19):
            # Imported equipment, invoiced in US dollars; still open at the end of the period.
            self.new_bill(ACME_USD_SUPPLIER, day, self.at(day, (14, 0), (16, 0)))
        elif day == date(2025, 2, 28):
            # Job finished on the last day of February, posted to March: a temporary difference in the
            # open-invoices report until 3 March.
            customer = next(c for c in self.p.customers if c.name.startswith("Body Corporate"))
            job = next(j for j in self.p.jobs if j.name == "hot water replacement")
            doc = self.new_invoice(day, self.at(day, (17, 35), (17, 55)), status="authorised", customer=customer,
                                   job=job, accounting_date=date(2025, 3, 3))
            self.pay(doc, self.at(date(2025, 3, 14), (10, 0), (11, 0)), doc.total,
                     reference=f"Direct credit BODY CORP CTS 4471 {doc.number}")

    def reconcile(self) -> None:
        self.demo.emit(self.p, datetime.combine(RECONCILE_ON, time(7, 0), self.p.offset), "reconciliation-requested",
                       {"kind": "invoices", "from": "2025-02-01", "to": "2025-03-31", "fix": False, "ledger": "sales"})


class Northside(Tenant):
    def __init__(self, demo: Demo):
        super().__init__(demo, NORTHSIDE)
        self.bounced = False

    def plan_for(self, day: date, doc: Doc) -> str | None:
        if not self.bounced and day >= date(2025, 2, 10) and doc.ready_at is not None:
            self.bounced = True
            return "bounced"
        return None

    def specials(self, day: date) -> None:
        if day == date(2025, 3, 6):
            # A quote entered as a draft invoice; the customer declines and it is voided.
            customer = next(c for c in self.p.customers if c.name == "Devonport Motor Lodge")
            job = next(j for j in self.p.jobs if j.name == "commercial monthly service")
            doc = self.new_invoice(day, self.at(day, (17, 40), (17, 55)), status="draft", customer=customer, job=job)
            self.void(doc, self.later(doc.created_at, (2, 2), (10, 0), (11, 0)), "Quote declined by the customer")

    def reconcile(self) -> None:
        self.demo.emit(self.p, datetime.combine(RECONCILE_ON, time(7, 30), self.p.offset), "reconciliation-requested",
                       {"kind": "open-invoices", "from": "2025-02-01", "to": "2025-03-31", "fix": False,
                        "ledger": "sales"})


def demo_lines(seed: int = DEFAULT_SEED) -> list[str]:
    """The demo file's lines (without newlines), chronological, one exact duplicate included."""
    demo = Demo(seed)
    Acme(demo).run()
    Northside(demo).run()
    return demo.lines()


# --- bad events ------------------------------------------------------------------------------------

def _bad(data_type: str, data: dict[str, Any], n: int, **envelope: Any) -> str:
    document = {"id": f"7c9e6679-7425-40de-944b-e07fc1f90a{n:02d}", "type": data_type, "tenant": "acme-plumbing",
                "occurred_at": "2025-03-12T09:30:00+10:00", "schema_version": 1, "data": data}
    document.update(envelope)
    return json.dumps(document)


_GOOD_PAYMENT = {"payment_id": "pay-bad-1", "invoice_id": "inv-20517", "date": "2025-03-12", "amount": "95.00",
                 "currency": "AUD", "account_code": "090"}
_GOOD_INVOICE = {
    "invoice_id": "inv-bad-1", "number": "INV-9001", "ledger": "sales",
    "contact": {"id": "cust-a013", "name": "Priya Sharma"},
    "issue_date": "2025-03-12", "due_date": "2025-03-19", "currency": "AUD", "amounts_are": "exclusive",
    "lines": [{"description": "Call-out fee (business hours)", "quantity": "1", "unit_price": "95.00",
               "account_code": "200", "tax_code": "OUTPUT", "tax_amount": "9.50"},
              {"description": "Labour - licensed plumber (per hour)", "quantity": "1.5", "unit_price": "120.00",
               "account_code": "200", "tax_code": "OUTPUT", "tax_amount": "18.00"}],
    "total": "302.50", "status": "authorised",
}


def _with(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    result = json.loads(json.dumps(base))
    for key, value in changes.items():
        if value is None:
            del result[key]
        else:
            result[key] = value
    return result


BAD_EVENTS: list[tuple[str, str, str]] = [
    # (mistake, a fragment of the reason it is rejected with, the line)
    ("not JSON (cut off)", "bad JSON",
     _bad("payment-received", _GOOD_PAYMENT, 1)[:120]),
    ("total does not agree with the lines (tax left out)", "does not agree with the lines",
     _bad("invoice-created", _with(_GOOD_INVOICE, total="275.00"), 2)),
    ("amount with more decimals than the currency has (JSON number)", "more than 2 decimal places for AUD",
     _bad("payment-received", _GOOD_PAYMENT, 3).replace('"amount": "95.00"', '"amount": 95.004999')),
    ("unknown field", "unknown field",
     _bad("payment-received", _with(_GOOD_PAYMENT, memo="paid by card"), 4)),
    ("required field missing", "'account_code' is a required property",
     _bad("payment-received", _with(_GOOD_PAYMENT, account_code=None), 5)),
    ("date that does not exist", "is not a valid date",
     _bad("invoice-created", _with(_GOOD_INVOICE, due_date="2025-02-30"), 6)),
    ("unknown event type", "is not one of",
     _bad("invoice-paid", {"invoice_id": "inv-20517"}, 7)),
    ("tenant not configured (typo)", "is not in tenants.toml",
     _bad("payment-received", _GOOD_PAYMENT, 8, tenant="acme-plumbng")),
    ("timestamp without a time zone", "is not a valid date-time",
     _bad("payment-received", _GOOD_PAYMENT, 9, occurred_at="2025-03-12T09:30:00")),
    ("amount formatted for people", "is not a decimal number like 123.45",
     _bad("payment-received", _with(_GOOD_PAYMENT, amount="$1,250.00"), 10)),
    ("tax on a no_tax invoice", "must be 0 when amounts_are is no_tax",
     _bad("invoice-created", _with(_GOOD_INVOICE, amounts_are="no_tax", total="275.00"), 11)),
    ("event id not a UUID", "is not a valid uuid",
     _bad("payment-received", _GOOD_PAYMENT, 12, id="INV-9001-paid")),
]


# --- many invoices, fast ---------------------------------------------------------------------------

_FIRST = ("Olivia", "Jack", "Mia", "Noah", "Charlotte", "William", "Amelia", "Oliver", "Isla", "Leo")
_LAST = ("Smith", "Nguyen", "Williams", "Brown", "Patel", "Taylor", "Wilson", "Ngata", "Chen", "Walker")
_SUBURB = ("Toowong", "Bulimba", "Ashgrove", "Paddington", "Takapuna", "Devonport", "Albany", "Milford",
           "Red Hill", "Coorparoo")
_KIND = ("Dental", "Physio Clinic", "Bakery", "Motor Inn", "Childcare Centre", "Medical Centre", "Cafe",
         "Property Management", "Veterinary Clinic", "Fish & Chips")


def contact_pool() -> list[dict[str, Any]]:
    """200 plausible customers: 100 households and 100 local businesses."""
    pool = [{"id": f"cust-h{i:03d}", "name": f"{first} {last}", "email": f"{first}.{last}@example.com".lower()}
            for i, (first, last) in enumerate((f, l) for f in _FIRST for l in _LAST)]
    pool += [{"id": f"cust-b{i:03d}", "name": f"{suburb} {kind}", "number": f"CB{i:03d}"}
             for i, (suburb, kind) in enumerate((s, k) for s in _SUBURB for k in _KIND)]
    return pool


def invoice_events(n: int, tenant: str = "acme-plumbing", seed: int = 0) -> Iterator[str]:
    """Yield ``n`` valid, distinct ``invoice-created`` JSON lines for ``tenant`` (deterministic per seed).

    Invoice ids and numbers embed the seed and a counter (``inv-s<seed>-<i>``, ``S<seed>-<i>``), so
    different seeds never collide; contacts come from :func:`contact_pool`. Tenants other than
    ``northside-pest`` (NZD, GST 15%) get AUD with GST 10%. 10,000 lines take about 0.2 s.
    """
    profile = NORTHSIDE if tenant == "northside-pest" else ACME
    rng = random.Random(seed)
    rate, currency, offset = profile.gst, profile.currency, profile.offset
    pool = contact_pool()
    items = list(profile.items.values())
    quantities = ("1", "1", "1", "2", "0.5", "1.5", "3")
    # Pre-computed per item and quantity: (line for exclusive, amount, tax).
    cache: dict[tuple[int, str], tuple[str, Decimal, Decimal]] = {}
    for index, item in enumerate(items):
        for quantity in dict.fromkeys(quantities):
            amount = q2(Decimal(quantity) * Decimal(item.price))
            tax = line_tax(amount, rate, "exclusive", item.taxable)
            line = {"description": item.description, "quantity": quantity, "unit_price": item.price,
                    "account_code": item.account, "tax_code": profile.sales_tax if item.taxable else profile.sales_tax_free,
                    "tax_amount": money(tax), "item_code": item.code}
            cache[index, quantity] = (json.dumps(line), amount, tax)
    base = datetime(2025, 1, 6, 8, 0, tzinfo=offset)
    tenant_json = json.dumps(tenant)
    for i in range(n):
        event_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        occurred = base + timedelta(seconds=90 * i)
        issue = occurred.date()
        contact = pool[rng.randrange(len(pool))]
        chosen = [cache[rng.randrange(len(items)), rng.choice(quantities)] for _ in range(rng.randint(1, 4))]
        total = sum(amount + tax for _, amount, tax in chosen)
        data = (f'{{"invoice_id": "inv-s{seed}-{i}", "number": "S{seed}-{i:07d}", "ledger": "sales", '
                f'"contact": {json.dumps(contact)}, "issue_date": "{issue}", '
                f'"due_date": "{issue + timedelta(days=14)}", "currency": "{currency}", "amounts_are": "exclusive", '
                f'"lines": [{", ".join(line for line, _, _ in chosen)}], "total": "{total:.2f}", '
                f'"status": "authorised"}}')
        yield (f'{{"id": "{event_id}", "type": "invoice-created", "tenant": {tenant_json}, '
               f'"occurred_at": "{occurred.isoformat()}", "schema_version": 1, "data": {data}}}')


# --- command line ----------------------------------------------------------------------------------

def write(out: Path, seed: int, bad_out: Path | None = None) -> tuple[int, int]:
    lines = demo_lines(seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    bad_out = bad_out or out.with_name("bad-events.jsonl")
    bad_out.write_text("".join(line + "\n" for _, _, line in BAD_EVENTS), encoding="utf-8")
    return len(lines), len(BAD_EVENTS)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="demo events file (default: %(default)s)")
    parser.add_argument("--bad-out", type=Path, default=None,
                        help="bad events file (default: bad-events.jsonl beside --out)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default: %(default)s)")
    args = parser.parse_args(argv)
    good, bad = write(args.out, args.seed, args.bad_out)
    print(f"wrote {good} events to {args.out} and {bad} bad lines beside it")


if __name__ == "__main__":
    main()
