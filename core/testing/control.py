"""What the conformance kit needs from a sandbox: a few levers and a way to count documents."""

from __future__ import annotations

from datetime import date
from typing import Literal, Protocol, runtime_checkable

FailureKind = Literal["transient", "permanent", "lost_response"]


@runtime_checkable
class SandboxControl(Protocol):
    """Levers of a package's sandbox, as the kit pulls them.

    * ``fail_next("transient")`` — the next call answers as during an outage (e.g. a 503);
    * ``fail_next("permanent")`` — the next write is rejected as invalid, with a message;
    * ``fail_next("lost_response")`` — the next write is applied, but its answer never arrives
      (the connection drops), so the connector cannot know it succeeded;
    * ``set_page_size(n)`` — list endpoints return at most *n* documents a page;
    * ``lock_until(day)`` — the package refuses changes dated on or before *day*;
    * ``count(document_type)`` — how many live ``contact``/``invoice``/``payment`` documents exist.
    """

    def fail_next(self, kind: FailureKind, count: int = 1) -> None: ...

    def set_page_size(self, size: int) -> None: ...

    def lock_until(self, day: date) -> None: ...

    def count(self, document_type: str) -> int: ...
