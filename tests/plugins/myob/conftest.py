"""Fixtures: a MYOB sandbox on a manual clock and authorised async clients for both editions."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import httpx
import pytest

from core.clock import ManualClock
from core.sandbox.transport import SandboxTransport
from plugins.myob.sandbox import MyobSandbox
from plugins.myob.sandbox.wire import dumps

BASE = "http://myob.sandbox"
START = datetime(2026, 3, 16, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def sandbox(clock: ManualClock) -> MyobSandbox:
    """The clock stands still, so the 8 calls/second limit is raised here (limit tests lower it)."""
    return MyobSandbox(clock=clock, limits={"per_second": 100_000})


def body_of(response: httpx.Response) -> Any:
    return json.loads(response.content, parse_float=Decimal)


class MyobAPI:
    """A thin test client: token via the token endpoint, MYOB headers, Decimal bodies."""

    def __init__(self, sandbox: MyobSandbox, http: httpx.AsyncClient, version: str = "v2") -> None:
        self.sandbox, self.http, self.version = sandbox, http, version
        self.creds = sandbox.credentials(BASE)
        self.access_token = ""
        if version == "v2":
            self.base = sandbox.company_file_uri(BASE).removeprefix(BASE)
        else:
            self.base = f"/au/essentials/businesses/{self.creds['essentials_business_id']}"

    async def login(self) -> dict[str, Any]:
        response = await self.http.post("/oauth2/v1/authorize", data={
            "grant_type": "refresh_token", "refresh_token": self.creds["refresh_token"],
            "client_id": self.creds["client_id"], "client_secret": self.creds["client_secret"]})
        assert response.status_code == 200, response.text
        tokens = response.json()
        self.access_token, self.creds["refresh_token"] = tokens["access_token"], tokens["refresh_token"]
        return tokens

    def headers(self, **extra: str) -> dict[str, str]:
        sent = {"Authorization": f"Bearer {self.access_token}", "x-myobapi-key": self.creds["api_key"],
                "x-myobapi-version": self.version, "Accept": "application/json", "Accept-Encoding": "gzip,deflate"}
        sent.update(extra)
        return sent

    async def call(self, method: str, path: str, *, params: dict | None = None, body: Any = None,
                   headers: dict | None = None, absolute: bool = False) -> httpx.Response:
        sent = self.headers(**(headers or {}))
        content = None
        if body is not None:
            content = dumps(body)
            sent["Content-Type"] = "application/json"
        url = path if absolute else f"{self.base}/{path}".rstrip("/")
        return await self.http.request(method, url, params=params, content=content, headers=sent)

    async def get(self, path: str, **kw: Any) -> httpx.Response:
        return await self.call("GET", path, **kw)

    async def post(self, path: str, body: Any, **kw: Any) -> httpx.Response:
        return await self.call("POST", path, body=body, **kw)

    async def put(self, path: str, body: Any, **kw: Any) -> httpx.Response:
        return await self.call("PUT", path, body=body, **kw)

    async def delete(self, path: str, **kw: Any) -> httpx.Response:
        return await self.call("DELETE", path, **kw)

    # -- helpers for AccountRight ------------------------------------------------------------------
    async def uid_of(self, resource: str, field: str, value: str) -> str:
        found = body_of(await self.get(resource, params={"$filter": f"{field} eq '{value}'"}))["Items"]
        assert len(found) == 1, found
        return found[0]["UID"]

    async def create(self, path: str, body: dict) -> dict:
        response = await self.post(path, body, params={"returnBody": "true"})
        assert response.status_code == 201, response.text
        return body_of(response)

    async def customer(self, name: str = "Harbourside Dental", kind: str = "Customer") -> dict:
        return await self.create(f"Contact/{kind}", {"CompanyName": name, "IsIndividual": False})

    async def invoice(self, customer: dict, number: str | None = "INV-1", *, lines: list | None = None,
                      layout: str = "Service", date: str = "2026-03-10", inclusive: bool = False, **extra: Any) -> dict:
        body = {"Date": date, "Customer": {"UID": customer["UID"]}, "IsTaxInclusive": inclusive,
                "Lines": lines or [await self.line("130.01"), await self.line("0.30")]}
        if number:
            body["Number"] = number
        body.update(extra)
        return await self.create(f"Sale/Invoice/{layout}", body)

    async def line(self, total: str, account: str = "4-1000", tax: str = "GST", **extra: Any) -> dict:
        line = {"Type": "Transaction", "Description": "Blocked drain", "Total": Decimal(total),
                "Account": {"UID": await self.account_uid(account)}, "TaxCode": {"UID": await self.tax_uid(tax)}}
        line.update(extra)
        return line

    async def account_uid(self, display_id: str) -> str:
        return self.sandbox.business().account_by_display_id(display_id).uid

    async def tax_uid(self, code: str) -> str:
        return next(t.uid for t in self.sandbox.business().tax_codes if t.code == code)

    async def pay(self, customer: dict, invoice: dict, amount: str, *, date: str = "2026-03-12",
                  received: str | None = None) -> httpx.Response:
        return await self.post("Sale/CustomerPayment", {
            "DepositTo": "Account", "Account": {"UID": await self.account_uid("1-1110")},
            "Customer": {"UID": customer["UID"]}, "Date": date, "AmountReceived": Decimal(received or amount),
            "Invoices": [{"UID": invoice["UID"], "AmountApplied": Decimal(amount), "Type": "Invoice"}]},
            params={"returnBody": "true"})


@pytest.fixture
async def http(sandbox: MyobSandbox):
    async with httpx.AsyncClient(transport=SandboxTransport(sandbox.app), base_url=BASE) as client:
        yield client


@pytest.fixture
async def myob(sandbox: MyobSandbox, http: httpx.AsyncClient):
    api = MyobAPI(sandbox, http)
    await api.login()
    return api


@pytest.fixture
async def legacy(sandbox: MyobSandbox, http: httpx.AsyncClient):
    api = MyobAPI(sandbox, http, version="v0")
    await api.login()
    return api
