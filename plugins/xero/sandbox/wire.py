"""Xero's wire format: MS-JSON dates, Decimal-exact JSON, response envelopes and error bodies."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any

from starlette.responses import Response

from core.sandbox.wire import exact_dumps

PROVIDER_NAME = "ledgerbridge Xero sandbox"
_MS_DATE = re.compile(r"/Date\((-?\d+)([+-]\d{4})?\)/")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MS = timedelta(milliseconds=1)


class WireError(ValueError):
    """A request value that cannot be read (Xero answers PostDataInvalidException)."""


def ms_date(value: date | datetime) -> str:
    """``/Date(1700000000000+0000)/`` for a date (midnight UTC) or an aware datetime."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    millis = (value - _EPOCH) // _MS
    return f"/Date({millis}+0000)/"


def date_string(value: date) -> str:
    """The ``DateString`` companion: ``2019-03-07T00:00:00``."""
    return f"{value.isoformat()}T00:00:00"


def datetime_string(value: datetime) -> str:
    """The ``UpdatedDateUTCString`` companion (ISO-8601, UTC, no offset)."""
    return value.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="milliseconds")


def parse_date(value: Any, field: str = "Date") -> date:
    """A request date: ``YYYY-MM-DD``, ``YYYY-MM-DDTHH:MM:SS`` or MS-JSON."""
    if isinstance(value, str):
        match = _MS_DATE.fullmatch(value.strip())
        if match:
            return (_EPOCH + int(match.group(1)) * _MS).date()
        try:
            return datetime.fromisoformat(value.strip()).date()
        except ValueError:
            pass
    raise WireError(f"The string '{value}' is not a valid AllXsd value.")


def parse_http_datetime(value: str) -> datetime:
    """An ``If-Modified-Since`` value: ISO-8601 (UTC unless an offset is given) or an HTTP date."""
    text = value.strip()
    try:
        result = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            result = parsedate_to_datetime(text)
        except (TypeError, ValueError) as exc:
            raise WireError(f"If-Modified-Since: {value!r} is not a date-time") from exc
    if result.tzinfo is None:
        result = result.replace(tzinfo=timezone.utc)
    return result.astimezone(timezone.utc)


def loads(raw: bytes) -> Any:
    """Parse a request body; numbers with a fraction become Decimal, never float."""
    try:
        return json.loads(raw.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, ValueError) as exc:
        raise WireError(f"The request body is not valid JSON: {exc}") from exc


def _other(value: Any) -> str | None:
    if isinstance(value, (datetime, date)):
        return f'"{ms_date(value)}"'
    if isinstance(value, uuid.UUID):
        return f'"{value}"'
    return None


def dumps(value: Any) -> bytes:
    """JSON with Decimals as exact numbers and dates/datetimes as MS-JSON dates."""
    return exact_dumps(value, _other, "a Xero")


class XeroJSON(Response):
    media_type = "application/json; charset=utf-8"

    def render(self, content: Any) -> bytes:
        return dumps(content)


def envelope(now: datetime, key: str, items: list[Any], **extra: Any) -> dict[str, Any]:
    """``{"Id", "Status": "OK", "ProviderName", "DateTimeUTC", <extra>, key: items}``."""
    body: dict[str, Any] = {"Id": str(uuid.uuid4()), "Status": "OK", "ProviderName": PROVIDER_NAME,
                            "DateTimeUTC": ms_date(now)}
    body.update({k: v for k, v in extra.items() if v is not None})
    body[key] = items
    return body


def validation_exception(elements: list[dict[str, Any]]) -> dict[str, Any]:
    """The 400 body for a summarised batch (only the failing elements)."""
    return {"ErrorNumber": 10, "Type": "ValidationException", "Message": "A validation exception occurred",
            "Elements": elements}


def api_exception(number: int, kind: str, message: str) -> dict[str, Any]:
    """A 400 body for a request-level error (PostDataInvalidException, QueryParseException …)."""
    return {"ErrorNumber": number, "Type": kind, "Message": message}


def problem(status: int, title: str, detail: str) -> dict[str, Any]:
    """The identity-style problem body Xero uses for 401/403/500."""
    return {"Type": None, "Title": title, "Status": status, "Detail": detail, "Instance": str(uuid.uuid4()),
            "Extensions": {}}
