"""The QuickBooks Online Accounting API client: :class:`core.http.ApiClient` in Intuit's words.

Why not python-quickbooks / intuit-oauth (fact sheet §7): no timeouts, no retry or 429 handling,
an exact-pinned dependency chain and a constructor that refreshes tokens behind our back.

Every call goes to ``{api_url}/v3/company/{realm}/…`` with ``Accept: application/json`` and
``minorversion=75``; writes carry a ``requestid`` that the caller derives from the document
version, the operation and the body, so a retry (ours or the core's) replays rather than
repeats. Faults are read from JSON (``Fault``/``fault``), XML (``<Fault>``) or HTML bodies —
including a ``Fault`` inside HTTP 200 — and raised as :class:`QBOFault` with Intuit's
Message and Detail. Throttling (429, or the older 403, code 3001) is transient with a 60 s wait
unless the answer says otherwise; 5xx and HTML outage pages are transient; 401 refreshes the
token once (the base class), then needs the user.
"""

from __future__ import annotations

import hashlib
import html
import re
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import httpx

from core.accounting import PermanentError
from core.http import ApiClient, describe_body, dumps, loads, seconds

MINOR_VERSION = "75"
THROTTLE_WAIT = 60.0  # Intuit: "wait 60 seconds before retrying"; no Retry-After is sent
BATCH_MAX = 30
_KEYS = uuid.UUID("3c1f0a52-8d7e-4b8a-9a31-5f0e2b7c6d14")
_XML_ERROR = re.compile(r"<Error\b([^>]*)>(.*?)</Error>", re.S)
_XML_CODE = re.compile(r'code="([^"]*)"')
_XML_TYPE = re.compile(r'<Fault\b[^>]*\btype="([^"]*)"')


@dataclass(frozen=True)
class FaultError:
    code: str
    message: str
    detail: str = ""
    element: str = ""

    def text(self) -> str:
        """Intuit's Message and Detail (the Detail often repeats the Message: said once)."""
        message, detail = self.message.strip(), self.detail.strip()
        if not detail or detail == message:
            words = message
        elif not message or detail.startswith(message):
            words = detail
        else:
            words = f"{message}: {detail}"
        return f"{words} [{self.code}]" if self.code else words


@dataclass(frozen=True)
class Fault:
    type: str
    errors: tuple[FaultError, ...]

    @property
    def codes(self) -> set[str]:
        return {e.code for e in self.errors}

    def text(self) -> str:
        return "; ".join(e.text() for e in self.errors) or f"QuickBooks Online {self.type or 'fault'}"


class QBOFault(PermanentError):
    """A fault QuickBooks answered (validation, business rule, stale object, closed books …)."""

    def __init__(self, fault: Fault, *, status: int | None = None):
        super().__init__(fault.text(), status=status)
        self.fault = fault

    @property
    def codes(self) -> set[str]:
        return self.fault.codes


def fault_from_data(data: Any) -> Fault | None:
    """The ``Fault`` (service) or ``fault`` (gateway, lower-case) of a parsed JSON body."""
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("Fault"), dict):
        node, keys = data["Fault"], ("Error", "Message", "Detail", "code", "element")
    elif isinstance(data.get("fault"), dict):
        node, keys = data["fault"], ("error", "message", "detail", "code", "element")
    else:
        return None
    errors = tuple(FaultError(str(e.get(keys[3]) or ""), str(e.get(keys[1]) or ""), str(e.get(keys[2]) or ""),
                              str(e.get(keys[4]) or ""))
                   for e in node.get(keys[0]) or [] if isinstance(e, dict))
    return Fault(str(node.get("type") or ""), errors)


def fault_from_xml(text: str) -> Fault | None:
    """The ``<Fault>`` of an ``<IntuitResponse>`` (read with patterns: no XML parser on vendor bodies)."""
    if "<Fault" not in text:
        return None
    errors = []
    for attributes, inner in _XML_ERROR.findall(text):
        code = _XML_CODE.search(attributes)

        def part(tag: str) -> str:
            found = re.search(rf"<{tag}>(.*?)</{tag}>", inner, re.S)
            return html.unescape(found.group(1).strip()) if found else ""

        errors.append(FaultError(code.group(1) if code else "", part("Message"), part("Detail")))
    kind = _XML_TYPE.search(text)
    return Fault(kind.group(1) if kind else "", tuple(errors))


def fault_of(response: httpx.Response) -> Fault | None:
    """Any fault in *response*, whatever format it came in (None for an HTML page or a clean body)."""
    text = response.text
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            return fault_from_data(loads(response.content))
        except ValueError:
            return None
    if stripped.startswith("<") and "<html" not in stripped[:200].lower():
        return fault_from_xml(text)
    return None


