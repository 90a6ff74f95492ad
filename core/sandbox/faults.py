"""Fault injection for sandboxes: a plan of faults, how a request matches one, and the middleware.

A fault is a small dict (from code, an admin endpoint, or a JSON/TOML file)::

    {"kind": "maintenance",            # a vendor preset, or "response" / "latency" / "reset"
     "method": "PUT",                  # optional: one method or a list
     "path": "/api.xro/2.0/Invoices",  # optional: prefix, or a glob with '*' (case-insensitive)
     "header": {"xero-tenant-id": "…"},  # optional: request headers that must match
     "count": 3,                       # optional: fire this many times, then expire
     "after": 0, "duration": 600,      # optional: window in seconds from when it was added
     "from": "2026-01-01T00:00:00Z", "until": "…",   # optional: absolute window
     "status": 503, "body": "…", "content_type": "text/plain", "headers": {…},  # response
     "delay": 12.5}                    # latency: sleep, then answer (or pass through)

Kinds: ``response`` answers with the given status/body; ``latency`` sleeps ``delay`` seconds and
then passes the request on (or answers, when a status is given); ``reset`` starts a response and
drops the connection mid-body (over a socket the client sees a protocol/read error; in-process,
:class:`SandboxConnectionReset` is raised — :mod:`.transport` maps it to an httpx error);
``lost_response`` lets the request through and then drops the connection before the answer, so
the client cannot know its write was applied. Any other
kind is looked up in the vendor's presets (a dict of response templates).
"""

from __future__ import annotations

import asyncio
import fnmatch
import itertools
import json
import threading
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Mapping

from core.clock import Clock, SystemClock

CORE_KINDS = {"response", "latency", "reset", "lost_response"}
_FAULT_KEYS = {"kind", "method", "path", "header", "count", "after", "duration", "from", "until",
               "status", "body", "content_type", "headers", "delay", "name"}


class FaultError(ValueError):
    """A fault description that cannot be used."""


class SandboxConnectionReset(ConnectionResetError):
    """Raised inside the app when a ``reset`` fault drops the connection."""


@dataclass
class Fault:
    """One planned fault and its remaining budget."""

    id: int
    kind: str
    methods: tuple[str, ...] = ()
    path: str | None = None
    header: dict[str, str] = field(default_factory=dict)
    count: int | None = None
    start: datetime | None = None
    end: datetime | None = None
    status: int | None = None
    body: str = ""
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    name: str | None = None
    hits: int = 0

    def matches(self, method: str, path: str, headers: Mapping[str, str], now: datetime) -> bool:
        """Whether this fault applies to the request at ``now``."""
        if self.count is not None and self.count <= 0:
            return False
        if self.start is not None and now < self.start:
            return False
        if self.end is not None and now >= self.end:
            return False
        if self.methods and method.upper() not in self.methods:
            return False
        if self.path is not None:
            pattern, actual = self.path.lower(), path.lower()
            if "*" in pattern or "?" in pattern:
                if not fnmatch.fnmatchcase(actual, pattern):
                    return False
            elif not actual.startswith(pattern):
                return False
        return all(headers.get(k.lower()) == v for k, v in self.header.items())

    def describe(self) -> dict[str, Any]:
        """A JSON-friendly view (for the admin endpoint)."""
        return {
            "id": self.id, "kind": self.kind, "name": self.name, "method": list(self.methods) or None,
            "path": self.path, "header": self.header or None, "count": self.count, "hits": self.hits,
            "from": self.start.isoformat() if self.start else None,
            "until": self.end.isoformat() if self.end else None,
            "status": self.status, "delay": self.delay or None,
        }


def _parse_time(value: Any, what: str) -> datetime:
    if isinstance(value, datetime):
        result = value
    else:
        try:
            result = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError as exc:
            raise FaultError(f"fault {what!r}: {value!r} is not an ISO-8601 time") from exc
    if result.tzinfo is None:
        raise FaultError(f"fault {what!r}: {value!r} needs a timezone (e.g. 'Z')")
    return result


