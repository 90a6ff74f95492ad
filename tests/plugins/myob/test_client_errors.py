"""The MYOB clients classify every failure the sandbox can produce: transient, permanent, reauth."""

from __future__ import annotations

import httpx
import pytest

from core.accounting import NeedsReauth, PermanentError, TransientError
from core.clock import ManualClock
from core.ratelimit import Limits, RateLimiter
from core.testing import sample_contact, sample_invoice
from plugins.myob.client import EssentialsClient, MyobClient
from plugins.myob.sandbox import MyobSandbox

from .connect import BASE, SALES, TAX, Transport, access_token, sandbox_connector


OPEN: list = []


@pytest.fixture
def sandbox():
    yield MyobSandbox(limits={"per_second": 100_000})
    while OPEN:
        OPEN.pop().close()


def client_for(sandbox, *, token=None, limiter=None, sleeps=None, essentials=False, **kwargs):
    creds = sandbox.credentials(BASE)
    access = access_token(sandbox, creds)
    cls, url, business = (EssentialsClient, creds["essentials_api_url"], creds["essentials_business_id"]) \
        if essentials else (MyobClient, creds["api_url"], creds["business_id"])
    client = cls(url, business, token or (lambda force=False: access), creds["api_key"],
                 transport=Transport(sandbox.app), limiter=limiter,
                 sleep=(sleeps.append if sleeps is not None else lambda s: None), **kwargs)
    OPEN.append(client)
    return client


def test_every_call_carries_myobs_headers_and_uses_the_regional_uri(sandbox):
    client = client_for(sandbox)
    assert client.get_json("Company")["CompanyName"]
    listing, company = sandbox.requests.all()[-2:]
    assert listing.path == "/accountright/" and company.path.startswith("/ar1/accountright/"), "the file's Uri"
    headers = {k.lower(): v for k, v in company.headers.items()}
    assert headers["x-myobapi-version"] == "v2" and headers["x-myobapi-key"] == sandbox.client.client_id
    assert headers["accept-encoding"] == "gzip,deflate" and "x-myobapi-cftoken" not in headers


def test_an_unlisted_company_file_is_reached_under_api_url(sandbox):
    sandbox.list_company_files = False  # API keys issued after March 2025 get an empty list
    client = client_for(sandbox)
    client.get_json("Company")
    assert sandbox.requests.all()[-1].path == f"/accountright/{sandbox.business_id}/Company"


def test_cftoken_only_where_the_file_needs_it(sandbox):
    business = sandbox.business()
    business.requires_cftoken, business.cftoken = True, "YWRtaW5pc3RyYXRvcjo="  # base64("administrator:")
    with pytest.raises(PermanentError, match="x-myobapi-cftoken"):
        client_for(sandbox).get_json("Company")
    assert client_for(sandbox, cftoken="YWRtaW5pc3RyYXRvcjo=").get_json("Company")


@pytest.mark.parametrize("kind, words", [
    ("unavailable", "HTML error page: 503 Service Unavailable"), ("maintenance", "503"),
    ("html_500", "HTML error page: 500"), ("error_500", "InternalError: An unexpected error occurred"),
    ("gateway_timeout", "GatewayTimeout: Connection to the API has timed out"),
])
def test_outages_are_transient_with_myobs_words(sandbox, kind, words):
    client = client_for(sandbox)
    client.resolve()
    sandbox.faults.add({"kind": kind, "count": 10})
    with pytest.raises(TransientError) as raised:
        client.request("GET", "Company")
    assert words in raised.value.message
    assert client.calls == 1 + 3, "a few quick retries inside the call, then the core's schedule takes over"


@pytest.mark.parametrize("kind, limit, wait", [("rate_limit", "per-second", 1.0), ("rate_limit_429", "per-second", 1.0),
                                               ("daily_limit", "daily", 3600.0)])
def test_over_rate_403_is_transient_with_a_sensible_wait(sandbox, kind, limit, wait):
    sleeps: list[float] = []
    client = client_for(sandbox, sleeps=sleeps)
    client.resolve()
    sandbox.faults.add({"kind": kind, "count": 10})
    with pytest.raises(TransientError) as raised:
        client.request("GET", "Company")
    assert f"{limit} limit" in raised.value.message and raised.value.retry_after == wait
    assert sleeps == ([1.0, 1.0] if wait == 1.0 else []), "a second's wait is ridden out, a day's is not"


def test_a_short_rate_limit_is_ridden_out(sandbox):
    sleeps: list[float] = []
    client = client_for(sandbox, sleeps=sleeps)
    client.resolve()
    sandbox.faults.add({"kind": "rate_limit", "count": 1})
    assert client.get_json("Company")
    assert sleeps == [1.0]


