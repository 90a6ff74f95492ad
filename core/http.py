"""The HTTP client every accounting connector builds on: bearer auth, explicit timeouts, a
client-side rate limiter, a few quick retries of transient failures honouring Retry-After, one
forced token refresh after a 401, and errors raised as :mod:`core.accounting.errors` classes.

A package subclasses :class:`ApiClient` for its own words: which statuses the caller reads itself
(``passthrough``, e.g. validation answers), how to spot a rate limit (``rate_limit``), and how to
put an error body into a sentence (``describe``). JSON goes out and comes back with exact
Decimals (never float).
"""

from __future__ import annotations

import random
import re
import time
from typing import Any, Callable

import httpx
import simplejson
import structlog
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from core.accounting import NeedsReauth, PermanentError, TransientError

log = structlog.get_logger(__name__)

TIMEOUT = httpx.Timeout(30.0, connect=10.0)
ATTEMPTS = 3                 # tries of one request before the core's schedule takes over
LONGEST_WAIT = 20.0          # seconds; a longer Retry-After is left to the core's schedule


def dumps(payload: Any) -> bytes:
    """JSON with Decimal amounts as exact numbers."""
    return simplejson.dumps(payload, use_decimal=True, separators=(",", ":")).encode()


def loads(body: bytes | str) -> Any:
    """JSON with every fractional number as Decimal."""
    return simplejson.loads(body, use_decimal=True)


class ApiClient:
    """One tenant connection to one package's API. *token* returns an access token
    (``token(force=True)`` after a 401 asks for a fresh one)."""

    vendor = "the package"
    passthrough: frozenset[int] = frozenset()  # statuses returned to the caller instead of raised

    def __init__(self, base_url: str, token: Callable[..., str], *, headers: dict[str, str] | None = None,
                 transport: httpx.BaseTransport | None = None, limiter: Any = None, limiter_key: str = "",
                 sleep: Callable[[float], None] = time.sleep, timeout: httpx.Timeout = TIMEOUT):
        self.token = token
        self.limiter = limiter
        self.limiter_key = limiter_key
        self.sleep = sleep
        self.calls = 0
        self._http = httpx.Client(base_url=base_url.rstrip("/") + "/", timeout=timeout, transport=transport,
                                  headers={"Accept": "application/json", "User-Agent": "ledgerbridge",
                                           **(headers or {})})

    def close(self) -> None:
        self._http.close()

    # -- what a package may override -------------------------------------------------------------
    def describe(self, response: httpx.Response) -> str:
        """The package's own words from an error answer (JSON message, plain text, HTML title)."""
        return describe_body(response)

    def rate_limit(self, response: httpx.Response) -> tuple[str, float | None] | None:
        """``(which limit, retry-after seconds)`` when *response* says a rate limit was hit."""
        if response.status_code == 429:
            return "rate", seconds(response.headers.get("Retry-After"))
        return None

    def observe(self, response: httpx.Response) -> None:
        """Read budget headers and the like from every answer."""

    # -- requests --------------------------------------------------------------------------------
    def request(self, method: str, path: str, *, params: Any = None, body: Any = None,
                headers: dict[str, str] | None = None, content: bytes | None = None) -> httpx.Response:
        """Send with quick retries; returns a 2xx or ``passthrough`` answer, raises otherwise."""
        headers = dict(headers or {})
        if body is not None:
            content = dumps(body)
            headers.setdefault("Content-Type", "application/json")
        retrying = Retrying(
            retry=retry_if_exception(_worth_waiting_for), stop=stop_after_attempt(ATTEMPTS), wait=_wait,
            sleep=self.sleep, reraise=True,
            before_sleep=lambda state: log.info(
                "transient failure, retrying", vendor=self.vendor, path=path, attempt=state.attempt_number,
                wait=state.next_action.sleep, error=state.outcome.exception().message))
        return retrying(self._send, method, path, params, content, headers)

    def get_json(self, path: str, **kwargs: Any) -> Any:
        response = self.request("GET", path, **kwargs)
        if response.status_code >= 300:
            raise PermanentError(f"{self.vendor} {response.status_code} for GET {path}: {self.describe(response)}",
                                 status=response.status_code)
        return loads(response.content)

    def _send(self, method: str, path: str, params: Any, content: bytes | None,
              headers: dict[str, str]) -> httpx.Response:
        refreshed = False
        while True:
            self._acquire()
            try:
                self.calls += 1
                response = self._http.request(method, path.lstrip("/"), params=params, content=content, headers={
                    **headers, "Authorization": f"Bearer {self.token(force=refreshed)}"})
            except httpx.TimeoutException as exc:
                raise TransientError(f"{self.vendor} did not answer in time ({type(exc).__name__})") from exc
            except httpx.TransportError as exc:
                raise TransientError(f"connection to {self.vendor} failed: {exc!r}") from exc
            finally:
                self._release()
            self.observe(response)
            if response.status_code == 401 and not refreshed:
                refreshed = True  # revoked or expired early: refresh once
                continue
            return self._classify(response)

    def _classify(self, response: httpx.Response) -> httpx.Response:
        status = response.status_code
        limited = self.rate_limit(response)
        if limited is not None:
            which, retry_after = limited
            raise TransientError(f"{self.vendor} rate limit reached ({which} limit)", status=status,
                                 retry_after=retry_after, rate_limited=True)
        if status < 300 or status in self.passthrough:
            return response
        text = self.describe(response)
        if status >= 500:
            raise TransientError(f"{self.vendor} {status}: {text}", status=status,
                                 retry_after=seconds(response.headers.get("Retry-After")))
        if status == 401:
            raise NeedsReauth(f"{self.vendor} refused the connection's token: {text}", status=401)
        if status == 403:
            raise PermanentError(f"{self.vendor} refused access (wrong or disconnected company?): {text}", status=403)
        raise PermanentError(f"{self.vendor} {status}: {text}", status=status)

    # -- limits ----------------------------------------------------------------------------------
    def _acquire(self) -> None:
        if self.limiter is None:
            return
        while True:
            decision = self.limiter.acquire(self.limiter_key)
            if decision.allowed:
                return
            if decision.wait > LONGEST_WAIT:
                raise TransientError(f"client-side {decision.problem} limit for {self.vendor} reached",
                                     retry_after=decision.retry_after, rate_limited=True)
            self.sleep(decision.wait)

    def _release(self) -> None:
        if self.limiter is not None:
            self.limiter.release(self.limiter_key)