def request_id(*parts: Any) -> str:
    """A ``requestid`` (36 characters: fits single writes and batches) from what makes a write unique."""
    digest = hashlib.sha256(b"\x1f".join(p if isinstance(p, bytes) else str(p).encode() for p in parts)).hexdigest()
    return str(uuid.uuid5(_KEYS, digest))


class QuickBooksClient(ApiClient):
    vendor = "QuickBooks Online"
    passthrough = frozenset({400, 404})  # read by :meth:`call`: faults per element

    def __init__(self, api_url: str, realm_id: str, token: Callable[..., str], *, batch_limiter: Any = None,
                 **kwargs: Any):
        kwargs.setdefault("limiter_key", f"quickbooks:{realm_id}")
        super().__init__(f"{api_url.rstrip('/')}/v3/company/{realm_id}", token, **kwargs)
        self.realm_id = realm_id
        self.batch_limiter = batch_limiter
        self.batches = 0

    # -- the package's words ----------------------------------------------------------------------
    def describe(self, response: httpx.Response) -> str:
        fault = fault_of(response)
        return fault.text() if fault is not None else describe_body(response)

    def rate_limit(self, response: httpx.Response) -> tuple[str, float | None] | None:
        status = response.status_code
        if status == 429 or (status == 403 and _throttled(response)):
            return "request", seconds(response.headers.get("Retry-After")) or THROTTLE_WAIT
        return None

    # -- calls --------------------------------------------------------------------------------------
    def request(self, method: str, path: str, *, params: Any = None,  # type: ignore[override]
                requestid: str | None = None, **kwargs: Any) -> httpx.Response:
        query = dict(params or {})
        query["minorversion"] = MINOR_VERSION
        if requestid:
            query["requestid"] = requestid
        return super().request(method, path, params=query, **kwargs)

    def call(self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = None,
             requestid: str | None = None) -> dict[str, Any]:
        """The parsed answer; a fault (in a 400 or a 200) raises :class:`QBOFault`."""
        response = self.request(method, path, params=params, body=body, requestid=requestid)
        fault = fault_of(response)
        if fault is not None:
            raise QBOFault(fault, status=response.status_code)
        if response.status_code >= 300:
            raise PermanentError(f"QuickBooks Online {response.status_code} for {method} {path}: "
                                 f"{self.describe(response)}", status=response.status_code)
        try:
            data = loads(response.content)
        except ValueError:
            raise PermanentError(f"QuickBooks Online answered {method} {path} with a body that is not JSON: "
                                 f"{describe_body(response)}", status=response.status_code) from None
        return data if isinstance(data, dict) else {}

    def write(self, entity: str, body: dict[str, Any], *, key: str, operation: str = "create") -> dict[str, Any]:
        """One create/update/delete/void of *entity*; the requestid derives from *key*, the operation
        and the body (the same write again replays; a different one never collides)."""
        params: dict[str, str] = {}
        if operation == "delete":
            params["operation"] = "delete"
        elif operation == "void":
            params.update({"operation": "void"} if entity == "Invoice" else {"operation": "update", "include": "void"})
        elif operation == "update":
            params["operation"] = "update"
        data = self.call("POST", entity.lower(), params=params, body=body,
                         requestid=request_id(key, entity, operation, dumps(body)))
        return data.get(entity) or {}

    def query(self, text: str) -> dict[str, Any]:
        return self.call("GET", "query", params={"query": text}).get("QueryResponse") or {}

    def batch_available(self) -> bool:
        """Whether a batch call fits Intuit's batch limit (40 a minute per realm) right now."""
        if self.batch_limiter is None:
            return True
        decision = self.batch_limiter.acquire(self.limiter_key)
        if decision.allowed:
            self.batch_limiter.release(self.limiter_key)
        return decision.allowed

    def batch(self, items: list[dict[str, Any]], keys: Iterable[str]) -> list[dict[str, Any]]:
        """One ``/batch`` call (≤ 30 items, short bIds); the answers in the order of *items*."""
        if len(items) > BATCH_MAX:
            raise ValueError(f"a QuickBooks batch holds at most {BATCH_MAX} items")
        sent = [{**item, "bId": str(index)} for index, item in enumerate(items)]
        body = {"BatchItemRequest": sent}
        self.batches += 1
        data = self.call("POST", "batch", body=body, requestid=request_id("batch", *keys, dumps(body)))
        answers = {str(a.get("bId")): a for a in data.get("BatchItemResponse") or [] if isinstance(a, dict)}
        missing = {"Fault": {"type": "SystemFault", "Error": [{"Message": "QuickBooks Online did not answer for this "
                                                                          "batch item", "code": ""}]}}
        return [answers.get(item["bId"], missing) for item in sent]


def _throttled(response: httpx.Response) -> bool:
    text = response.text
    if "ThrottleExceeded" in text or "errorCode=003001" in text:
        return True
    fault = fault_of(response)
    return fault is not None and "3001" in fault.codes
