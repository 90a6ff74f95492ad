"""MYOB failure responses as fault presets (``kind`` names for :class:`core.sandbox.faults.FaultPlan`).

JSON bodies use MYOB's error envelope (:mod:`.errors`). Over-rate is a **403** ``RateLimitError``
without ``Retry-After`` (research/myob.md §5); ``rate_limit_429`` is the defensive variant a
third-party source claims. The 503/500 HTML pages are sandbox wording (no MYOB page is quoted).
"""

from __future__ import annotations

import json

from . import errors

JSON = "application/json; charset=utf-8"
HTML = "text/html; charset=utf-8"


def _json(kind: errors.Kind, message: str | None = None) -> str:
    return json.dumps(errors.body(kind, message))


HTML_503 = ("<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head><body>"
            "<h1>Service Unavailable</h1><p>The MYOB API is temporarily unavailable. Please try again later.</p>"
            "</body></html>")
HTML_500 = ("<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head><body>"
            "<h1>Server Error</h1><p>Something went wrong.</p></body></html>")
INTERNAL = errors.Kind(500, "InternalError", None, "An unexpected error occurred")  # [sandbox]

PRESETS: dict[str, dict] = {
    "unavailable": {"status": 503, "body": HTML_503, "content_type": HTML},
    "maintenance": {"status": 503, "body": HTML_503, "content_type": HTML},
    "html_500": {"status": 500, "body": HTML_500, "content_type": HTML},
    "error_500": {"status": 500, "body": _json(INTERNAL), "content_type": JSON},
    "gateway_timeout": {"status": 504, "body": _json(errors.GATEWAY_TIMEOUT), "content_type": JSON},
    "rate_limit": {"status": 403, "body": _json(errors.RATE_LIMIT_SECOND), "content_type": JSON},
    "daily_limit": {"status": 403, "body": _json(errors.RATE_LIMIT_DAY), "content_type": JSON},
    "rate_limit_429": {"status": 429, "body": _json(errors.RATE_LIMIT_SECOND), "content_type": JSON},
    "token_invalid": {"status": 401, "body": _json(errors.TOKEN_INVALID), "content_type": JSON,
                      "headers": {"WWW-Authenticate": "Bearer"}},
    "developer_inactive": {"status": 403, "body": _json(errors.DEVELOPER_INACTIVE), "content_type": JSON},
    "validation_error": {"status": 400, "body": _json(errors.INJECTED), "content_type": JSON},
}
