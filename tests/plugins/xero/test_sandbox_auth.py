"""Identity: code + PKCE, refresh rotation with a 30-minute grace, expiry, revocation, tenants, /connections."""

from __future__ import annotations

import base64
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest

from core.sandbox.oauth import pkce_challenge

from .conftest import body_of

pytestmark = pytest.mark.anyio


async def _refresh(xero, token: str, basic: bool = True):
    creds = xero.creds
    form = {"grant_type": "refresh_token", "refresh_token": token}
    if basic:
        return await xero.http.post("/identity/connect/token", data=form, auth=(creds["client_id"], creds["client_secret"]))
    form.update(client_id=creds["client_id"], client_secret=creds["client_secret"])
    return await xero.http.post("/identity/connect/token", data=form)


async def test_authorization_code_with_pkce(xero):
    verifier = secrets.token_urlsafe(48)
    redirect = "http://localhost:8765/callback"
    response = await xero.http.get("/identity/connect/authorize", params={
        "response_type": "code", "client_id": xero.creds["client_id"], "redirect_uri": redirect,
        "scope": "openid offline_access accounting.transactions", "state": "xyz",
        "code_challenge": pkce_challenge(verifier), "code_challenge_method": "S256"})
    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    query = parse_qs(location.query)
    assert f"{location.scheme}://{location.netloc}{location.path}" == redirect and query["state"] == ["xyz"]
    form = {"grant_type": "authorization_code", "code": query["code"][0], "redirect_uri": redirect,
            "code_verifier": "wrong" * 10}
    auth = (xero.creds["client_id"], xero.creds["client_secret"])
    bad = await xero.http.post("/identity/connect/token", data=form, auth=auth)
    assert bad.status_code == 400 and bad.json() == {"error": "invalid_grant"}
    form["code_verifier"] = verifier
    good = await xero.http.post("/identity/connect/token", data=form, auth=auth)
    tokens = good.json()
    assert good.status_code == 200 and tokens["expires_in"] == 1800 and tokens["token_type"] == "Bearer"
    assert {"access_token", "refresh_token", "id_token", "scope"} <= set(tokens)
    claims = tokens["access_token"].split(".")[1]
    payload = base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4))
    event = __import__("json").loads(payload)["authentication_event_id"]
    conns = await xero.http.get("/connections", params={"authEventId": event},
                                headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert [c["tenantId"] for c in conns.json()] == [xero.tenant]
    assert conns.json()[0]["tenantType"] == "ORGANISATION" and conns.json()[0]["tenantName"]
    reused = await xero.http.post("/identity/connect/token", data=form, auth=auth)
    assert reused.status_code == 400  # codes are single-use


async def test_authorize_refuses_plain_pkce_and_unknown_client(xero):
    response = await xero.http.get("/identity/connect/authorize", params={
        "response_type": "code", "client_id": xero.creds["client_id"], "redirect_uri": "http://localhost/cb",
        "scope": "openid", "code_challenge": "abc", "code_challenge_method": "plain", "state": "s"})
    assert response.status_code == 302 and "error=invalid_request" in response.headers["location"]
    unknown = await xero.http.get("/identity/connect/authorize", params={"client_id": "nope", "redirect_uri": "http://x"})
    assert unknown.status_code == 400


async def test_refresh_rotation_with_grace_then_invalid_grant(xero, clock):
    old = xero.creds["refresh_token"]
    first = await _refresh(xero, old)
    new = first.json()["refresh_token"]
    assert first.status_code == 200 and new != old
    clock.advance(29 * 60)
    retry = await _refresh(xero, old, basic=False)  # the response was "lost": the old token still works
    assert retry.status_code == 200 and retry.json()["refresh_token"] == new
    clock.advance(61)
    late = await _refresh(xero, old)
    assert late.status_code == 400 and late.json() == {"error": "invalid_grant"}
    assert (await _refresh(xero, new)).status_code == 200
    wrong_secret = await xero.http.post("/identity/connect/token", data={
        "grant_type": "refresh_token", "refresh_token": new}, auth=(xero.creds["client_id"], "nope"))
    assert wrong_secret.status_code == 401 and wrong_secret.json() == {"error": "invalid_client"}


async def test_expired_and_bad_tokens_get_xero_401_bodies(xero, clock):
    assert (await xero.get("Organisation")).status_code == 200
    clock.advance(30 * 60)
    expired = await xero.get("Organisation")
    body = body_of(expired)
    assert expired.status_code == 401 and body["Title"] == "Unauthorized" and body["Status"] == 401
    assert body["Detail"].startswith("TokenExpired: token expired at ")
    xero.access_token = "garbage"
    assert body_of(await xero.get("Organisation"))["Detail"] == "AuthenticationUnsuccessful"


async def test_tenant_header_required_and_checked(xero):
    missing = await xero.get("Invoices", headers={"xero-tenant-id": ""})
    assert missing.status_code == 403 and body_of(missing)["Detail"] == "AuthenticationUnsuccessful"
    other = await xero.get("Invoices", headers={"xero-tenant-id": "11111111-2222-3333-4444-555555555555"})
    assert other.status_code == 403


async def test_revocation_and_disconnect(xero):
    conns = (await xero.http.get("/connections", headers={"Authorization": f"Bearer {xero.access_token}"})).json()
    deleted = await xero.http.delete(f"/connections/{conns[0]['id']}",
                                     headers={"Authorization": f"Bearer {xero.access_token}"})
    assert deleted.status_code == 204
    assert (await xero.get("Organisation")).status_code == 403  # the tenant is no longer connected
    await xero.login()  # same grant: still disconnected
    assert (await xero.get("Organisation")).status_code == 403
    fresh = xero.sandbox.credentials("http://x")  # a new grant connects again
    xero.creds["refresh_token"] = fresh["refresh_token"]
    await xero.login()
    assert (await xero.get("Organisation")).status_code == 200
    revoked = await xero.http.post("/identity/connect/revocation", data={"token": xero.creds["refresh_token"]},
                                   auth=(xero.creds["client_id"], xero.creds["client_secret"]))
    assert revoked.status_code == 200
    assert (await _refresh(xero, xero.creds["refresh_token"])).json() == {"error": "invalid_grant"}
    assert (await xero.get("Organisation")).status_code == 401


async def test_discovery_document(xero):
    doc = (await xero.http.get("/identity/.well-known/openid-configuration")).json()
    assert doc["token_endpoint"].endswith("/identity/connect/token")
    assert doc["code_challenge_methods_supported"] == ["S256"]
