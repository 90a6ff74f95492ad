"""The QuickBooks client classifies every failure the sandbox can produce, in Intuit's own words:
HTML/XML outages and throttles are transient (with the right wait), faults are permanent with their
Message and Detail (even inside an HTTP 200), 401 refreshes once, 403 is permanent."""

from __future__ import annotations

import json
from datetime import date

import httpx
import pytest

from core.accounting import NeedsReauth, PermanentError, TransientError
from core.ratelimit import Limits, RateLimiter
from core.testing import sample_contact, sample_invoice
from plugins.quickbooks.client import QBOFault, fault_from_xml
from plugins.quickbooks.sandbox import QuickBooksSandbox

from .helpers import sandbox_client, sandbox_connector


@pytest.fixture
def sandbox():
    return QuickBooksSandbox()


@pytest.mark.parametrize("kind, status, words", [
    ("unavailable", 503, "HTML error page: 503 Service Temporarily Unavailable"),
    ("bad_gateway", 502, "HTML error page: 502 Bad Gateway"),
    ("gateway_timeout", 504, "Timeout occurred while proxying request; errorCode=006002; statusCode=504 [6002]"),
    ("server_error", 500, "message=InternalServerError; errorCode=003100; statusCode=500 [3100]"),
    ("system_failure", 500, "An application error has occurred while processing your request: System Failure "
                            "Error: An unexpected error occurred"),
])
def test_outages_are_transient_with_intuits_words(sandbox, kind, status, words):
    client = sandbox_client(sandbox)
    sandbox.faults.add({"kind": kind, "count": 10})
    with pytest.raises(TransientError) as raised:
        client.call("GET", "preferences")
    assert raised.value.status == status and words in raised.value.message
    assert client.calls == 3, "a few quick retries inside the call, then the core's schedule takes over"


def test_a_short_outage_is_ridden_out_inside_the_call(sandbox):
    sleeps: list[float] = []
    client = sandbox_client(sandbox, sleeps=sleeps)
    sandbox.faults.add({"kind": "unavailable", "count": 2})
    assert client.call("GET", "preferences")["Preferences"]
    assert len(sleeps) == 2 and 2.0 <= sleeps[0] <= 2.5 and 4.0 <= sleeps[1] <= 5.0, sleeps  # backoff, jittered


@pytest.mark.parametrize("kind, status", [("throttle", 429), ("throttle_403", 403)])
def test_throttles_wait_a_minute_whatever_their_status(sandbox, kind, status):
    sleeps: list[float] = []
    client = sandbox_client(sandbox, sleeps=sleeps)
    sandbox.faults.add({"kind": kind, "count": 1})
    with pytest.raises(TransientError) as raised:
        client.call("GET", "preferences")
    assert raised.value.status == status and raised.value.retry_after == 60
    assert sleeps == [] and client.calls == 1, "60 s is longer than a call may wait: the core schedules the retry"


def test_a_retry_after_header_is_honoured(sandbox):
    sleeps: list[float] = []
    client = sandbox_client(sandbox, sleeps=sleeps)
    sandbox.faults.add({"kind": "throttle", "count": 1, "headers": {"Retry-After": "7"}})
    assert client.call("GET", "preferences")["Preferences"]
    assert sleeps == [7.0], "a short wait the answer asks for is waited out inside the call"


def test_validation_fault_is_permanent_with_message_and_detail(sandbox):
    client = sandbox_client(sandbox)
    sandbox.faults.add({"kind": "validation", "count": 1})
    with pytest.raises(QBOFault) as raised:
        client.call("POST", "customer", body={"DisplayName": "Anyone"})
    assert isinstance(raised.value, PermanentError) and raised.value.codes == {"6000"}
    assert raised.value.message == ("A business validation error has occurred while processing your request: "
                                    "Business Validation Error: the sandbox was told to reject this request [6000]")


def test_a_fault_inside_http_200_is_a_fault(sandbox):
    client = sandbox_client(sandbox)
    sandbox.faults.add({"kind": "company_status_200", "count": 1})
    with pytest.raises(QBOFault, match=r"Invalid Company Status: Subscription period has ended.*\[6190\]"):
        client.call("GET", "preferences")


def test_xml_faults_are_read():
    fault = fault_from_xml('<IntuitResponse xmlns="http://schema.intuit.com/finance/v3"><Fault type="ValidationFault">'
                           '<Error code="6240" element="DisplayName"><Message>Duplicate Name Exists Error</Message>'
                           '<Detail>The name supplied already exists. &amp; more</Detail></Error></Fault></IntuitResponse>')
    assert fault.type == "ValidationFault" and fault.codes == {"6240"}
    assert fault.text() == "Duplicate Name Exists Error: The name supplied already exists. & more [6240]"


@pytest.mark.parametrize("kind", ["token_expired", "auth_xml"])
def test_401_refreshes_once_and_carries_on(sandbox, kind):
    asked: list[bool] = []
    good = sandbox_client(sandbox).token

    def token(force=False):
        asked.append(force)
        return good()

    client = sandbox_client(sandbox, token=token)
    sandbox.faults.add({"kind": kind, "count": 1})
    assert client.call("GET", "preferences")["Preferences"]
    assert asked == [False, True]