class FaultPlan:
    """The active faults, with presets for vendor-specific kinds; safe to use from threads."""

    def __init__(self, presets: Mapping[str, Mapping[str, Any]] | None = None,
                 clock: Clock | None = None) -> None:
        self.presets = dict(presets or {})
        self.clock = clock or SystemClock()
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    # -- building ------------------------------------------------------------------------------
    def add(self, spec: Mapping[str, Any]) -> Fault:
        """Validate ``spec`` (see module docstring), add it, and return the fault."""
        if not isinstance(spec, Mapping):
            raise FaultError(f"a fault must be an object, not {spec!r}")
        unknown = set(spec) - _FAULT_KEYS
        if unknown:
            raise FaultError(f"unknown fault field(s) {sorted(unknown)}; known: {sorted(_FAULT_KEYS)}")
        kind = spec.get("kind")
        if kind not in CORE_KINDS and kind not in self.presets:
            raise FaultError(f"unknown fault kind {kind!r}; known: {sorted(CORE_KINDS | set(self.presets))}")
        template = dict(self.presets.get(kind, {}))
        template.update({k: v for k, v in spec.items() if k in {"status", "body", "content_type", "headers", "delay"}})
        methods = spec.get("method") or ()
        if isinstance(methods, str):
            methods = (methods,)
        now = self.clock.now()
        start = _parse_time(spec["from"], "from") if "from" in spec else None
        end = _parse_time(spec["until"], "until") if "until" in spec else None
        if "after" in spec:
            start = now + timedelta(seconds=float(spec["after"]))
        if "duration" in spec:
            end = (start or now) + timedelta(seconds=float(spec["duration"]))
        count = spec.get("count")
        if count is not None and (not isinstance(count, int) or count < 1):
            raise FaultError(f"fault 'count' must be a positive integer, not {count!r}")
        status = template.get("status")
        if kind == "response" and status is None:
            raise FaultError("a 'response' fault needs a 'status'")
        if kind == "latency" and not template.get("delay"):
            raise FaultError("a 'latency' fault needs a 'delay' in seconds")
        body = template.get("body", "")
        if not isinstance(body, str):
            body = json.dumps(body)
            template.setdefault("content_type", "application/json; charset=utf-8")
        fault = Fault(
            id=next(self._ids), kind=kind, methods=tuple(m.upper() for m in methods),
            path=spec.get("path"), header={k.lower(): v for k, v in (spec.get("header") or {}).items()},
            count=count, start=start, end=end, status=status, body=body,
            content_type=template.get("content_type", "text/plain; charset=utf-8"),
            headers={str(k): str(v) for k, v in (template.get("headers") or {}).items()},
            delay=float(template.get("delay") or 0), name=spec.get("name"),
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def extend(self, specs: Any) -> list[Fault]:
        """Add a list of faults, or ``{"faults": [...]}``, or a single fault object."""
        if isinstance(specs, Mapping):
            specs = specs["faults"] if "faults" in specs else [specs]
        if not isinstance(specs, list):
            raise FaultError("expected a fault, a list of faults, or {\"faults\": [...]}")
        return [self.add(spec) for spec in specs]

    def load(self, path: str | Path) -> list[Fault]:
        """Add the faults in a JSON or TOML file (TOML: ``[[faults]]`` tables)."""
        path = Path(path)
        text = path.read_text(encoding="utf-8")
        try:
            data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
        except (ValueError, tomllib.TOMLDecodeError) as exc:
            raise FaultError(f"{path}: not valid {path.suffix.lstrip('.').upper() or 'JSON'}: {exc}") from exc
        return self.extend(data)

    def remove(self, fault_id: int) -> bool:
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if f.id != fault_id]
            return len(self._faults) != before

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def list(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    # -- matching ------------------------------------------------------------------------------
    def take(self, method: str, path: str, headers: Mapping[str, str]) -> Fault | None:
        """The first fault matching the request, with its count spent; expired ones are pruned."""
        now = self.clock.now()
        with self._lock:
            self._faults = [f for f in self._faults
                            if not ((f.count is not None and f.count <= 0) or (f.end is not None and now >= f.end))]
            for fault in self._faults:
                if fault.matches(method, path, headers, now):
                    fault.hits += 1
                    if fault.count is not None:
                        fault.count -= 1
                    return fault
        return None


class FaultMiddleware:
    """ASGI middleware applying a :class:`FaultPlan` to HTTP requests (except ``skip`` prefixes)."""

    def __init__(self, app: Any, plan: FaultPlan, skip: tuple[str, ...] = ("/__sandbox__",)) -> None:
        self.app, self.plan, self.skip = app, plan, skip

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.skip):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        fault = self.plan.take(scope["method"], scope["path"], headers)
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.kind == "lost_response":  # the request is applied, but its answer never arrives
            async def swallow(message: dict) -> None:
                return None

            await self.app(scope, receive, swallow)
        if fault.kind in ("reset", "lost_response"):
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")]})
            await send({"type": "http.response.body", "body": b'{"Id": "', "more_body": True})
            raise SandboxConnectionReset(f"sandbox fault #{fault.id}: connection reset")
        if fault.status is None:
            await self.app(scope, receive, send)
            return
        body = fault.body.encode("utf-8")
        raw_headers = [(b"content-type", fault.content_type.encode("latin-1")),
                       (b"content-length", str(len(body)).encode())]
        raw_headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in fault.headers.items()]
        await send({"type": "http.response.start", "status": fault.status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": body})
