"""Windowed rate limits per tenant (concurrent, per second/minute/day) and per app: the sandboxes
refuse over-limit calls with them and the connectors hold their own calls back with them.

Sliding windows: a call counts against a window for the window's length after it was admitted.
Refused calls are not counted. :meth:`RateLimiter.acquire` either admits a call (and the caller
must :meth:`~RateLimiter.release` it when done) or says which limit was hit and how long to wait.
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from core.clock import Clock, SystemClock

SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Limits:
    """Call limits; the defaults are Xero's published ones. ``per_second`` (None: no limit) is for MYOB."""

    concurrent: int = 5
    per_minute: int = 60
    per_day: int = 5000
    app_per_minute: int = 10000
    per_second: int | None = None

    def with_changes(self, **changes: int) -> "Limits":
        unknown = set(changes) - set(self.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown limit(s) {sorted(unknown)}")
        return replace(self, **{k: None if v is None else int(v) for k, v in changes.items()})


@dataclass(frozen=True)
class Decision:
    """The outcome of :meth:`RateLimiter.acquire`: remaining budgets, or the limit that was hit."""

    allowed: bool
    day_remaining: int
    minute_remaining: int
    app_minute_remaining: int
    problem: str | None = None  # "concurrent", "second", "minute", "day" or "appminute"
    retry_after: int = 0  # whole seconds (what a Retry-After header says)
    second_remaining: int | None = None  # only when a per-second limit is set
    wait: float = 0.0  # the exact seconds until a call would be admitted (what a client sleeps)


class RateLimiter:
    """In-memory limiter; thread-safe."""

    def __init__(self, limits: Limits | None = None, clock: Clock | None = None) -> None:
        self.limits = limits or Limits()
        self.clock = clock or SystemClock()
        self._lock = threading.Lock()
        self._second: dict[str, deque[datetime]] = defaultdict(deque)
        self._minute: dict[str, deque[datetime]] = defaultdict(deque)
        self._day: dict[str, deque[datetime]] = defaultdict(deque)
        self._app: deque[datetime] = deque()
        self._active: dict[str, int] = defaultdict(int)

    def reset(self) -> None:
        with self._lock:
            self._second.clear()
            self._minute.clear()
            self._day.clear()
            self._app.clear()
            self._active.clear()

    @staticmethod
    def _prune(window: deque[datetime], now: datetime, length: timedelta) -> None:
        while window and window[0] <= now - length:
            window.popleft()

    @staticmethod
    def _wait(window: deque[datetime], now: datetime, length: timedelta) -> float:
        return max(0.001, (window[0] + length - now).total_seconds())

    def acquire(self, tenant: str) -> Decision:
        """Admit one call for ``tenant`` or refuse it with the problem and Retry-After seconds."""
        lim = self.limits
        now = self.clock.now()
        with self._lock:
            minute, day, app = self._minute[tenant], self._day[tenant], self._app
            second = self._second[tenant]
            self._prune(second, now, SECOND)
            self._prune(minute, now, MINUTE)
            self._prune(day, now, DAY)
            self._prune(app, now, MINUTE)

            def decision(allowed: bool, problem: str | None = None, wait: float = 0.0) -> Decision:
                return Decision(allowed, max(0, lim.per_day - len(day)), max(0, lim.per_minute - len(minute)),
                                max(0, lim.app_per_minute - len(app)), problem, max(1, math.ceil(wait)) if wait else 0,
                                None if lim.per_second is None else max(0, lim.per_second - len(second)), wait)

            if len(day) >= lim.per_day:
                return decision(False, "day", self._wait(day, now, DAY))
            if len(app) >= lim.app_per_minute:
                return decision(False, "appminute", self._wait(app, now, MINUTE))
            if len(minute) >= lim.per_minute:
                return decision(False, "minute", self._wait(minute, now, MINUTE))
            if lim.per_second is not None and len(second) >= lim.per_second:
                return decision(False, "second", self._wait(second, now, SECOND))
            if self._active[tenant] >= lim.concurrent:
                return decision(False, "concurrent", 0.05)
            if lim.per_second is not None:
                second.append(now)
            minute.append(now)
            day.append(now)
            app.append(now)
            self._active[tenant] += 1
            return decision(True)

    def release(self, tenant: str) -> None:
        """End a call admitted by :meth:`acquire`."""
        with self._lock:
            self._active[tenant] = max(0, self._active[tenant] - 1)
