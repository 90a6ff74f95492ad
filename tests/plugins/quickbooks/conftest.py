"""Fixtures: a QuickBooks sandbox on a manual clock and an authorised async test client."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import httpx
import pytest

from core.clock import ManualClock
from core.sandbox.transport import SandboxTransport
from plugins.quickbooks.sandbox import QuickBooksSandbox
from plugins.quickbooks.sandbox.wire import dumps

BASE = "http://qbo.sandbox"
START = datetime(2026, 3, 16, 20, 0, tzinfo=timezone.utc)  # 2026-03-16 12:00 in the sandbox's -08:00
JSON = {"Accept": "application/json"}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def sandbox(clock: ManualClock) -> QuickBooksSandbox:
    return QuickBooksSandbox(clock=clock)


def body_of(response: httpx.Response) -> Any:
    return json.loads(response.content, parse_float=Decimal)


def fault_code(response: httpx.Response) -> str:
    return body_of(response)["Fault"]["Error"][0]["code"]


class QBO:
    """A thin test client: a token from the refresh grant, the realm path, JSON by default."""

    def __init__(self, sandbox: QuickBooksSandbox, http: httpx.AsyncClient) -> None:
        self.sandbox, self.http = sandbox, http
        self.creds = sandbox.credentials(BASE)
        self.realm = self.creds["realm_id"]
        self.access_token = ""

    async def refresh(self, token: str | None = None) -> httpx.Response:
        return await self.http.post("/oauth2/v1/tokens/bearer", data={
            "grant_type": "refresh_token", "refresh_token": token or self.creds["refresh_token"]},
            auth=(self.creds["client_id"], self.creds["client_secret"]), headers=JSON)

    async def login(self) -> dict[str, Any]:
        response = await self.refresh()
        assert response.status_code == 200, response.text
        tokens = response.json()
        self.access_token, self.creds["refresh_token"] = tokens["access_token"], tokens["refresh_token"]
        return tokens

    def path(self, resource: str) -> str:
        return f"/v3/company/{self.realm}/{resource}"

    async def call(self, method: str, resource: str, *, params: dict | None = None, body: Any = None,
                   headers: dict | None = None, content: bytes | None = None) -> httpx.Response:
        sent = {"Authorization": f"Bearer {self.access_token}", **JSON}
        sent.update(headers or {})
        if body is not None:
            content = dumps(body)
            sent.setdefault("Content-Type", "application/json")
        query = {"minorversion": "75", **(params or {})}
        return await self.http.request(method, self.path(resource), params=query, content=content, headers=sent)

    async def get(self, resource: str, **kw: Any) -> httpx.Response:
        return await self.call("GET", resource, **kw)

    async def post(self, resource: str, body: Any, **kw: Any) -> httpx.Response:
        return await self.call("POST", resource, body=body, **kw)

    async def create(self, kind: str, body: dict, **kw: Any) -> dict:
        response = await self.post(kind.lower(), body, **kw)
        assert response.status_code == 200, response.text
        return body_of(response)[kind]

    async def query(self, text: str) -> httpx.Response:
        return await self.get("query", params={"query": text})

    async def customer(self, name: str = "Acme Ltd", **extra: Any) -> dict:
        return await self.create("Customer", {"DisplayName": name, **extra})

    async def vendor(self, name: str = "Pipe Supplies Ltd", **extra: Any) -> dict:
        return await self.create("Vendor", {"DisplayName": name, **extra})


@pytest.fixture
async def qbo(sandbox: QuickBooksSandbox):
    async with httpx.AsyncClient(transport=SandboxTransport(sandbox.app), base_url=BASE) as http:
        client = QBO(sandbox, http)
        await client.login()
        yield client


def line(amount: str, *, item: str = "1", tax_code: str | None = "5", qty: str | None = None,
         price: str | None = None, **detail: Any) -> dict:
    """A SalesItemLine (item 1 "Services"; tax code 5 is GST 15 %)."""
    sales: dict[str, Any] = {"ItemRef": {"value": item}, **detail}
    if tax_code:
        sales["TaxCodeRef"] = {"value": tax_code}
    if qty is not None:
        sales["Qty"] = Decimal(qty)
    if price is not None:
        sales["UnitPrice"] = Decimal(price)
    return {"Amount": Decimal(amount), "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": sales}


def invoice(customer: dict, *amounts: str, number: str | None = "INV-1", mode: str = "TaxExcluded",
            date: str = "2026-03-10", **extra: Any) -> dict:
    body: dict[str, Any] = {"CustomerRef": {"value": customer["Id"]}, "Line": [line(a) for a in amounts or ("100.00",)],
                            "CurrencyRef": {"value": customer["CurrencyRef"]["value"]},
                            "GlobalTaxCalculation": mode, "TxnDate": date}
    if number:
        body["DocNumber"] = number
    body.update(extra)
    return body


def payment(customer: dict, total: str, *applied: tuple[str, str], date: str = "2026-03-12", **extra: Any) -> dict:
    body: dict[str, Any] = {"CustomerRef": {"value": customer["Id"]}, "TotalAmt": Decimal(total), "TxnDate": date,
                            "CurrencyRef": {"value": customer["CurrencyRef"]["value"]},
                            "Line": [{"Amount": Decimal(a), "LinkedTxn": [{"TxnId": i, "TxnType": "Invoice"}]}
                                     for i, a in applied]}
    body.update(extra)
    return body
