"""QuickBooks Online's wire format: Decimal-exact JSON, a minimal XML rendering, times, responses.

QBO answers JSON only when the request's ``Accept`` asks for ``application/json``; anything
else gets XML (``<IntuitResponse xmlns=… time=…>``). Money is ``Decimal`` end to end: request
numbers are parsed as Decimal and the encoder refuses floats.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Mapping
from xml.sax.saxutils import escape, quoteattr

from starlette.responses import Response

from core.sandbox.wire import exact_dumps

NAMESPACE = "http://schema.intuit.com/finance/v3"
JSON_TYPE = "application/json;charset=UTF-8"
XML_TYPE = "application/xml;charset=UTF-8"
# Keys rendered as XML attributes (when their value is scalar), as in QBO's XML.
_ATTRIBUTES = {"domain", "sparse", "status", "startPosition", "maxResults", "totalCount", "type", "code",
               "element", "bId", "time"}


class WireError(ValueError):
    """A request body that cannot be read."""


def loads(raw: bytes) -> Any:
    """Parse a JSON request body; fractional numbers become Decimal, never float."""
    try:
        return json.loads(raw.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, ValueError) as exc:
        raise WireError(f"the request body is not valid JSON: {exc}") from exc


def dumps(value: Any) -> bytes:
    """JSON with Decimals as exact numbers (``100.00`` stays ``100.00``)."""
    return exact_dumps(value, vendor="a QuickBooks")


def _scalar(value: Any) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _xml(tag: str, value: Any, out: list[str]) -> None:
    if isinstance(value, (list, tuple)):
        for item in value:
            _xml(tag, item, out)
        return
    if value is None:
        return
    if not isinstance(value, Mapping):
        out.append(f"<{tag}>{escape(_scalar(value))}</{tag}>")
        return
    attrs = [(k, v) for k, v in value.items() if k in _ATTRIBUTES and not isinstance(v, (Mapping, list))
             and v is not None]
    text = None
    if "value" in value and not isinstance(value["value"], (Mapping, list)):  # a ReferenceType
        text = value["value"]
        attrs += [(k, v) for k, v in value.items() if k == "name" and v is not None]
    head = tag + "".join(f" {k}={quoteattr(_scalar(v))}" for k, v in attrs)
    out.append(f"<{head}>")
    if text is not None:
        out.append(escape(_scalar(text)))
    for key, item in value.items():
        if (key, item) in attrs or (text is not None and key in ("value", "name")):
            continue
        _xml(key, item, out)
    out.append(f"</{tag}>")


def to_xml(body: Mapping[str, Any]) -> bytes:
    """``<IntuitResponse>`` with ``body``'s keys as children (``time`` as an attribute)."""
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n']
    stamp = body.get("time")
    out.append(f'<IntuitResponse xmlns="{NAMESPACE}"' + (f" time={quoteattr(str(stamp))}" if stamp else "") + ">")
    for key, value in body.items():
        if key != "time":
            _xml(key, value, out)
    out.append("</IntuitResponse>")
    return "".join(out).encode("utf-8")


def wants_json(accept: str | None) -> bool:
    return "application/json" in (accept or "").lower()


def respond(body: Mapping[str, Any], status: int = 200, *, json_wanted: bool = True,
            headers: Mapping[str, str] | None = None) -> Response:
    """A JSON or XML response for ``body`` (an envelope dict)."""
    if json_wanted:
        return Response(dumps(body), status, headers=dict(headers or {}), media_type=JSON_TYPE)
    return Response(to_xml(body), status, headers=dict(headers or {}), media_type=XML_TYPE)


def new_tid() -> str:
    """An ``intuit_tid`` value: a request id for Intuit support."""
    return "1-" + uuid.uuid4().hex[:8] + "-" + uuid.uuid4().hex[:24]


def stamp(when: datetime, offset: timedelta) -> str:
    """``2015-07-24T10:33:39.110-07:00``: a time in the company's (fixed) offset, millisecond precision."""
    local = when.astimezone(timezone(offset))
    return local.isoformat(timespec="milliseconds")


def local_date(when: datetime, offset: timedelta) -> date:
    return when.astimezone(timezone(offset)).date()


def parse_time(text: str) -> datetime:
    """An ISO date or date-time (offset optional; none means UTC)."""
    value = text.strip().replace("Z", "+00:00")
    result = datetime.fromisoformat(value) if "T" in value or " " in value else datetime.fromisoformat(value + "T00:00:00")
    return result if result.tzinfo else result.replace(tzinfo=timezone.utc)
