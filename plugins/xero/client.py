"""The Xero Accounting API client: :class:`core.http.ApiClient` with Xero's headers and words.

Why not the official SDK (xero-python): it hard-codes the token URLs (no sandbox), has no
timeouts, no Retry-After handling and no locking around token refresh, and its configuration
object is a process-wide singleton — wrong for many tenants in one worker. The plugin needs
about a dozen endpoints, so a small client on httpx is cheaper than tracking its regenerations.

Every call carries ``xero-tenant-id``; writes an ``Idempotency-Key`` (≤ 128 characters);
incremental reads ``If-Modified-Since``. 400 validation answers and 404s go back to the caller,
which reads them per element. ``X-*-Remaining`` headers are kept in :attr:`XeroClient.budget`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

import httpx

from core.http import ApiClient, describe_body, number, seconds


@dataclass
class Budget:
    """What Xero said is left after the last call."""

    day: int | None = None
    minute: int | None = None
    app_minute: int | None = None


class XeroClient(ApiClient):
    vendor = "Xero"
    passthrough = frozenset({400, 404})

    def __init__(self, api_url: str, tenant_id: str, token: Callable[..., str], **kwargs: Any):
        kwargs.setdefault("limiter_key", tenant_id)
        super().__init__(api_url, token, headers={"xero-tenant-id": tenant_id}, **kwargs)
        self.tenant_id = tenant_id
        self.budget = Budget()

    def request(self, method: str, path: str, *, idempotency_key: str | None = None,  # type: ignore[override]
                modified_since: datetime | None = None, **kwargs: Any) -> httpx.Response:
        headers = {}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key[:128]
        if modified_since is not None:
            headers["If-Modified-Since"] = modified_since.strftime("%Y-%m-%dT%H:%M:%S")
        return super().request(method, path, headers=headers, **kwargs)

    def describe(self, response: httpx.Response) -> str:
        return describe_body(response, validation_messages)

    def rate_limit(self, response: httpx.Response) -> tuple[str, float | None] | None:
        if response.status_code != 429:
            return None
        return response.headers.get("X-Rate-Limit-Problem", "unknown"), seconds(response.headers.get("Retry-After"))

    def observe(self, response: httpx.Response) -> None:
        headers = response.headers
        self.budget = Budget(number(headers.get("X-DayLimit-Remaining")), number(headers.get("X-MinLimit-Remaining")),
                             number(headers.get("X-AppMinLimit-Remaining")))


def describe(response: httpx.Response) -> str:
    """Xero's own words from any error body."""
    return describe_body(response, validation_messages)


def validation_messages(data: Any) -> list[str]:
    """Every ``ValidationErrors[].Message`` in a Xero body, in order, without repeats."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for error in node.get("ValidationErrors") or []:
                message = error.get("Message") if isinstance(error, dict) else None
                if message and message not in found:
                    found.append(message)
            for value in node.values():
                if isinstance(value, (dict, list)):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    if not found and isinstance(data, dict) and data.get("Type") and data.get("Message"):
        found.append(str(data["Message"]))
    return found
