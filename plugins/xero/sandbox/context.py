"""What a write operation needs (ledger, time, options) and what it returns per element."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from . import messages
from .store import Ledger
from .wire import WireError, parse_date


@dataclass
class Context:
    ledger: Ledger
    now: datetime
    unitdp: int = 2
    texts: Any = messages  # module or object with the message constants (overridable per sandbox)
    max_page_size: int = 1000  # Xero's cap; tests shrink it to cross page boundaries cheaply

    @property
    def today(self) -> date:
        return self.now.date()


@dataclass
class Result:
    """One element's outcome: the rendered document, or the echoed element with its errors."""

    body: dict[str, Any]
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class Invalid(Exception):
    """Stops validating an element with one message."""


def failed(element: Any, errors: list[str], flag: str) -> Result:
    """Echo ``element`` with its ValidationErrors (``flag`` is HasErrors or HasValidationErrors)."""
    echo = dict(element) if isinstance(element, dict) else {}
    echo.update({"StatusAttributeString": "ERROR", flag: True, "ValidationErrors": [{"Message": m} for m in errors]})
    return Result(echo, errors)


def succeeded(body: dict[str, Any], warnings: list[str]) -> Result:
    body = dict(body)
    body["StatusAttributeString"] = "WARNING" if warnings else "OK"
    if warnings:
        body["Warnings"] = [{"Message": w} for w in warnings]
    return Result(body, [], warnings)


def number(value: Any, field_name: str) -> Decimal:
    """A JSON number (Decimal/int) or numeric string, exactly; floats never reach here."""
    if isinstance(value, bool) or value is None:
        raise Invalid(f"{field_name} must be a number")
    if isinstance(value, (Decimal, int)):
        return Decimal(value)
    if isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise Invalid(f"{field_name} must be a number, not '{value}'") from None
        if result.is_finite():
            return result
    raise Invalid(f"{field_name} must be a number")


def a_date(value: Any, field_name: str) -> date:
    try:
        return parse_date(value, field_name)
    except WireError as exc:
        raise Invalid(str(exc)) from None


def lock_error(ctx: Context, when: date) -> str | None:
    """The lock-date message if a document dated ``when`` may not be posted."""
    org = ctx.ledger.org
    if org.end_of_year_lock_date and when <= org.end_of_year_lock_date:
        return ctx.texts.date_before_end_of_year_lock(org.end_of_year_lock_date)
    if org.period_lock_date and when <= org.period_lock_date:
        return ctx.texts.date_before_period_lock(org.period_lock_date)
    return None


def edit_lock_error(ctx: Context, when: date) -> str | None:
    """The message if a posted document dated ``when`` may not be changed."""
    org = ctx.ledger.org
    if org.end_of_year_lock_date and when <= org.end_of_year_lock_date:
        return ctx.texts.edit_before_lock("end of year")
    if org.period_lock_date and when <= org.period_lock_date:
        return ctx.texts.edit_before_lock("period")
    return None
