"""The Xero client classifies every failure the sandbox can produce: transient, permanent, reauth."""

from __future__ import annotations

import httpx
import pytest

from core.accounting import NeedsReauth, PermanentError, TransientError
from core.oauth import OAuthClient, OAuthEndpoints
from core.ratelimit import Limits, RateLimiter
from core.sandbox.transport import SyncSandboxTransport
from plugins.xero.client import XeroClient
from plugins.xero.sandbox import XeroSandbox

BASE = "http://xero.sandbox"


@pytest.fixture
def sandbox():
    return XeroSandbox()


def client_for(sandbox, *, token=None, limiter=None, timeout=None, sleeps=None):
    creds = sandbox.credentials(BASE)
    oauth = OAuthClient(OAuthEndpoints(creds["identity_url"] + "/connect/authorize",
                                       creds["identity_url"] + "/connect/token", creds["client_id"],
                                       creds["client_secret"]), transport=SyncSandboxTransport(sandbox.app))
    tokens = oauth.refresh(creds["refresh_token"])
    oauth.close()
    kwargs = {"timeout": timeout} if timeout else {}
    return XeroClient(creds["api_url"], creds["tenant_id"], token or (lambda force=False: tokens.access_token),
                      transport=SyncSandboxTransport(sandbox.app), limiter=limiter,
                      sleep=(sleeps.append if sleeps is not None else lambda s: None), **kwargs)


@pytest.mark.parametrize("kind, words", [
    ("maintenance", "offline for maintenance"), ("org_offline", "The Organisation is offline"),
    ("html_500", "HTML error page: Xero | Error 500"), ("error_500", "An error occurred in Xero"),
])
def test_outages_are_transient_with_xeros_words(sandbox, kind, words):
    client = client_for(sandbox)
    sandbox.faults.add({"kind": kind, "count": 10})
    with pytest.raises(TransientError) as raised:
        client.request("GET", "Organisation")
    assert words in raised.value.message
    assert client.calls == 3, "a few quick retries inside the call, then the core's schedule takes over"


def test_a_short_outage_is_ridden_out_inside_the_call(sandbox):
    sleeps: list[float] = []
    client = client_for(sandbox, sleeps=sleeps)
    sandbox.faults.add({"kind": "maintenance", "count": 2})
    assert client.get_json("Organisation")["Organisations"]
    assert len(sleeps) == 2 and 2.0 <= sleeps[0] <= 2.5 and 4.0 <= sleeps[1] <= 5.0, "backoff with jitter"


def test_429_honours_retry_after_and_names_the_limit(sandbox):
    sleeps: list[float] = []
    client = client_for(sandbox, sleeps=sleeps)
    sandbox.faults.add({"kind": "rate_limit", "count": 10})
    with pytest.raises(TransientError) as raised:
        client.request("GET", "Invoices")
    assert raised.value.status == 429 and raised.value.retry_after == 60
    assert "minute limit" in raised.value.message
    assert sleeps == [], "60 s is longer than a call may wait: the core schedules the retry"


def test_timeouts_and_resets_are_transient(sandbox):
    slow, reset = client_for(sandbox, timeout=httpx.Timeout(0.2)), client_for(sandbox)
    sandbox.faults.add({"kind": "latency", "delay": 2, "count": 10})
    with pytest.raises(TransientError, match="did not answer in time"):
        slow.request("GET", "Organisation")
    sandbox.faults.clear()
    sandbox.faults.add({"kind": "reset", "count": 10})
    with pytest.raises(TransientError, match="connection to Xero failed"):
        reset.request("GET", "Organisation")


def test_forbidden_tenant_is_permanent(sandbox):
    client = client_for(sandbox)
    sandbox.faults.add({"kind": "forbidden", "count": 1})
    with pytest.raises(PermanentError, match="wrong or disconnected company"):
        client.request("GET", "Organisation")


def test_401_refreshes_once_then_needs_reauth(sandbox):
    asked: list[bool] = []

    def token(force=False):
        asked.append(force)
        return "not-a-token"

    with pytest.raises(NeedsReauth, match="TokenExpired|AuthenticationUnsuccessful|Unauthorized"):
        client_for(sandbox, token=token).request("GET", "Organisation")
    assert asked == [False, True], "one forced refresh after the first 401, then give up"


def test_client_side_limiter_waits_for_a_free_slot_and_reads_the_budget(sandbox):
    limiter = RateLimiter(Limits(concurrent=5, per_minute=2, per_day=100, app_per_minute=100))
    client = client_for(sandbox, limiter=limiter)
    client.request("GET", "Organisation")
    client.request("GET", "Organisation")
    assert client.budget.minute is not None and client.budget.day is not None
    with pytest.raises(TransientError, match="client-side minute limit"):
        client.request("GET", "Organisation")  # the minute is spent: waiting longer than a call may
    assert not sandbox.requests.find(status=429)