def test_401_twice_needs_reauth(sandbox):
    asked: list[bool] = []

    def token(force=False):
        asked.append(force)
        return "not-a-token"

    with pytest.raises(NeedsReauth, match="AuthenticationFailed; errorCode=003200"):
        sandbox_client(sandbox, token=token).call("GET", "preferences")
    assert asked == [False, True], "one forced refresh after the first 401, then give up"


def test_forbidden_realm_is_permanent(sandbox):
    client = sandbox_client(sandbox)
    sandbox.faults.add({"kind": "forbidden", "count": 1})
    with pytest.raises(PermanentError, match="wrong or disconnected company.*ApplicationAuthorizationFailed"):
        client.call("GET", "preferences")


def test_timeouts_and_resets_are_transient(sandbox):
    slow, reset = sandbox_client(sandbox, timeout=httpx.Timeout(0.2)), sandbox_client(sandbox)
    sandbox.faults.add({"kind": "latency", "delay": 2, "count": 10})
    with pytest.raises(TransientError, match="did not answer in time"):
        slow.call("GET", "preferences")
    sandbox.faults.clear()
    sandbox.faults.add({"kind": "reset", "count": 10})
    with pytest.raises(TransientError, match="connection to QuickBooks Online failed"):
        reset.call("GET", "preferences")


def test_client_side_limiter_holds_calls_back(sandbox):
    limiter = RateLimiter(Limits(concurrent=10, per_minute=2, per_day=10 ** 9, app_per_minute=10 ** 9))
    client = sandbox_client(sandbox, limiter=limiter)
    client.call("GET", "preferences")
    client.call("GET", "preferences")
    with pytest.raises(TransientError, match="client-side minute limit"):
        client.call("GET", "preferences")
    assert not sandbox.requests.find(status=429)


def test_every_call_asks_for_json_with_minorversion_and_writes_carry_a_requestid(sandbox):
    client = sandbox_client(sandbox)
    client.call("GET", "preferences")
    created = client.write("Customer", {"DisplayName": "Replay Ltd"}, key="k1")
    again = client.write("Customer", {"DisplayName": "Replay Ltd"}, key="k1")  # a retry: replayed, not a 6240
    assert again["Id"] == created["Id"]
    api = [e for e in sandbox.requests.all() if "/v3/company/" in e.path]
    assert all(e.headers.get("accept") == "application/json" and "minorversion=75" in e.query for e in api)
    writes = [e for e in api if e.method == "POST"]
    assert len({e.query for e in writes}) == 1 and "requestid=" in writes[0].query


def test_a_stale_synctoken_is_read_again_and_the_update_retried_once(sandbox):
    connector = sandbox_connector(sandbox, base_currency="NZD")
    contact = sample_contact("Stale Ltd")
    (pushed,) = connector.push_contacts([contact])
    from dataclasses import replace

    invoice = sample_invoice("ST-1", replace(contact, remote_id=pushed.remote_id), tax_code="5")
    invoice = replace(invoice, currency="NZD")
    (created,) = connector.push_invoices([invoice])
    stale = json.dumps({"Fault": {"type": "ValidationFault", "Error": [{
        "Message": "Stale Object Error", "Detail": "Stale Object Error : You and Sandbox User were working on this "
                                                   "at the same time.", "code": "5010", "element": ""}]}})
    sandbox.faults.add({"kind": "response", "status": 400, "body": stale, "content_type": "application/json",
                        "method": "POST", "path": "/v3/company/*/invoice", "count": 1})
    (updated,) = connector.push_invoices([replace(invoice, remote_id=created.remote_id, reference="Revised")])
    assert updated.ok and updated.remote_id == created.remote_id, updated
    assert sandbox.company.get("Invoice", created.remote_id)["PrivateNote"] == "Revised"
    sandbox.faults.add({"kind": "response", "status": 400, "body": stale, "content_type": "application/json",
                        "method": "POST", "path": "/v3/company/*/invoice", "count": 2})
    (refused,) = connector.push_invoices([replace(invoice, remote_id=created.remote_id, reference="Again")])
    assert not refused.ok and refused.error.kind == "permanent" and "[5010]" in refused.error.message
    connector.close()


def test_rules_of_the_package_come_back_per_element(sandbox):
    connector = sandbox_connector(sandbox, base_currency="NZD")
    from dataclasses import replace

    contact = sample_contact("Rules Ltd")
    (pushed,) = connector.push_contacts([contact])
    contact = replace(contact, remote_id=pushed.remote_id)
    good = replace(sample_invoice("R-1", contact, tax_code="5"), currency="NZD")
    unknown_account = replace(good, number="R-2", lines=tuple(replace(l, account_code="999") for l in good.lines))
    long_number = replace(good, number="R-" + "9" * 30)
    sandbox.set_book_close_date(date(2026, 12, 31))
    results = connector.push_invoices([good, unknown_account, long_number])
    assert [r.ok for r in results] == [False, False, False]
    assert "Account Period Closed, Cannot Update Through Services API" in results[0].error.message
    assert "account code '999' is not in the QuickBooks chart of accounts" in results[1].error.message
    assert "at most 21 characters" in results[2].error.message
    assert sandbox.company.all("Invoice") == []
    connector.close()
