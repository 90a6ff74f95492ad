"""A request log for sandboxes: every HTTP exchange with its bodies, for tests and the admin API.

Plugin tests assert on what was sent ("one PUT /Invoices with 50 elements") through
:meth:`RequestLog.find`. JSON bodies are decoded with Decimal numbers; the Authorization header
is kept only as its scheme and last four characters.
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from core.clock import Clock, SystemClock


@dataclass
class Exchange:
    """One request and (when the app answered) its response."""

    seq: int
    at: datetime
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: Any = None
    error: str | None = None

    @property
    def params(self) -> dict[str, str]:
        return dict(parse_qsl(self.query, keep_blank_values=True))

    def describe(self) -> dict[str, Any]:
        return {"seq": self.seq, "at": self.at.isoformat(), "method": self.method, "path": self.path,
                "query": self.query, "headers": self.headers, "body": self.body, "status": self.status,
                "response_headers": self.response_headers, "response_body": self.response_body,
                "error": self.error}


def _decode(raw: bytes, content_type: str) -> Any:
    if not raw:
        return None
    text = raw.decode("utf-8", errors="replace")
    if "json" in content_type or text[:1] in "{[":
        try:
            return json.loads(text, parse_float=Decimal)
        except ValueError:
            return text
    return text


def _redact(name: str, value: str) -> str:
    if name == "authorization":
        scheme, _, token = value.partition(" ")
        return f"{scheme} …{token[-4:]}" if token else "…"
    return value


class RequestLog:
    """Thread-safe list of exchanges."""

    def __init__(self, clock: Clock | None = None, limit: int = 10000) -> None:
        self.clock = clock or SystemClock()
        self.limit = limit
        self._items: list[Exchange] = []
        self._seq = itertools.count(1)
        self._lock = threading.Lock()

    def start(self, method: str, path: str, query: str, headers: dict[str, str], body: Any) -> Exchange:
        exchange = Exchange(next(self._seq), self.clock.now(), method, path, query, headers, body)
        with self._lock:
            self._items.append(exchange)
            del self._items[: max(0, len(self._items) - self.limit)]
        return exchange

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def all(self) -> list[Exchange]:
        with self._lock:
            return list(self._items)

    def find(self, method: str | None = None, path: str | None = None, status: int | None = None) -> list[Exchange]:
        """Exchanges filtered by method, path (case-insensitive substring) and status."""
        return [e for e in self.all()
                if (method is None or e.method == method.upper())
                and (path is None or path.lower() in e.path.lower())
                and (status is None or e.status == status)]


class RecorderMiddleware:
    """ASGI middleware recording every HTTP exchange except those under ``skip`` prefixes."""

    def __init__(self, app: Any, log: RequestLog, skip: tuple[str, ...] = ("/__sandbox__",)) -> None:
        self.app, self.log, self.skip = app, log, skip

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.skip):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        raw = b"".join(chunks)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        exchange = self.log.start(scope["method"], scope["path"], scope.get("query_string", b"").decode("latin-1"),
                                  {k: _redact(k, v) for k, v in headers.items()},
                                  _decode(raw, headers.get("content-type", "")))
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": raw, "more_body": False}
            return await receive()

        out: list[bytes] = []

        async def capture(message: dict) -> None:
            if message["type"] == "http.response.start":
                exchange.status = message["status"]
                exchange.response_headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                                             for k, v in message.get("headers", [])}
            elif message["type"] == "http.response.body":
                out.append(message.get("body", b""))
                if not message.get("more_body"):
                    exchange.response_body = _decode(b"".join(out), exchange.response_headers.get("content-type", ""))
            await send(message)

        try:
            await self.app(scope, replay, capture)
        except Exception as exc:
            exchange.error = f"{type(exc).__name__}: {exc}"
            raise
