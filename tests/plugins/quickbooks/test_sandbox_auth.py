"""Intuit OAuth: authorize with realmId, 60-minute access tokens, rotation with a 24-hour stale window, revoke."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from .conftest import JSON, body_of

pytestmark = pytest.mark.anyio


async def test_authorization_code_redirect_carries_the_realm(qbo):
    redirect = "http://localhost:8765/callback"
    response = await qbo.http.get("/connect/oauth2", params={
        "response_type": "code", "client_id": qbo.creds["client_id"], "redirect_uri": redirect,
        "scope": "com.intuit.quickbooks.accounting", "state": "s1"})
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["realmId"] == [qbo.realm] and query["state"] == ["s1"]
    auth = (qbo.creds["client_id"], qbo.creds["client_secret"])
    form = {"grant_type": "authorization_code", "code": query["code"][0], "redirect_uri": redirect}
    tokens = (await qbo.http.post("/oauth2/v1/tokens/bearer", data=form, auth=auth)).json()
    assert tokens["expires_in"] == 3600 and tokens["token_type"] == "bearer"
    assert tokens["x_refresh_token_expires_in"] == 100 * 86400 and tokens["refresh_token"]
    reused = await qbo.http.post("/oauth2/v1/tokens/bearer", data=form, auth=auth)
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"


async def test_refresh_rotation_and_24_hour_staleness(qbo, clock):
    old = qbo.creds["refresh_token"]
    clock.advance(3600)
    fresh = (await qbo.refresh(old)).json()
    assert fresh["refresh_token"] != old
    clock.advance(23 * 3600)  # the previous token still works for 24 h, giving the same successor
    again = (await qbo.refresh(old)).json()
    assert again["refresh_token"] == fresh["refresh_token"]
    clock.advance(3600)
    stale = await qbo.refresh(old)
    assert stale.status_code == 400
    assert stale.json() == {"error": "invalid_grant", "error_description": "Incorrect or invalid refresh token"}
    assert (await qbo.refresh(fresh["refresh_token"])).status_code == 200
    wrong_secret = await qbo.http.post("/oauth2/v1/tokens/bearer", auth=(qbo.creds["client_id"], "nope"), data={
        "grant_type": "refresh_token", "refresh_token": fresh["refresh_token"]})
    assert wrong_secret.status_code == 401 and wrong_secret.json()["error"] == "invalid_client"


async def test_expired_access_token_is_a_3200_fault(qbo, clock):
    assert (await qbo.get("companyinfo/" + qbo.realm)).status_code == 200
    clock.advance(3600)
    expired = await qbo.get("companyinfo/" + qbo.realm)
    assert expired.status_code == 401 and "invalid_token" in expired.headers["www-authenticate"]
    error = body_of(expired)["fault"]["error"][0]
    assert error["code"] == "3200" and error["message"].startswith("message=AuthenticationFailed; errorCode=003200")
    assert body_of(expired)["fault"]["type"] == "AUTHENTICATION"
    xml = await qbo.get("companyinfo/" + qbo.realm, headers={"Accept": "application/xml"})
    assert xml.status_code == 401 and '<Fault type="AuthenticationFault"><Error code="3200">' in xml.text
    await qbo.login()
    assert (await qbo.get("companyinfo/" + qbo.realm)).status_code == 200


async def test_wrong_realm_and_revocation(qbo):
    other_realm = await qbo.http.get("/v3/company/123/companyinfo/123", headers={
        "Authorization": f"Bearer {qbo.access_token}", **JSON})
    assert other_realm.status_code == 403 and body_of(other_realm)["fault"]["error"][0]["code"] == "3100"
    revoked = await qbo.http.post("/oauth2/v1/tokens/revoke", json={"token": qbo.creds["refresh_token"]},
                                  auth=(qbo.creds["client_id"], qbo.creds["client_secret"]))
    assert revoked.status_code == 200
    assert (await qbo.get("preferences")).status_code == 401
    assert (await qbo.refresh()).status_code == 400
