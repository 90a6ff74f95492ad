"""An idempotency-key cache: same key + same request → the stored response, for a time-to-live.

A request is fingerprinted by method, path with query, and body bytes. A key reused with another
fingerprint is a conflict (the vendor decides the error). Responses are cached whatever their
status, as Xero does for errors too.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.clock import Clock, SystemClock


@dataclass(frozen=True)
class CachedResponse:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


@dataclass
class _Entry:
    fingerprint: str
    stored_at: datetime
    response: CachedResponse | None = None


def fingerprint(method: str, target: str, body: bytes) -> str:
    """A digest of the parts of a request that must match for a replay."""
    digest = hashlib.sha256()
    for part in (method.upper().encode(), target.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class IdempotencyCache:
    """Keys scoped by (scope, key), e.g. (tenant id, Idempotency-Key); thread-safe."""

    def __init__(self, ttl: timedelta = timedelta(minutes=6), clock: Clock | None = None) -> None:
        self.ttl = ttl
        self.clock = clock or SystemClock()
        self._entries: dict[tuple[str, str], _Entry] = {}
        self._lock = threading.Lock()

    def lookup(self, scope: str, key: str, fp: str) -> tuple[str, CachedResponse | None]:
        """``("new", None)``, ``("replay", response)``, ``("conflict", None)`` or ``("pending", None)``.

        "new" reserves the key: call :meth:`store` with the response afterwards.
        """
        now = self.clock.now()
        with self._lock:
            entry = self._entries.get((scope, key))
            if entry is not None and now - entry.stored_at >= self.ttl:
                entry = None
            if entry is None:
                self._entries[(scope, key)] = _Entry(fp, now)
                return "new", None
            if entry.fingerprint != fp:
                return "conflict", None
            if entry.response is None:
                return "pending", None
            return "replay", entry.response

    def store(self, scope: str, key: str, response: CachedResponse) -> None:
        with self._lock:
            entry = self._entries.get((scope, key))
            if entry is not None:
                entry.response = response

    def forget(self, scope: str, key: str) -> None:
        """Drop a reservation (e.g. when the request failed before producing a response)."""
        with self._lock:
            self._entries.pop((scope, key), None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
