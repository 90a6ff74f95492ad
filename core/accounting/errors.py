"""How a connector reports failure: the core's retry policy keys off these classes.

* :class:`TransientError` — try again later (outage, timeout, 5xx, 429, connection reset);
  ``retry_after`` carries the package's hint in seconds when it gave one, ``rate_limited`` says
  it was a rate limit (the connection is held, not counted as failing).
* :class:`PermanentError` — retrying the same request cannot help (validation, 404, wrong
  tenant); ``message`` is the package's own text, shown to the user as is.
* :class:`NeedsReauth` — the connection's authorisation is gone (refresh token revoked or
  expired); work waits until someone reconnects the tenant.
"""

from __future__ import annotations


class AccountingError(Exception):
    """Base of every error a connector raises on purpose."""

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status


class TransientError(AccountingError):
    """``rate_limited``: the package is up but asked us to slow down (a 429 or its equivalent) —
    the connection is held back until ``retry_after`` without counting as a failure."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None,
                 rate_limited: bool = False):
        super().__init__(message, status=status)
        self.retry_after = retry_after
        self.rate_limited = rate_limited


class PermanentError(AccountingError):
    pass


class NeedsReauth(AccountingError):
    pass
