"""Checks shared by the write handlers: fields, links, money, and the date rules.

Date rules (research/myob.md §4): a transaction dated before the start of the current financial
year is refused (``DatePriorToBeginningOfFinancialYear``, 25008); one dated before
``LockPeriodPriorTo`` (or on it, with ``lock_inclusive``) is refused as in a locked period;
with ``TransactionsCannotBeChangedMustBeReversed`` transactions cannot be changed or deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from . import errors
from .errors import MyobError
from .store import Business
from .wire import WireError, parse_day


@dataclass
class Ctx:
    """What a handler needs: the business, the time, and the company file URI used."""

    business: Business
    now: datetime
    cf: str


def need(body: dict, key: str, where: str = "") -> Any:
    value = body.get(key)
    if value is None or value == "":
        raise MyobError(errors.REQUIRED, f"{where}{key} is required", details=f"{where}{key}")
    return value


def money(value: Any, field: str) -> Decimal:
    """An exact amount: a JSON number (never float) or numeric string, at most 2 decimal places."""
    if isinstance(value, bool) or value is None or isinstance(value, float):
        raise MyobError(errors.INVALID_VALUE, f"{field} must be a number", details=field)
    try:
        amount = Decimal(value) if isinstance(value, (Decimal, int)) else Decimal(str(value).strip())
    except InvalidOperation:
        raise MyobError(errors.SERIALIZATION, f"Could not convert string to decimal: {value}.", details=field) from None
    if not amount.is_finite():
        raise MyobError(errors.INVALID_VALUE, f"{field} must be a number", details=field)
    if amount != amount.quantize(Decimal("0.01")):
        raise MyobError(errors.INVALID_VALUE, f"{field} cannot have more than 2 decimal places", details=field)
    return amount.quantize(Decimal("0.01"))


def decimal(value: Any, field: str) -> Decimal:
    """A quantity or price: any exact number."""
    if isinstance(value, bool) or value is None or isinstance(value, float):
        raise MyobError(errors.INVALID_VALUE, f"{field} must be a number", details=field)
    try:
        result = Decimal(value) if isinstance(value, (Decimal, int)) else Decimal(str(value).strip())
    except InvalidOperation:
        raise MyobError(errors.SERIALIZATION, f"Could not convert string to decimal: {value}.", details=field) from None
    if not result.is_finite():
        raise MyobError(errors.INVALID_VALUE, f"{field} must be a number", details=field)
    return result


def a_date(value: Any, field: str = "Date") -> date:
    try:
        return parse_day(value)
    except WireError as exc:
        raise MyobError(errors.SERIALIZATION, str(exc), details=field) from None


def link(body: dict, key: str, required: bool = True) -> str | None:
    """The UID of a link field ``{"UID": …}``."""
    value = body.get(key)
    if value is None:
        if required:
            raise MyobError(errors.REQUIRED, f"{key} is required", details=f"{key}.UID")
        return None
    uid = value.get("UID") if isinstance(value, dict) else None
    if not isinstance(uid, str) or not uid.strip():
        raise MyobError(errors.REQUIRED, f"{key}.UID is required", details=f"{key}.UID")
    return uid.strip().lower()


def refuse_identity_on_post(body: dict, lines_key: str | None = None) -> None:
    """UID, RowVersion (and a line's RowID/RowVersion) on POST → 409 (research §3)."""
    offending = [k for k in ("UID", "RowVersion") if body.get(k) not in (None, "")]
    for line in (body.get(lines_key) or []) if lines_key else []:
        if isinstance(line, dict):
            offending += [f"{lines_key}.{k}" for k in ("RowID", "RowVersion") if line.get(k) not in (None, "")]
    if offending:
        raise MyobError(errors.ROW_VERSION, details=", ".join(sorted(set(offending))) + " must not be sent on POST")


def check_row_version(current: str, sent: Any, what: str = "RowVersion") -> None:
    if sent is None or str(sent) != current:
        raise MyobError(errors.ROW_VERSION, details=what)


def check_date(ctx: Ctx, when: date) -> None:
    """Refuse a transaction date before the financial year or in the lock period."""
    b = ctx.business
    if when < b.financial_year_start:
        raise MyobError(errors.PRIOR_TO_FY, details=f"Date:{when.isoformat()} FinancialYearStart:{b.financial_year_start.isoformat()}")
    lock = b.lock_period_prior_to
    if lock is not None and (when < lock or (b.lock_inclusive and when == lock)):
        raise MyobError(errors.LOCK_PERIOD, details="DateOccurred:(SaleEvent)")


def check_changeable(ctx: Ctx, when: date, deleting: bool = False) -> None:
    """A saved transaction may be changed/deleted only outside locks and without must-reverse."""
    if ctx.business.must_reverse:
        raise MyobError(errors.CANNOT_DELETE if deleting else errors.CANNOT_CHANGE)
    check_date(ctx, when)
