"""Rate limits: remaining-count headers on every call; 429 with Retry-After and X-Rate-Limit-Problem."""

from __future__ import annotations

import asyncio

import pytest

from core.ratelimit import Limits

pytestmark = pytest.mark.anyio


async def test_remaining_headers_count_down(xero):
    first = await xero.get("Organisation")
    second = await xero.get("Organisation")
    assert first.headers["X-MinLimit-Remaining"] == "59" and second.headers["X-MinLimit-Remaining"] == "58"
    assert second.headers["X-DayLimit-Remaining"] == "4998"
    assert second.headers["X-AppMinLimit-Remaining"] == "9998"


async def test_minute_limit_then_recovery(xero, clock):
    xero.sandbox.set_limits(per_minute=3)
    for _ in range(3):
        assert (await xero.get("Organisation")).status_code == 200
    refused = await xero.get("Organisation")
    assert refused.status_code == 429
    assert refused.headers["X-Rate-Limit-Problem"] == "minute" and refused.headers["Retry-After"] == "60"
    assert refused.headers["X-MinLimit-Remaining"] == "0"
    clock.advance(30)
    assert (await xero.get("Organisation")).headers["Retry-After"] == "30"
    clock.advance(30)
    assert (await xero.get("Organisation")).status_code == 200


async def test_day_and_app_limits(xero, clock):
    xero.sandbox.set_limits(per_day=2, app_per_minute=100)
    await xero.get("Organisation")
    await xero.get("Organisation")
    refused = await xero.get("Organisation")
    assert refused.headers["X-Rate-Limit-Problem"] == "day" and int(refused.headers["Retry-After"]) == 86400
    xero.sandbox.limiter.reset()
    xero.sandbox.set_limits(per_day=5000, app_per_minute=1)
    await xero.get("Organisation")
    assert (await xero.get("Organisation")).headers["X-Rate-Limit-Problem"] == "appminute"


async def test_concurrency_limit(clock):
    import httpx

    from core.sandbox.transport import SandboxTransport
    from plugins.xero.sandbox import XeroSandbox

    from .conftest import BASE, XeroAPI
    sandbox = XeroSandbox(clock=clock, limits=Limits(concurrent=2), processing_delay=0.05)
    async with httpx.AsyncClient(transport=SandboxTransport(sandbox.app), base_url=BASE) as http:
        xero = XeroAPI(sandbox, http)
        await xero.login()
        results = await asyncio.gather(*(xero.get("Organisation") for _ in range(4)))
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200, 200, 429, 429]
    assert {r.headers.get("X-Rate-Limit-Problem") for r in results if r.status_code == 429} == {"concurrent"}
