"""Rate limits per API key: 8/s and 1,000,000/day; over-rate is a 403 RateLimitError without Retry-After."""

from __future__ import annotations

import pytest

from .conftest import body_of

pytestmark = pytest.mark.anyio


async def test_per_second_limit_then_recovery(myob, clock):
    myob.sandbox.set_limits(per_second=8)
    for _ in range(8):
        assert (await myob.get("Company")).status_code == 200
    refused = await myob.get("Company")
    assert refused.status_code == 403 and "retry-after" not in refused.headers
    assert body_of(refused)["Errors"] == [{
        "Name": "RateLimitError", "Message": "API key has exceeded the per-second rate limit",
        "AdditionalDetails": "Header: x-myobapi-key", "ErrorCode": None, "Severity": "Error", "LearnMore": None}]
    clock.advance(1)
    assert (await myob.get("Company")).status_code == 200


async def test_daily_limit_shrunk_from_admin(myob, http, clock):
    state = (await http.post("/__sandbox__/limits", json={"per_day": 3, "reset_counters": True})).json()
    assert state["limits"]["per_day"] == 3
    for _ in range(3):
        assert (await myob.get("Company")).status_code == 200
    refused = await myob.get("Company")
    assert body_of(refused)["Errors"][0]["Message"] == "API key has exceeded the daily rate limit"
    clock.advance(86400)
    await myob.login()  # the access token expired meanwhile
    assert (await myob.get("Company")).status_code == 200


async def test_limits_are_per_key_and_cover_the_legacy_api(myob, legacy):
    myob.sandbox.set_limits(per_second=2)
    assert (await myob.get("Company")).status_code == 200
    assert (await legacy.get("")).status_code == 200
    refused = await legacy.get("")
    assert refused.status_code == 403 and body_of(refused)["errors"][0]["name"] == "RateLimitError"
