"""Xero's failure responses as fault presets (``kind`` names for :class:`core.sandbox.faults.FaultPlan`).

Bodies are Xero's own where known (research §4.1): plain-text 503s during maintenance and for an
offline organisation, an HTML "Xero | Error 500" page, the problem-JSON 500/401/403, and a 429
with ``Retry-After`` and ``X-Rate-Limit-Problem``. The 429 body is sandbox wording.
"""

from __future__ import annotations

import json

TEXT = "text/plain; charset=utf-8"
JSON = "application/json; charset=utf-8"


def _problem(status: int, title: str, detail: str) -> str:
    return json.dumps({"Type": None, "Title": title, "Status": status, "Detail": detail,
                       "Instance": "00000000-0000-0000-0000-000000000000", "Extensions": {}})


HTML_500 = ("<!DOCTYPE html>\n<html><head><title>Xero | Error 500</title></head><body>"
            "<h1>Sorry, something went wrong</h1><p>Error 500. We've been notified and are looking into it."
            "</p></body></html>")

PRESETS: dict[str, dict] = {
    "maintenance": {"status": 503, "body": "The Xero API is currently offline for maintenance", "content_type": TEXT},
    "unavailable": {"status": 503, "body": "The Xero API is temporarily unavailable", "content_type": TEXT},
    "org_offline": {"status": 503, "body": "The Organisation is offline", "content_type": TEXT},
    "html_500": {"status": 500, "body": HTML_500, "content_type": "text/html; charset=utf-8"},
    "error_500": {"status": 500, "content_type": JSON, "body": _problem(
        500, "An error occurred", "An error occurred in Xero. Check the API Status page "
        "http://status.developer.xero.com for current service status.")},
    "rate_limit": {"status": 429, "content_type": JSON, "headers": {"Retry-After": "60", "X-Rate-Limit-Problem": "minute"},
                   "body": _problem(429, "Too Many Requests", "Rate limit exceeded")},
    "token_expired": {"status": 401, "content_type": JSON, "headers": {"WWW-Authenticate": 'Bearer error="invalid_token"'},
                      "body": _problem(401, "Unauthorized", "TokenExpired: token expired")},
    "forbidden": {"status": 403, "content_type": JSON, "body": _problem(403, "Forbidden", "AuthenticationUnsuccessful")},
}
