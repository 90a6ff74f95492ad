"""MYOB's wire format: Decimal-exact JSON (floats refused), ``YYYY-MM-DDTHH:MM:SS`` dates, row versions.

The Business API speaks PascalCase, legacy Essentials camelCase; both share this encoder. Request
bodies are parsed with every fractional number as :class:`~decimal.Decimal`, so money never passes
through float; encoding a float raises (a sandbox bug, never silently rounded).
"""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from starlette.responses import Response

from core.sandbox.wire import exact_dumps


class WireError(ValueError):
    """A request body or value that cannot be read."""


def loads(raw: bytes) -> Any:
    """Parse a request body; numbers with a fraction or exponent become Decimal."""
    try:
        return json.loads(raw.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, ValueError) as exc:
        raise WireError(f"Unexpected character encountered while parsing value: {exc}") from exc


def timestamp(value: datetime) -> str:
    """A naive UTC timestamp with milliseconds (MYOB's ``LastModified`` style)."""
    return value.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="milliseconds")


def day(value: date) -> str:
    """A business date as MYOB writes it: ``2026-03-02T00:00:00``."""
    return f"{value.isoformat()}T00:00:00"


def parse_day(value: Any) -> date:
    """``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM:SS[.fff]`` (time ignored)."""
    if isinstance(value, str) and value.strip():
        try:
            return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).date()
        except ValueError:
            pass
    raise WireError(f"Error converting value {json.dumps(value, default=str)} to type 'System.DateTime'.")


def parse_timestamp(value: str) -> datetime:
    """A filter/request date-time; naive values are read as UTC."""
    try:
        result = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise WireError(f"'{value}' is not a valid date-time") from exc
    return result if result.tzinfo else result.replace(tzinfo=timezone.utc)


def row_version() -> str:
    """A fresh RowVersion: a signed 64-bit number as a string, like ``"-6933843581174022144"``."""
    return str(random.getrandbits(64) - 2 ** 63)


def _other(value: Any) -> str | None:
    if isinstance(value, datetime):
        return f'"{timestamp(value)}"'
    if isinstance(value, date):
        return f'"{day(value)}"'
    return None


def dumps(value: Any) -> bytes:
    """JSON with Decimals as exact numbers and dates in MYOB's format."""
    return exact_dumps(value, _other, "a MYOB")


class MyobJSON(Response):
    media_type = "application/json; charset=utf-8"

    def render(self, content: Any) -> bytes:
        return dumps(content)