def _worth_waiting_for(exc: BaseException) -> bool:
    """Transient, and not asking for a longer wait than one call may take."""
    return isinstance(exc, TransientError) and (exc.retry_after is None or exc.retry_after <= LONGEST_WAIT)


def _wait(state: RetryCallState) -> float:
    """The package's Retry-After when it gave one, else 2, 4, 8 … seconds plus up to 25 % jitter (so
    many workers hit by one outage do not come back in step)."""
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, TransientError) and exc.retry_after is not None:
        return exc.retry_after
    return min(2.0 ** state.attempt_number, 8.0) * random.uniform(1.0, 1.25)


def describe_body(response: httpx.Response, messages: Callable[[Any], list[str]] | None = None) -> str:
    """Words from any error body: *messages* of a JSON body, a message-ish key, plain text, or an
    HTML page's title."""
    text = response.text.strip()
    if "json" in response.headers.get("content-type", ""):
        try:
            data = loads(response.content)
        except ValueError:
            return text[:500]
        found = messages(data) if messages else []
        if found:
            return "; ".join(found)
        if isinstance(data, dict):
            for key in ("Detail", "Message", "message", "Title", "error_description", "error"):
                if data.get(key):
                    return str(data[key])
        return text[:500]
    if "<html" in text.lower():
        title = re.search(r"<title>(.*?)</title>", text, re.I | re.S)
        return f"HTML error page: {title.group(1).strip() if title else text[:100]}"
    return text[:500] or response.reason_phrase


def seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def number(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
