"""MYOB's HTTP clients: :class:`core.http.ApiClient` with MYOB's headers, hosts and words.

Why not pymyob: a fixed base URL (no sandbox, no regional company-file hosts), no paging, no
retries and two breaking majors in 2026 (research/myob.md §8). The plugin needs a dozen routes.

Every call carries ``x-myobapi-key`` and ``x-myobapi-version`` (``v2`` Business API, ``v0``
legacy Essentials), ``Accept-Encoding: gzip,deflate`` and, only for company files whose user is
not linked to the OAuth login, ``x-myobapi-cftoken``. The Business API base is the company file's
``Uri`` from the company-file list (it may be on a regional host such as ``ar1.api.myob.com``);
keys issued after March 2025 get an empty list, and then ``{api_url}/{business_id}`` is used.
Over-rate is a **403** ``RateLimitError`` without Retry-After: transient, waiting a second (a
day's budget: an hour). 400, 404 and 409 go back to the caller, which reads them per document.
"""

from __future__ import annotations

import base64
from typing import Any, Callable

import httpx

from core.accounting import PermanentError, TransientError
from core.http import ATTEMPTS, LONGEST_WAIT, ApiClient, describe_body, dumps, loads

RATE_LIMIT = "RateLimitError"
SECOND_WAIT = 1.0     # per-second budget: the window is one second
DAY_WAIT = 3600.0     # daily budget: leave it to the core's schedule
UPGRADING_WAIT = 300.0
UPGRADED = ("MYOB says this business was upgraded to the new MYOB Essentials (HTTP 418), so the legacy "
            "Essentials API no longer serves it: move the tenant to the `accountright` edition (edition = "
            "\"accountright\" and the new company file's business_id in tenants.toml) and connect it again")


def errors_of(response: httpx.Response) -> list[dict[str, Any]]:
    """MYOB's ``Errors`` (Business API) or ``errors`` (legacy) as dicts with PascalCase keys."""
    try:
        data = loads(response.content) if response.content else None
    except ValueError:
        return []
    if not isinstance(data, dict):
        return []
    found = data.get("Errors") or data.get("errors") or []
    result = []
    for error in found if isinstance(found, list) else []:
        if isinstance(error, dict):
            result.append({key[:1].upper() + key[1:]: value for key, value in error.items()})
    return result


def words(data: Any) -> list[str]:
    """``Name: Message (AdditionalDetails)`` for each error of a parsed body."""
    if not isinstance(data, dict):
        return []
    found = []
    for error in data.get("Errors") or data.get("errors") or []:
        if not isinstance(error, dict):
            continue
        error = {key[:1].upper() + key[1:]: value for key, value in error.items()}
        text = ": ".join(str(p) for p in (error.get("Name"), error.get("Message")) if p)
        if error.get("AdditionalDetails"):
            text += f" ({error['AdditionalDetails']})"
        if text and text not in found:
            found.append(text)
    return found


def describe(response: httpx.Response) -> str:
    """MYOB's own words from any error answer."""
    return describe_body(response, words)


