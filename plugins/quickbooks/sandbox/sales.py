"""Invoice and Bill: validation, lines, tax and totals, DocNumber rules, void and delete.

DocNumber (≤ 21 chars): for invoices, when ``CustomTxnNumbers`` is on the number sent is used and
must be unique among invoices (6140, unless ``include=allowduplicatedocnum``); when off, QBO
numbers the invoice itself unless one is sent (stored even if duplicate, as the older docs say).
Bill numbers are checked per vendor (6140 unless ``allowduplicatedocnum``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from . import links
from .common import Ctx, a_date, check_fields, closed, live_ref, merge, number, ref, require
from .totals import MODES, ZERO, cents, compute, home

PARTY = {"Invoice": ("CustomerRef", "Customer"), "Bill": ("VendorRef", "Vendor")}
MAX_TAXABLE_LINES = 750
NO_TAX_RATE = "Make sure all your transactions have a GST rate before you save."  # sandbox wording for 6000


def _line_ids(current: dict[str, Any] | None) -> tuple[set[str], int]:
    ids = {str(line.get("Id")) for line in (current or {}).get("Line") or [] if line.get("Id")}
    top = max((int(i) for i in ids if i.isdigit()), default=0)
    return ids, top


def _tax_code(ctx: Ctx, detail: dict[str, Any], mode: str, index: int) -> str | None:
    code = detail.get("TaxCodeRef")
    company = ctx.company
    if company.us:
        value = (code or {}).get("value") if isinstance(code, dict) else None
        return "TAX" if value == "TAX" else "NON"
    if code is None:
        if mode == "NotApplicable":
            return None
        raise ctx.fault("6000", detail=NO_TAX_RATE, element=f"Line[{index}].TaxCodeRef")
    ident = str((code or {}).get("value", "")) if isinstance(code, dict) else ""
    if company.get("TaxCode", ident) is None:
        raise ctx.fault("2500", element=f"Line[{index}].TaxCodeRef")
    return ident


def _lines(ctx: Ctx, kind: str, raw_lines: Any, mode: str, current: dict | None) -> list[dict[str, Any]]:
    """Parse request lines into stored lines (without amounts' tax split), each with ``_code``."""
    if not isinstance(raw_lines, list):
        raise ctx.fault("2010", field="Line", entity=kind, element="Line")
    known, top = _line_ids(current)
    out: list[dict[str, Any]] = []
    for index, raw in enumerate(raw_lines):
        if not isinstance(raw, dict):
            raise ctx.fault("2010", field="Line", entity=kind, element="Line")
        dt = raw.get("DetailType")
        if dt == "SubTotalLineDetail":
            continue  # read-only, recomputed
        ident = str(raw["Id"]) if raw.get("Id") is not None and str(raw["Id"]) in known else None
        if ident is None:
            top += 1
            ident = str(top)
        line: dict[str, Any] = {"Id": ident}
        if raw.get("Description") is not None:
            line["Description"] = raw["Description"]
        detail_key = dt if dt in ("SalesItemLineDetail", "AccountBasedExpenseLineDetail",
                                  "ItemBasedExpenseLineDetail") else None
        allowed = ("SalesItemLineDetail", "DescriptionOnly") if kind == "Invoice" else (
            "AccountBasedExpenseLineDetail", "ItemBasedExpenseLineDetail")
        if dt not in allowed:
            if dt is None:
                raise ctx.fault("2020", field="DetailType", element=f"Line[{index}].DetailType")
            raise ctx.fault("6000", detail=f"Line DetailType {dt} is not supported on {kind} by the sandbox.",
                            element=f"Line[{index}].DetailType")
        detail = dict(raw.get(detail_key) or {}) if detail_key else {}
        if dt == "DescriptionOnly" or (dt == "SalesItemLineDetail" and not detail.get("ItemRef")):
            # a line without ItemRef is documentation: its Amount is ignored (fact sheet §1)
            line.update(DetailType="DescriptionOnly", DescriptionLineDetail=raw.get("DescriptionLineDetail") or {})
            out.append(line)
            continue
        amount = cents(number(ctx, require(ctx, raw, "Amount"), "Amount"))
        if detail.get("ItemRef") is not None:
            item = live_ref(ctx, "Item", detail["ItemRef"], f"Line[{index}].ItemRef")
            detail["ItemRef"] = ref(item)
            if kind == "Invoice" and item.get("IncomeAccountRef"):
                detail["ItemAccountRef"] = dict(item["IncomeAccountRef"])
        if dt == "AccountBasedExpenseLineDetail":
            account = live_ref(ctx, "Account", detail.get("AccountRef"), f"Line[{index}].AccountRef")
            detail["AccountRef"] = ref(account)
        qty, price = detail.get("Qty"), detail.get("UnitPrice")
        if qty is not None:
            detail["Qty"] = number(ctx, qty, "Qty")
        if price is not None:
            detail["UnitPrice"] = number(ctx, price, "UnitPrice")
        gross = amount
        if detail.get("TaxInclusiveAmt") is not None and mode == "TaxInclusive":
            gross = cents(number(ctx, detail["TaxInclusiveAmt"], "TaxInclusiveAmt"))
        if qty is not None and price is not None and cents(detail["Qty"] * detail["UnitPrice"]) not in (amount, gross):
            raise ctx.fault("6070", amount=format(amount, "f"), element=f"Line[{index}].Amount")
        code = _tax_code(ctx, detail, mode, index)
        if code is not None and not ctx.company.us:
            detail["TaxCodeRef"] = {"value": code}
        elif ctx.company.us:
            detail["TaxCodeRef"] = {"value": code}
        detail.pop("TaxInclusiveAmt", None)
        line.update(Amount=gross, DetailType=dt, **{dt: detail}, _code=code)
        out.append(line)
    return out


def _rates(ctx: Ctx, kind: str, body: dict[str, Any]) -> dict[str, list[tuple[str, Decimal]]]:
    company = ctx.company
    list_key = "SalesTaxRateList" if kind == "Invoice" else "PurchaseTaxRateList"

    def of(code: dict[str, Any]) -> list[tuple[str, Decimal]]:
        return [(d["TaxRateRef"]["value"], company.table("TaxRate")[d["TaxRateRef"]["value"]]["RateValue"])
                for d in code.get(list_key, {}).get("TaxRateDetail", [])]

    if company.us:
        txn_code = ((body.get("TxnTaxDetail") or {}).get("TxnTaxCodeRef") or {}).get("value")
        code = company.get("TaxCode", str(txn_code)) if txn_code else None
        return {"TAX": of(code) if code else [], "NON": []}
    return {ident: of(code) for ident, code in company.table("TaxCode").items()}


def _doc_number(ctx: Ctx, kind: str, data: dict[str, Any], current: dict | None, party_id: str) -> None:
    company = ctx.company
    number_ = data.get("DocNumber")
    if kind == "Invoice" and not company.custom_txn_numbers and not number_:
        data["DocNumber"] = (current or {}).get("DocNumber") or company.next_doc_number()
        return
    if number_ in (None, ""):
        data.pop("DocNumber", None)
        return
    number_ = str(number_)
    if len(number_) > 21:
        raise ctx.fault("2050", limit=21, length=len(number_), element="DocNumber")
    data["DocNumber"] = number_
    if "allowduplicatedocnum" in ctx.include or (kind == "Invoice" and not company.custom_txn_numbers):
        return
    if current is not None and current.get("DocNumber") == number_:
        return
    for other in company.all(kind):
        if other.get("DocNumber") == number_ and (current is None or other["Id"] != current["Id"]):
            if kind == "Bill" and other["VendorRef"]["value"] != party_id:
                continue
            raise ctx.fault("6140", number=number_, txn_type=kind, txn_id=other["Id"], element="DocNumber")


def currency_and_rate(ctx: Ctx, data: dict[str, Any], party: dict[str, Any]) -> tuple[str, Decimal]:
    """CurrencyRef (required with multicurrency; must be the party's) and ExchangeRate (1 when omitted)."""
    company = ctx.company
    given = data.get("CurrencyRef")
    if company.multicurrency and not given:
        raise ctx.fault("2020", field="CurrencyRef", element="CurrencyRef")
    code = str((given or {}).get("value") or company.home_currency).upper() if isinstance(given, (dict, type(None))) \
        else ""
    if code != party["CurrencyRef"]["value"]:
        raise ctx.fault("6000", detail=f"The currency of the transaction ({code}) must match the currency of "
                                       f"{party['DisplayName']} ({party['CurrencyRef']['value']}).",
                        element="CurrencyRef")
    if code == company.home_currency:
        return code, Decimal(1)
    rate = data.get("ExchangeRate")
    rate = number(ctx, rate, "ExchangeRate") if rate is not None else Decimal(1)
    if rate <= 0:
        raise ctx.fault("6000", detail="ExchangeRate must be greater than zero.", element="ExchangeRate")
    return code, rate


def save(ctx: Ctx, kind: str, body: dict[str, Any], current: dict[str, Any] | None, sparse: bool) -> dict:
    """Create (``current`` None) or update an Invoice/Bill."""
    check_fields(ctx, kind, body)
    company = ctx.company
    if current is not None:
        closed(ctx, a_date(ctx, current["TxnDate"], "TxnDate"))
        if (kind, current["Id"]) in company.voided:
            raise ctx.fault("6000", detail=f"This {kind.lower()} has been voided and can't be changed.")
    data = merge(current, body, sparse) if current is not None else merge({}, body, False)
    party_key, party_kind = PARTY[kind]
    party = live_ref(ctx, party_kind, require(ctx, data, party_key), party_key)
    data[party_key] = ref(party, "DisplayName")
    if current is not None and current[party_key]["value"] != party["Id"] and links.applications(
            company, kind, current["Id"]):
        raise ctx.fault("6000", detail=f"This {kind.lower()} has payments linked to it; its "
                                       f"{party_kind.lower()} can't be changed.")
    mode = data.get("GlobalTaxCalculation")
    if company.us:
        mode = "TaxExcluded"
        data.pop("GlobalTaxCalculation", None)
    elif mode is None:
        raise ctx.fault("2020", field="GlobalTaxCalculation", element="GlobalTaxCalculation")
    elif mode not in MODES:
        raise ctx.fault("2010", field="GlobalTaxCalculation", entity=kind, element="GlobalTaxCalculation")
    lines = _lines(ctx, kind, require(ctx, data, "Line"), mode, current)
    priced = [line for line in lines if "_code" in line]
    if not priced and kind == "Bill":
        raise ctx.fault("2020", field="Line", element="Line")
    code, rate = currency_and_rate(ctx, data, party)
    txn_date = a_date(ctx, data["TxnDate"], "TxnDate") if data.get("TxnDate") else ctx.today
    closed(ctx, txn_date)
    due = a_date(ctx, data["DueDate"], "DueDate") if data.get("DueDate") else txn_date
    _doc_number(ctx, kind, data, current, party["Id"])
    override = None
    sent_tax = body.get("TxnTaxDetail")
    if isinstance(sent_tax, dict) and sent_tax.get("TotalTax") is not None:
        override = number(ctx, sent_tax["TotalTax"], "TxnTaxDetail.TotalTax")
    computed = compute([(line["Amount"], line["_code"]) for line in priced], mode, _rates(ctx, kind, data), override)
    if computed.tax_lines and len(priced) > MAX_TAXABLE_LINES:
        raise ctx.fault("6000", detail=f"A taxable transaction can have at most {MAX_TAXABLE_LINES} lines.")
    for line, net, gross in zip(priced, computed.nets, computed.grosses):
        detail = line[line["DetailType"]]
        line["Amount"] = net
        if mode == "TaxInclusive" and line.pop("_code") is not None:
            detail["TaxInclusiveAmt"] = gross
        line.pop("_code", None)
    for number_, line in enumerate(lines, start=1):
        line["LineNum"] = number_
    out_lines = list(lines)
    if kind == "Invoice":
        out_lines.append({"Amount": sum(computed.nets, ZERO), "DetailType": "SubTotalLineDetail",
                          "SubTotalLineDetail": {}})
    tax_detail: dict[str, Any] = {"TotalTax": computed.total_tax, "TaxLine": [
        {"Amount": t.amount, "DetailType": "TaxLineDetail",
         "TaxLineDetail": {"TaxRateRef": {"value": t.rate_id}, "PercentBased": True, "TaxPercent": t.percent,
                           "NetAmountTaxable": t.net_taxable}} for t in computed.tax_lines]}
    if company.us and isinstance(data.get("TxnTaxDetail"), dict) and data["TxnTaxDetail"].get("TxnTaxCodeRef"):
        tax_detail["TxnTaxCodeRef"] = data["TxnTaxDetail"]["TxnTaxCodeRef"]
    total = computed.total
    applied = sum((a for _, a in links.applications(company, kind, current["Id"])), ZERO) if current else ZERO
    if total < applied:
        raise ctx.fault("6000", detail=f"The {kind.lower()} total ({total}) can't be less than the payments "
                                       f"applied to it ({applied}).")
    data.update(Line=out_lines, TxnTaxDetail=tax_detail, TxnDate=txn_date.isoformat(), DueDate=due.isoformat(),
                CurrencyRef={"value": code, "name": code}, TotalAmt=total, Balance=total - applied)
    if code != company.home_currency:
        data.update(ExchangeRate=rate, HomeTotalAmt=home(total, rate), HomeBalance=home(total - applied, rate))
    else:
        data.pop("ExchangeRate", None)
        data.pop("HomeTotalAmt", None)
        data.pop("HomeBalance", None)
    if kind == "Invoice":
        data.setdefault("EmailStatus", "NotSet")
        data.setdefault("PrintStatus", "NotSet")
    if kind == "Bill" and data.get("APAccountRef"):
        account = live_ref(ctx, "Account", data["APAccountRef"], "APAccountRef")
        data["APAccountRef"] = ref(account)
    if current is not None:
        data.update({k: current[k] for k in ("Id", "SyncToken", "MetaData") if k in current})
        if current.get("LinkedTxn"):
            data["LinkedTxn"] = current["LinkedTxn"]
    company.touch(kind, data, ctx.now, created=current is None)
    return data


def void(ctx: Ctx, kind: str, doc: dict[str, Any]) -> dict[str, Any]:
    """Zero amounts and quantities, prefix PrivateNote with "Voided", unapply linked payments."""
    company = ctx.company
    closed(ctx, a_date(ctx, doc["TxnDate"], "TxnDate"))
    payer = links.PAYER[kind]
    for payment_id in {p for p, _ in links.applications(company, kind, doc["Id"])}:
        payment = company.get(payer, payment_id)
        for line in payment.get("Line") or []:
            line["LinkedTxn"] = [link for link in line.get("LinkedTxn") or []
                                 if not (link.get("TxnType") == kind and str(link.get("TxnId")) == doc["Id"])]
        payment["Line"] = [line for line in payment["Line"] if line["LinkedTxn"]]
        payment["UnappliedAmt"] = payment["TotalAmt"] - sum((line["Amount"] for line in payment["Line"]), ZERO)
        company.touch(payer, payment, ctx.now)
    for line in doc.get("Line") or []:
        if "Amount" in line:
            line["Amount"] = ZERO
        detail = line.get(line.get("DetailType", ""), {})
        if isinstance(detail, dict):
            for key in ("Qty", "TaxInclusiveAmt"):
                if key in detail:
                    detail[key] = ZERO
    tax = doc.get("TxnTaxDetail") or {}
    tax["TotalTax"] = ZERO
    for tax_line in tax.get("TaxLine") or []:
        tax_line["Amount"] = ZERO
        tax_line["TaxLineDetail"]["NetAmountTaxable"] = ZERO
    note = doc.get("PrivateNote")
    doc["PrivateNote"] = f"Voided - {note}" if note else "Voided"
    doc.update(TotalAmt=ZERO, Balance=ZERO)
    for key in ("HomeTotalAmt", "HomeBalance"):
        if key in doc:
            doc[key] = ZERO
    doc.pop("LinkedTxn", None)
    company.voided.add((kind, doc["Id"]))
    company.touch(kind, doc, ctx.now)
    return doc


def delete(ctx: Ctx, kind: str, doc: dict[str, Any]) -> dict[str, Any]:
    """Delete a document with no linked payments (they must be unlinked first)."""
    closed(ctx, a_date(ctx, doc["TxnDate"], "TxnDate"))
    if links.applications(ctx.company, kind, doc["Id"]):
        raise ctx.fault("6000", detail="You must unlink any linked transactions before deleting this "
                                       "transaction.")  # exact code unverified (fact sheet §4)
    return ctx.company.remove(kind, doc, ctx.now)
