"""The Accounting API resources under ``/v3/company/{realmId}``: each returns ``(status, body)``.

Bodies are envelopes (``{"Invoice": {...}, "time": ...}``); :mod:`.app` renders them as JSON or
XML. Faults are raised as :class:`~.errors.QBOFault`.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Mapping

from . import ledger, operations, query
from .common import Ctx
from .errors import QBOFault
from .store import ENTITIES
from .wire import WireError, loads, parse_time

BATCH_MAX = 30
CDC_WINDOW = timedelta(days=30)
CDC_MAX = 1000
CDC_UNSUPPORTED = {"TaxCode", "TaxRate", "Preferences", "CompanyInfo"}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def body_of(ctx: Ctx, raw: bytes) -> Any:
    try:
        return loads(raw) if raw.strip() else None
    except WireError as exc:
        raise QBOFault("10000", status=500, fault_type="SystemFault", detail=str(exc)) from None


def _operation(kind: str, params: Mapping[str, str], body: Any) -> str:
    op = (params.get("operation") or "").lower()
    include = {i.strip().lower() for i in (params.get("include") or "").split(",")}
    if op == "delete":
        return "delete"
    if op == "void" or (op == "update" and "void" in include):
        return "void"
    if op == "update" or (isinstance(body, dict) and body.get("Id") not in (None, "")):
        return "update"
    if op in ("", "create"):
        return "create"
    return op


def entity_post(ctx: Ctx, kind: str, params: Mapping[str, str], raw: bytes) -> tuple[int, dict]:
    body = body_of(ctx, raw)
    if isinstance(body, dict) and len(body) == 1 and isinstance(body.get(kind), dict):
        body = body[kind]  # tolerate a wrapped entity
    op = _operation(kind, params, body)
    if op not in ("create", "update", "delete", "void"):
        raise ctx.fault("500", detail=f"{op} {kind}")
    result = operations.perform(ctx, kind, op, body)
    return 200, {kind: result, "time": ctx.company.stamp(ctx.now)}


def entity_get(ctx: Ctx, kind: str, ident: str) -> tuple[int, dict]:
    if kind == "CompanyInfo":
        return company_info(ctx)
    return 200, {kind: operations.read(ctx, kind, ident), "time": ctx.company.stamp(ctx.now)}


def _records(ctx: Ctx, entity: str) -> list[dict[str, Any]]:
    if entity == "Preferences":
        return [preferences(ctx)[1]["Preferences"]]
    if entity == "CompanyInfo":
        return [company_info(ctx)[1]["CompanyInfo"]]
    return [operations.render(ctx, entity, data) for data in ctx.company.all(entity)]


def run_query(ctx: Ctx, text: str, page_cap: int | None) -> dict[str, Any]:
    if not text or not text.strip():
        raise ctx.fault("2020", field="query", element="query")
    parsed = query.parse(text)
    return query.run(parsed, _records(ctx, parsed.entity), page_cap)


def query_endpoint(ctx: Ctx, text: str, page_cap: int | None) -> tuple[int, dict]:
    return 200, {"QueryResponse": run_query(ctx, text, page_cap), "time": ctx.company.stamp(ctx.now)}


def batch(ctx: Ctx, raw: bytes, page_cap: int | None, bid_limit: int | None) -> tuple[int, dict]:
    body = body_of(ctx, raw)
    items = body.get("BatchItemRequest") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise ctx.fault("2020", field="BatchItemRequest", element="BatchItemRequest")
    if len(items) > BATCH_MAX:
        raise ctx.fault("1040", limit=BATCH_MAX)
    answers = []
    for item in items:
        bid = item.get("bId") if isinstance(item, dict) else None
        if bid_limit is not None and bid is not None and len(str(bid)) > bid_limit:
            raise ctx.fault("2050", limit=bid_limit, length=len(str(bid)), element="bId")
        answer: dict[str, Any] = {"bId": bid}
        try:
            answer.update(_batch_item(ctx, item, page_cap))
        except QBOFault as fault:
            answer["Fault"] = fault.fault()
        answers.append(answer)
    return 200, {"BatchItemResponse": answers, "time": ctx.company.stamp(ctx.now)}


def _batch_item(ctx: Ctx, item: Any, page_cap: int | None) -> dict[str, Any]:
    if not isinstance(item, dict) or not item.get("bId"):
        raise ctx.fault("2020", field="bId", element="bId")
    if "Query" in item:
        return {"QueryResponse": run_query(ctx, item["Query"], page_cap)}
    kinds = [k for k in item if k in ENTITIES.values()]
    if len(kinds) != 1:
        raise ctx.fault("2020", field="entity", element="BatchItemRequest")
    kind = kinds[0]
    op = str(item.get("operation") or "create").lower()
    if op not in ("create", "update", "delete", "void"):
        raise ctx.fault("500", detail=f"{op} {kind}")
    return {kind: operations.perform(ctx, kind, op, item[kind])}


def cdc(ctx: Ctx, params: Mapping[str, str]) -> tuple[int, dict]:
    wanted = [e.strip() for e in (params.get("entities") or "").split(",") if e.strip()]
    if not wanted:
        raise ctx.fault("2020", field="entities", element="entities")
    if not params.get("changedSince"):
        raise ctx.fault("2020", field="changedSince", element="changedSince")
    try:
        since = parse_time(params["changedSince"])
    except ValueError:
        raise ctx.fault("4001", detail=f"changedSince '{params['changedSince']}' is not a date-time") from None
    if ctx.now - since > CDC_WINDOW:
        raise ctx.fault("4001", detail="changedSince must be within the last 30 days")
    company = ctx.company
    groups, budget = [], CDC_MAX
    for name in wanted:
        kind = ENTITIES.get(name.lower())
        if kind is None or kind in CDC_UNSUPPORTED:
            raise ctx.fault("4001", detail=f"CDC is not supported for entity {name}")
        live = sorted((d for d in company.all(kind) if company.updated.get((kind, d["Id"]), ctx.now) >= since),
                      key=lambda d: company.updated[(kind, d["Id"])])
        gone = sorted((s for s in company.tombstones.get(kind, {}).values()
                       if company.updated.get((kind, s["Id"]), ctx.now) >= since),
                      key=lambda s: company.updated[(kind, s["Id"])])
        found = ([operations.render(ctx, kind, d) for d in live] + [dict(s) for s in gone])[:budget]
        budget -= len(found)
        if found:
            groups.append({kind: found, "startPosition": 1, "maxResults": len(found)})
    return 200, {"CDCResponse": [{"QueryResponse": groups or [{}]}], "time": company.stamp(ctx.now)}


def report(ctx: Ctx, name: str, params: Mapping[str, str]) -> tuple[int, dict]:
    if name.lower() != "generalledger":
        raise ctx.fault("500", detail=f"report {name}")
    company = ctx.company
    try:
        end = date.fromisoformat(params["end_date"]) if params.get("end_date") else ctx.today
        if params.get("start_date"):
            start = date.fromisoformat(params["start_date"])
        else:
            year = end.year if end.month >= company.fiscal_year_start_month else end.year - 1
            start = date(year, company.fiscal_year_start_month, 1)
    except ValueError as exc:
        raise ctx.fault("2010", field=f"start_date/end_date ({exc})", entity="Report") from None
    accounts = {a.strip() for a in (params.get("account") or "").split(",") if a.strip()} or None
    basis = params.get("accounting_method") or "Accrual"
    return 200, ledger.general_ledger(company, start, end, accounts, basis, company.stamp(ctx.now))


def preferences(ctx: Ctx) -> tuple[int, dict]:
    company = ctx.company
    accounting: dict[str, Any] = {"TrackDepartments": False, "ClassTrackingPerTxn": False,
                                  "CustomerTerminology": "Customers", "UseAccountNumbers": True,
                                  "FirstMonthOfFiscalYear": MONTHS[company.fiscal_year_start_month - 1]}
    if company.book_close_date:
        accounting["BookCloseDate"] = company.book_close_date.isoformat()
    prefs = {
        "AccountingInfoPrefs": accounting,
        "SalesFormsPrefs": {"CustomTxnNumbers": company.custom_txn_numbers, "AllowDeposit": False,
                            "AllowDiscount": False, "AllowShipping": False},
        "VendorAndPurchasesPrefs": {"TrackingByCustomer": False, "BillableExpenseTracking": False},
        "TaxPrefs": {"UsingSalesTax": True, "PartnerTaxEnabled": company.us},
        "CurrencyPrefs": {"MultiCurrencyEnabled": company.multicurrency,
                          "HomeCurrency": {"value": company.home_currency}},
        "domain": "QBO", "sparse": False, "Id": "1", "SyncToken": str(company.prefs_sync),
        "MetaData": {"CreateTime": company.stamp(company.created), "LastUpdatedTime": company.stamp(company.created)},
    }
    return 200, {"Preferences": prefs, "time": company.stamp(ctx.now)}


def company_info(ctx: Ctx) -> tuple[int, dict]:
    company = ctx.company
    info = {"CompanyName": company.name, "LegalName": company.name, "Country": company.country,
            "CompanyAddr": {"Id": "1", "Line1": "1 Sandbox Street", "City": "Wellington", "Country": company.country},
            "FiscalYearStartMonth": MONTHS[company.fiscal_year_start_month - 1], "SupportedLanguages": "en",
            "CompanyStartDate": company.created.date().isoformat(), "Email": {"Address": "owner@sandbox.invalid"},
            "NameValue": [{"Name": "QBOIndustryType", "Value": "Construction Trades"}],
            "domain": "QBO", "sparse": False, "Id": "1", "SyncToken": "0",
            "MetaData": {"CreateTime": company.stamp(company.created),
                         "LastUpdatedTime": company.stamp(company.created)}}
    return 200, {"CompanyInfo": info, "time": company.stamp(ctx.now)}


def exchange_rate(ctx: Ctx, params: Mapping[str, str]) -> tuple[int, dict]:
    company = ctx.company
    source = (params.get("sourcecurrencycode") or "").upper()
    if not source:
        raise ctx.fault("2020", field="sourcecurrencycode", element="sourcecurrencycode")
    rate = Decimal(1) if source == company.home_currency else company.exchange_rates.get(source)
    if rate is None:
        raise ctx.fault("610", detail=f"No exchange rate for {source}")
    day = params.get("asofdate") or ctx.today.isoformat()
    return 200, {"ExchangeRate": {"SourceCurrencyCode": source, "TargetCurrencyCode": company.home_currency,
                                  "Rate": rate, "AsOfDate": day, "domain": "QBO", "sparse": False,
                                  "SyncToken": "0"}, "time": company.stamp(ctx.now)}
