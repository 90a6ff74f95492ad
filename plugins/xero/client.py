"""A thin Xero Accounting API client on httpx: auth, tenant header, timeouts, limits, error classes.

Why not the official SDK (xero-python): it hard-codes the token URLs (no sandbox), has no
timeouts, no Retry-After handling and no locking around token refresh, and its configuration
object is a process-wide singleton — wrong for many tenants in one worker. The plugin needs
about a dozen endpoints, so a small typed client is cheaper than tracking its regenerations.

Every call: ``Authorization: Bearer``, ``xero-tenant-id``, ``Accept: application/json``, explicit
timeouts, a client-side limiter (5 concurrent, 60/min, 5,000/day per tenant, 10,000/min per app)
and a few quick retries of transient failures honouring ``Retry-After``. What is still failing
after that is raised as :class:`TransientError` / :class:`PermanentError` for the core to
schedule. 400 validation answers are returned to the caller, which reads them per element.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

import httpx
import structlog

from core.accounting import NeedsReauth, PermanentError, TransientError
from plugins.xero.mapping import dumps, loads

log = structlog.get_logger(__name__)

TIMEOUT = httpx.Timeout(30.0, connect=10.0)
RETRY_WITHIN_CALL = 3          # attempts of one request before the core takes over
LONGEST_WAIT_IN_CALL = 20.0    # seconds; a longer Retry-After is left to the core's schedule


class Unauthorized(Exception):
    """The access token was refused (401): refresh it and try once more."""


@dataclass
class Budget:
    """What Xero said is left (``X-*-Remaining`` headers) after the last call."""

    day: int | None = None
    minute: int | None = None
    app_minute: int | None = None


class XeroClient:
    """One tenant connection. *token* returns a valid access token (``force=True`` after a 401)."""

    def __init__(self, api_url: str, tenant_id: str, token: Callable[..., str], *,
                 transport: httpx.BaseTransport | None = None, limiter: Any = None, limiter_key: str = "",
                 sleep: Callable[[float], None] = time.sleep, timeout: httpx.Timeout = TIMEOUT):
        self.tenant_id = tenant_id
        self.token = token
        self.limiter = limiter
        self.limiter_key = limiter_key or tenant_id
        self.sleep = sleep
        self.budget = Budget()
        self.calls = 0
        self._http = httpx.Client(base_url=api_url.rstrip("/") + "/", timeout=timeout, transport=transport,
                                  headers={"Accept": "application/json", "User-Agent": "ledgerbridge"})
        self._lock = threading.Lock()

    def close(self) -> None:
        self._http.close()

    # -- one request ---------------------------------------------------------------------------------
    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = None,
                idempotency_key: str | None = None, modified_since: datetime | None = None) -> httpx.Response:
        """Send with quick retries; returns a 2xx, 400 or 404 response, raises for everything else."""
        headers = {"xero-tenant-id": self.tenant_id}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key[:128]
        if modified_since is not None:
            headers["If-Modified-Since"] = modified_since.strftime("%Y-%m-%dT%H:%M:%S")
        content = dumps(body) if body is not None else None
        if content is not None:
            headers["Content-Type"] = "application/json"
        last: TransientError | None = None
        for attempt in range(1, RETRY_WITHIN_CALL + 1):
            try:
                return self._send(method, path, params, content, headers)
            except TransientError as exc:
                last = exc
                wait = exc.retry_after if exc.retry_after is not None else min(2.0 ** attempt, 8.0)
                if attempt == RETRY_WITHIN_CALL or wait > LONGEST_WAIT_IN_CALL:
                    break
                log.info("xero transient failure, retrying", path=path, attempt=attempt, wait=wait,
                         error=exc.message)
                self.sleep(wait)
        assert last is not None
        raise last

    def _send(self, method: str, path: str, params: Any, content: bytes | None,
              headers: dict[str, str]) -> httpx.Response:
        refreshed = False
        while True:
            self._acquire()
            try:
                self.calls += 1
                response = self._http.request(method, path.lstrip("/"), params=params, content=content,
                                              headers={**headers, "Authorization": f"Bearer {self.token(force=refreshed)}"})
            except httpx.TimeoutException as exc:
                raise TransientError(f"Xero did not answer in time ({type(exc).__name__})") from exc
            except httpx.TransportError as exc:
                raise TransientError(f"connection to Xero failed: {exc!r}") from exc
            finally:
                self._release()
            self._read_budget(response)
            if response.status_code == 401 and not refreshed:
                refreshed = True  # the token may have been revoked or expired early: refresh once
                continue
            return self._classify(response)

    def _classify(self, response: httpx.Response) -> httpx.Response:
        status = response.status_code
        if status < 300 or status in (400, 404):
            return response
        text = describe(response)
        if status == 429:
            problem = response.headers.get("X-Rate-Limit-Problem", "unknown")
            retry_after = _seconds(response.headers.get("Retry-After"))
            raise TransientError(f"Xero rate limit reached ({problem} limit)", status=429, retry_after=retry_after)
        if status >= 500:
            raise TransientError(f"Xero {status}: {text}", status=status,
                                 retry_after=_seconds(response.headers.get("Retry-After")))
        if status == 401:
            raise NeedsReauth(f"Xero refused the connection's token: {text}", status=401)
        if status == 403:
            raise PermanentError(f"Xero refused access to this organisation (wrong or disconnected tenant): {text}",
                                 status=403)
        raise PermanentError(f"Xero {status}: {text}", status=status)

    # -- limits --------------------------------------------------------------------------------------
    def _acquire(self) -> None:
        if self.limiter is None:
            return
        while True:
            decision = self.limiter.acquire(self.limiter_key)
            if decision.allowed:
                return
            if decision.retry_after > LONGEST_WAIT_IN_CALL:
                raise TransientError(f"client-side {decision.problem} limit for Xero reached",
                                     retry_after=decision.retry_after)
            self.sleep(max(decision.retry_after, 0.05) if decision.problem != "concurrent" else 0.05)

    def _release(self) -> None:
        if self.limiter is not None:
            self.limiter.release(self.limiter_key)

    def _read_budget(self, response: httpx.Response) -> None:
        headers = response.headers
        self.budget = Budget(_int(headers.get("X-DayLimit-Remaining")), _int(headers.get("X-MinLimit-Remaining")),
                             _int(headers.get("X-AppMinLimit-Remaining")))

    # -- conveniences --------------------------------------------------------------------------------
    def get_json(self, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self.request("GET", path, **kwargs)
        if response.status_code != 200:
            raise PermanentError(f"Xero {response.status_code} for GET {path}: {describe(response)}",
                                 status=response.status_code)
        return loads(response.content)


def describe(response: httpx.Response) -> str:
    """Xero's own words from any error body: JSON messages, plain text, or an HTML page's title."""
    text = response.text.strip()
    content_type = response.headers.get("content-type", "")
    if "json" in content_type:
        try:
            data = loads(response.content)
        except ValueError:
            return text[:500]
        messages = validation_messages(data)
        if messages:
            return "; ".join(messages)
        for key in ("Detail", "Message", "Title", "error_description", "error"):
            if isinstance(data, dict) and data.get(key):
                return str(data[key])
        return text[:500]
    if "<html" in text.lower():
        title = re.search(r"<title>(.*?)</title>", text, re.I | re.S)
        return f"HTML error page: {title.group(1).strip() if title else text[:100]}"
    return text[:500] or response.reason_phrase


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


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
