"""Headers, tokens and consent: API key, version, bearer (20 min), refresh rotation, businessId, cftoken, gzip, ETag."""

from __future__ import annotations

import gzip
from urllib.parse import parse_qs, urlsplit

import pytest

from plugins.myob.sandbox import MyobSandbox

from .conftest import BASE, MyobAPI, body_of

pytestmark = pytest.mark.anyio


async def test_api_key_version_and_token_are_checked(myob):
    no_key = await myob.get("Company/Preferences", headers={"x-myobapi-key": ""})
    assert no_key.status_code == 403
    error = body_of(no_key)["Errors"][0]
    assert (error["Name"], error["Message"]) == ("DeveloperInactive", "API key is missing or inactive")
    assert (await myob.get("Company/Preferences", headers={"x-myobapi-version": "v1"})).status_code == 400
    no_token = await myob.get("Company/Preferences", headers={"Authorization": ""})
    assert no_token.status_code == 401
    assert body_of(no_token)["Errors"][0]["Message"] == "The supplied OAuth token (Bearer) is not valid"
    assert (await myob.get("Company/Preferences", headers={"Authorization": "Bearer nope"})).status_code == 401


async def test_access_tokens_last_20_minutes_and_refresh_rotates(myob, clock):
    tokens = await myob.login()
    assert tokens["expires_in"] == 1200 and tokens["token_type"] == "bearer" and tokens["user"]["username"]
    old_refresh = myob.creds["refresh_token"]
    clock.advance(1199)
    assert (await myob.get("Company/Preferences")).status_code == 200
    clock.advance(1)
    assert (await myob.get("Company/Preferences")).status_code == 401
    await myob.login()
    assert (await myob.get("Company/Preferences")).status_code == 200
    replay = await myob.http.post("/oauth2/v1/authorize", data={
        "grant_type": "refresh_token", "refresh_token": old_refresh,
        "client_id": myob.creds["client_id"], "client_secret": myob.creds["client_secret"]})
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"


async def test_expires_in_as_string_option(clock, http):
    sandbox = MyobSandbox(clock=clock, expires_in_as_string=True)
    import httpx

    from core.sandbox.transport import SandboxTransport
    async with httpx.AsyncClient(transport=SandboxTransport(sandbox.app), base_url=BASE) as client:
        tokens = await MyobAPI(sandbox, client).login()
    assert tokens["expires_in"] == "1200"


async def test_consent_redirect_carries_business_id_and_limits_the_token(clock):
    import httpx

    from core.sandbox.transport import SandboxTransport
    sandbox = MyobSandbox(clock=clock, redirect_uris=["https://app.example/callback"],
                          businesses=[{}, {"id": "0a0a0a0a-0000-4000-8000-000000000002", "name": "Second File"}])
    async with httpx.AsyncClient(transport=SandboxTransport(sandbox.app), base_url=BASE) as http:
        params = {"client_id": sandbox.client.client_id, "redirect_uri": "https://app.example/callback",
                  "response_type": "code", "scope": "sme-company-file sme-sales", "state": "xyz", "prompt": "consent"}
        redirect = await http.get("/oauth2/account/authorize", params=params)
        assert redirect.status_code == 302
        query = parse_qs(urlsplit(redirect.headers["location"]).query)
        assert query["businessId"] == [sandbox.business_id] and query["businessName"] == ["Sandbox Plumbing Pty Ltd"]
        assert query["state"] == ["xyz"]
        token = (await http.post("/oauth2/v1/authorize", data={
            "grant_type": "authorization_code", "code": query["code"][0], "redirect_uri": "https://app.example/callback",
            "client_id": sandbox.client.client_id, "client_secret": sandbox.client.client_secret})).json()
        headers = {"Authorization": f"Bearer {token['access_token']}", "x-myobapi-key": sandbox.client.client_id,
                   "x-myobapi-version": "v2"}
        files = (await http.get("/accountright/", headers=headers)).json()
        assert [f["Id"] for f in files] == [sandbox.business_id]
        own = await http.get(f"/accountright/{sandbox.business_id}/Sale/Invoice", headers=headers)
        assert own.status_code == 200
        other = await http.get("/accountright/0a0a0a0a-0000-4000-8000-000000000002/Sale/Invoice", headers=headers)
        assert other.status_code == 403
        out_of_scope = await http.get(f"/accountright/{sandbox.business_id}/Contact/Customer", headers=headers)
        assert out_of_scope.status_code == 403
        without_prompt = await http.get("/oauth2/account/authorize", params={**params, "prompt": ""})
        assert "businessId" not in without_prompt.headers["location"]


async def test_company_file_list_uses_a_regional_uri(myob, http):
    files = body_of(await myob.call("GET", "/accountright/", absolute=True))
    assert isinstance(files, list) and files[0]["Uri"] == f"{BASE}/ar1/accountright/{myob.sandbox.business_id}"
    assert files[0]["UIAccessFlags"] == 3 and files[0]["Id"] == myob.sandbox.business_id
    root = body_of(await myob.call("GET", files[0]["Uri"].removeprefix(BASE), absolute=True))
    assert root["CompanyFile"]["Id"] == myob.sandbox.business_id and root["Resources"]
    plain = await myob.call("GET", f"/accountright/{myob.sandbox.business_id}/Company", absolute=True)
    assert plain.status_code == 200
    await http.post("/__sandbox__/company-files", json={"listed": False})
    assert body_of(await myob.call("GET", "/accountright/", absolute=True)) == []


async def test_cftoken_only_where_the_file_needs_it(myob, http):
    assert (await myob.get("Company")).status_code == 200
    await http.post("/__sandbox__/preferences", json={"requires_cftoken": True, "cftoken": "QWRtaW5pc3RyYXRvcjo="})
    assert (await myob.get("Company")).status_code == 401
    assert (await myob.get("Company", headers={"x-myobapi-cftoken": "QWRtaW5pc3RyYXRvcjo="})).status_code == 200


async def test_gzip_and_etag(myob):
    customer = await myob.customer()
    await myob.invoice(customer)
    response = await myob.http.get(f"{myob.base}/Sale/Invoice", headers=myob.headers())
    assert response.headers["content-encoding"] == "gzip" and body_of(response)["Count"] == 1
    raw = await myob.http.send(myob.http.build_request("GET", f"{myob.base}/Sale/Invoice", headers=myob.headers()),
                               stream=True)
    compressed = b"".join([chunk async for chunk in raw.aiter_raw()])
    assert gzip.decompress(compressed).startswith(b'{"Items"')
    etag = response.headers["etag"]
    again = await myob.get("Sale/Invoice", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