def test_developer_inactive_and_validation_errors(sandbox):
    client = client_for(sandbox)
    client.resolve()
    sandbox.faults.add({"kind": "developer_inactive", "count": 1})
    with pytest.raises(PermanentError, match="DeveloperInactive: API key is missing or inactive"):
        client.request("GET", "Company")
    sandbox.faults.add({"kind": "validation_error", "count": 1})
    response = client.request("POST", "Contact/Customer", body={"CompanyName": "X"})
    assert response.status_code == 400, "validation answers go back to the connector, per document"


def test_401_refreshes_once_then_needs_reauth(sandbox):
    asked: list[bool] = []

    def token(force=False):
        asked.append(force)
        return "not-a-token"

    with pytest.raises(NeedsReauth, match="OAuthTokenIsInvalid"):
        client_for(sandbox, token=token).get_json("Company")
    assert asked == [False, True], "one forced refresh after the first 401, then give up"


def test_a_post_whose_answer_was_lost_is_not_sent_again(sandbox):
    client = client_for(sandbox)
    client.resolve()
    sandbox.faults.add({"kind": "lost_response", "count": 1, "method": ["POST"]})
    with pytest.raises(TransientError):
        client.request("POST", "Contact/Customer", body={"CompanyName": "Once Only"})
    assert len(sandbox.business().contacts) == 1, "applied once, not re-sent (no idempotency key in MYOB)"
    sandbox.faults.add({"kind": "unavailable", "count": 1})
    client.request("POST", "Contact/Customer", body={"CompanyName": "Twice"})  # a 503 was not applied: resend
    assert len(sandbox.business().contacts) == 2


def test_timeouts_and_resets_are_transient(sandbox):
    slow, reset = client_for(sandbox, timeout=httpx.Timeout(0.2)), client_for(sandbox)
    slow.resolve()
    reset.resolve()
    sandbox.faults.add({"kind": "latency", "delay": 2, "count": 10})
    with pytest.raises(TransientError, match="did not answer in time"):
        slow.request("GET", "Company")
    sandbox.faults.clear()
    sandbox.faults.add({"kind": "reset", "count": 10})
    with pytest.raises(TransientError, match="connection to MYOB failed"):
        reset.request("GET", "Company")


def test_client_limiter_paces_at_myobs_published_rate():
    """8 calls a second per API key: the ninth waits for the window instead of meeting a 403."""
    clock = ManualClock()
    sandbox = MyobSandbox(clock=clock)  # MYOB's 8 calls/s, on the same clock as the client's limiter
    limiter = RateLimiter(Limits(concurrent=8, per_minute=480, per_day=1_000_000, app_per_minute=10**6, per_second=8),
                          clock)
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.advance(seconds)

    client = client_for(sandbox, limiter=limiter)
    client.sleep = sleep
    for _ in range(8):  # and the company-file list
        client.request("GET", "Company")
    assert sleeps == [1] and not sandbox.requests.find(status=403)
    sandbox.requests.clear()
    limiter.reset()
    client.limiter = None  # without it, MYOB answers the ninth call of a second with 403 RateLimitError
    for _ in range(9):
        try:
            client.request("GET", "Company")
        except TransientError:
            break
    assert sandbox.requests.find(status=403)


def test_essentials_418_says_move_to_accountright_and_423_is_transient(sandbox):
    client = client_for(sandbox, essentials=True)
    assert client.get_json("")["name"]
    sandbox.set_upgrade_state("upgrading")
    with pytest.raises(TransientError, match="upgrading") as raised:
        client.get_json("contacts")
    assert raised.value.status == 423 and raised.value.retry_after and raised.value.retry_after > 20
    sandbox.set_upgrade_state("upgraded")
    with pytest.raises(PermanentError) as refused:
        client.get_json("contacts")
    assert refused.value.status == 418
    assert "move the tenant to the `accountright` edition" in refused.value.message


def test_an_upgraded_essentials_business_fails_a_push_clearly(sandbox):
    connector = sandbox_connector(sandbox, "essentials")
    (contact,) = connector.push_contacts([sample_contact("Legacy Customer")])
    sandbox.set_upgrade_state("upgraded")
    invoice = sample_invoice("LEG-1", sample_contact("Legacy Customer", remote_id=contact.remote_id),
                             account=SALES, tax_code=TAX)
    with pytest.raises(PermanentError, match="`accountright` edition"):
        connector.push_invoices([invoice])
    sandbox.set_upgrade_state("upgrading")
    with pytest.raises(TransientError, match="423"):
        connector.push_invoices([invoice])
