"""core.sandbox building blocks: clock, rate limiter, idempotency cache, fault plan, OAuth server."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone

import pytest

from core.clock import ManualClock, SystemClock
from core.sandbox.faults import FaultError, FaultPlan
from core.sandbox.idempotency import CachedResponse, IdempotencyCache, fingerprint
from core.sandbox.oauth import AuthorizationServer, OAuthError, TokenRejected, pkce_challenge
from core.ratelimit import Limits, RateLimiter

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_manual_clock_moves_only_forward():
    clock = ManualClock(T0)
    assert clock.advance(90) == T0 + timedelta(seconds=90)
    with pytest.raises(ValueError):
        clock.advance(-1)
    with pytest.raises(ValueError):
        ManualClock(datetime(2026, 1, 1))
    assert SystemClock().now().tzinfo is not None


def test_rate_limiter_windows_and_concurrency():
    clock = ManualClock(T0)
    limiter = RateLimiter(Limits(concurrent=1, per_minute=2, per_day=3, app_per_minute=10), clock)
    first = limiter.acquire("t")
    assert first.allowed and (first.minute_remaining, first.day_remaining) == (1, 2)
    busy = limiter.acquire("t")
    assert (busy.allowed, busy.problem, busy.retry_after) == (False, "concurrent", 1)
    limiter.release("t")
    assert limiter.acquire("other").allowed  # tenants are separate
    limiter.release("other")
    clock.advance(10)
    assert limiter.acquire("t").allowed
    limiter.release("t")
    minute = limiter.acquire("t")
    assert (minute.problem, minute.retry_after) == ("minute", 50)
    clock.advance(50)
    assert limiter.acquire("t").allowed
    limiter.release("t")
    clock.advance(60)
    day = limiter.acquire("t")
    assert day.problem == "day" and day.retry_after == 86400 - 120
    with pytest.raises(ValueError):
        Limits().with_changes(per_hour=1)


def test_idempotency_cache_replay_conflict_expiry():
    clock = ManualClock(T0)
    cache = IdempotencyCache(timedelta(minutes=6), clock)
    fp = fingerprint("PUT", "/x", b"{}")
    assert cache.lookup("t", "k", fp) == ("new", None)
    assert cache.lookup("t", "k", fp) == ("pending", None)
    cache.store("t", "k", CachedResponse(200, (), b"ok"))
    assert cache.lookup("t", "k", fp)[0] == "replay"
    assert cache.lookup("t", "k", fingerprint("POST", "/x", b"{}"))[0] == "conflict"
    assert cache.lookup("other", "k", fingerprint("POST", "/x", b"{}"))[0] == "new"
    clock.advance(360)
    assert cache.lookup("t", "k", fp)[0] == "new"


def test_fault_plan_matching():
    clock = ManualClock(T0)
    plan = FaultPlan({"down": {"status": 503, "body": "down"}}, clock)
    glob = plan.add({"kind": "down", "path": "/api/*/Invoices", "header": {"X-Tenant": "a"}, "count": 1})
    window = plan.add({"kind": "down", "method": ["get"], "after": 10, "duration": 10})
    assert plan.take("GET", "/api/v2/invoices", {"x-tenant": "b"}) is None
    assert plan.take("POST", "/api/v2/Invoices", {"x-tenant": "a"}) is glob
    assert plan.take("POST", "/api/v2/Invoices", {"x-tenant": "a"}) is None
    assert plan.take("GET", "/y", {}) is None
    clock.advance(10)
    assert plan.take("GET", "/y", {}) is window
    clock.advance(10)
    assert plan.take("GET", "/y", {}) is None and plan.list() == []
    with pytest.raises(FaultError):
        plan.extend("nonsense")


def _server():
    clock = ManualClock(T0)
    server = AuthorizationServer(clock, access_ttl=timedelta(minutes=30), refresh_grace=timedelta(minutes=30))
    client = server.register_client("cid", "secret", ["http://localhost/cb"])
    public = server.register_client("pub", None)
    return clock, server, client, public


def test_oauth_rotation_grace_expiry_and_revocation():
    clock, server, client, _ = _server()
    grant = server.grant("cid", ["offline_access", "x"])
    revoked = []
    server.on_revoke.append(revoked.append)
    rt = server.issue_refresh_token(grant)
    basic = "Basic " + base64.b64encode(b"cid:secret").decode()
    first = server.token({"grant_type": "refresh_token", "refresh_token": rt}, basic)
    assert server.validate(first["access_token"]) is grant
    clock.advance(timedelta(minutes=30))
    with pytest.raises(TokenRejected) as expired:
        server.validate(first["access_token"])
    assert expired.value.expired_at == T0 + timedelta(minutes=30)
    with pytest.raises(OAuthError) as late:
        server.token({"grant_type": "refresh_token", "refresh_token": rt, "client_id": "cid", "client_secret": "secret"})
    assert late.value.error == "invalid_grant"
    with pytest.raises(OAuthError) as scope:
        server.token({"grant_type": "refresh_token", "refresh_token": first["refresh_token"], "scope": "y"}, basic)
    assert scope.value.error == "invalid_scope"
    second = server.token({"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}, basic)
    server.revoke({"token": second["refresh_token"]}, basic)
    assert revoked == [grant]
    with pytest.raises(TokenRejected):
        server.validate(second["access_token"])


def test_oauth_refresh_token_only_with_offline_access_and_idle_expiry():
    clock, server, _, _ = _server()
    online = server.grant("cid", ["openid"])
    body = server._token_response(online, server._new_refresh(online))
    assert "refresh_token" not in body and "id_token" in body
    offline = server.grant("cid", ["offline_access"])
    rt = server.issue_refresh_token(offline)
    clock.advance(timedelta(days=60))
    with pytest.raises(OAuthError):
        server.token({"grant_type": "refresh_token", "refresh_token": rt, "client_id": "cid", "client_secret": "secret"})


def test_oauth_public_client_needs_pkce():
    _, server, _, public = _server()
    no_pkce = server.authorize({"response_type": "code", "client_id": "pub", "redirect_uri": "http://localhost/x",
                                "scope": "offline_access", "state": "s"})
    assert "error=invalid_request" in no_pkce and "state=s" in no_pkce
    verifier = "v" * 43
    url = server.authorize({"response_type": "code", "client_id": "pub", "redirect_uri": "http://localhost/x",
                            "scope": "offline_access", "code_challenge": pkce_challenge(verifier),
                            "code_challenge_method": "S256"})
    code = url.split("code=")[1].split("&")[0]
    tokens = server.token({"grant_type": "authorization_code", "client_id": "pub", "code": code,
                           "redirect_uri": "http://localhost/x", "code_verifier": verifier})
    assert tokens["refresh_token"]
    with pytest.raises(OAuthError):
        server.authorize({"client_id": "cid", "redirect_uri": "http://evil/cb", "response_type": "code"})