class _MyobBase(ApiClient):
    vendor = "MYOB"
    passthrough = frozenset({400, 404, 409})
    version = "v2"

    def __init__(self, base_url: str, token: Callable[..., str], api_key: str, *, cftoken: str | None = None,
                 **kwargs: Any):
        headers = {"x-myobapi-key": api_key, "x-myobapi-version": self.version, "Accept-Encoding": "gzip,deflate"}
        if cftoken:
            headers["x-myobapi-cftoken"] = cftoken
        kwargs.setdefault("limiter_key", f"myob:{api_key}")
        super().__init__(base_url, token, headers=headers, **kwargs)

    def describe(self, response: httpx.Response) -> str:
        return describe(response)

    def request(self, method: str, path: str, *, params: Any = None, body: Any = None,  # type: ignore[override]
                headers: dict[str, str] | None = None, content: bytes | None = None) -> httpx.Response:
        """As :meth:`ApiClient.request`, but a POST is re-sent only when MYOB cannot have applied it
        (rate limit, 503, no connection): MYOB has no idempotency key, so after a lost answer the
        connector looks the document up instead of creating it twice."""
        if method != "POST":
            return super().request(method, path, params=params, body=body, headers=headers, content=content)
        headers = dict(headers or {})
        if body is not None:
            content = dumps(body)
            headers.setdefault("Content-Type", "application/json")
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return self._send(method, path, params, content, headers)
            except TransientError as exc:
                unsent = exc.status in (403, 429, 503) or isinstance(
                    exc.__cause__, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
                wait = exc.retry_after if exc.retry_after is not None else min(2.0 ** attempt, 8.0)
                if not unsent or attempt == ATTEMPTS or wait > LONGEST_WAIT:
                    raise
                self.sleep(wait)
        raise AssertionError("unreachable")

    def rate_limit(self, response: httpx.Response) -> tuple[str, float | None] | None:
        if response.status_code not in (403, 429):
            return None
        found = errors_of(response)
        limited = any(e.get("Name") == RATE_LIMIT for e in found)
        if not limited and response.status_code != 429:
            return None
        if any("daily" in str(e.get("Message", "")).lower() for e in found):
            return "daily", DAY_WAIT
        retry_after = response.headers.get("Retry-After")
        return "per-second", float(retry_after) if retry_after and retry_after.isdigit() else SECOND_WAIT

    def _classify(self, response: httpx.Response) -> httpx.Response:
        if response.status_code == 401 and any("cftoken" in str(e.get("AdditionalDetails", "")).lower()
                                               for e in errors_of(response)):
            raise PermanentError(f"MYOB refused the company file user (x-myobapi-cftoken): {self.describe(response)}; "
                                 "check cf_username and LEDGERBRIDGE_MYOB_CF_PASSWORD", status=401)
        return super()._classify(response)


def cftoken(username: str | None, password: str | None) -> str | None:
    """``x-myobapi-cftoken``: base64 of ``user:password``, only when a company-file user is configured."""
    if not username:
        return None
    return base64.b64encode(f"{username}:{password or ''}".encode()).decode()


class MyobClient(_MyobBase):
    """The Business API (AccountRight Live, new Essentials) of one company file."""

    def __init__(self, api_url: str, business_id: str, token: Callable[..., str], api_key: str, **kwargs: Any):
        super().__init__(api_url, token, api_key, **kwargs)
        self.api_url, self.business_id = api_url.rstrip("/"), business_id
        self.company_file: dict[str, Any] | None = None
        self._resolved = False

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:  # type: ignore[override]
        if not self._resolved:
            self.resolve()
        return super().request(method, path, **kwargs)

    def resolve(self) -> str:
        """The company file's ``Uri`` (from the list; ``{api_url}/{business_id}`` when not listed)."""
        self._resolved = True  # before the call: the list itself goes to api_url
        try:
            listed = super().request("GET", "")
        except BaseException:
            self._resolved = False
            raise
        files = loads(listed.content) if listed.status_code == 200 and listed.content else []
        match = next((f for f in files if isinstance(f, dict)
                      and str(f.get("Id", "")).lower() == self.business_id.lower()), None) \
            if isinstance(files, list) else None
        self.company_file = match
        uri = (match or {}).get("Uri") or f"{self.api_url}/{self.business_id}"
        self._http.base_url = httpx.URL(uri.rstrip("/") + "/")
        return uri


class EssentialsClient(_MyobBase):
    """The legacy Essentials API (``v0``) of one business: 418 once upgraded, 423 while upgrading."""

    version = "v0"

    def __init__(self, api_url: str, business_id: str, token: Callable[..., str], api_key: str, **kwargs: Any):
        self.api_url = api_url.rstrip("/")
        super().__init__(f"{self.api_url}/businesses/{business_id}", token, api_key, **kwargs)

    def _classify(self, response: httpx.Response) -> httpx.Response:
        if response.status_code == 418:
            raise PermanentError(UPGRADED, status=418)
        if response.status_code == 423:
            raise TransientError(f"MYOB is upgrading this Essentials business (HTTP 423): {self.describe(response)}",
                                 status=423, retry_after=UPGRADING_WAIT)
        return super()._classify(response)
