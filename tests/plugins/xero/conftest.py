"""Fixtures: a sandbox on a manual clock, and an authorised async client that checks every body.

Every response to an Accounting endpoint is validated against Xero's spec (strictly: no property
the schema does not declare), so each test also proves the sandbox speaks Xero's shapes.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import httpx
import pytest

from core.clock import ManualClock
from core.sandbox.transport import SandboxTransport
from plugins.xero.sandbox import XeroSandbox
from plugins.xero.sandbox.wire import dumps

from . import spec

BASE = "http://xero.sandbox"
START = datetime(2026, 3, 16, 9, 0, tzinfo=timezone.utc)
COLLECTIONS = {"invoices": "Invoices", "contacts": "Contacts", "payments": "Payments", "accounts": "Accounts",
               "organisation": "Organisations", "journals": "Journals"}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def sandbox(clock: ManualClock) -> XeroSandbox:
    return XeroSandbox(clock=clock)


def body_of(response: httpx.Response) -> Any:
    return json.loads(response.content, parse_float=Decimal)


class XeroAPI:
    """A thin test client: token via the identity endpoint, tenant header, spec checks."""

    def __init__(self, sandbox: XeroSandbox, http: httpx.AsyncClient) -> None:
        self.sandbox, self.http = sandbox, http
        self.creds = sandbox.credentials(BASE)
        self.tenant = self.creds["tenant_id"]
        self.access_token = ""

    async def login(self) -> dict[str, Any]:
        response = await self.http.post("/identity/connect/token", data={
            "grant_type": "refresh_token", "refresh_token": self.creds["refresh_token"]},
            auth=(self.creds["client_id"], self.creds["client_secret"]))
        assert response.status_code == 200, response.text
        tokens = response.json()
        self.access_token, self.creds["refresh_token"] = tokens["access_token"], tokens["refresh_token"]
        return tokens

    async def call(self, method: str, resource: str, *, params: dict | None = None, body: Any = None,
                   headers: dict | None = None, validate: bool = True) -> httpx.Response:
        sent = {"Authorization": f"Bearer {self.access_token}", "xero-tenant-id": self.tenant,
                "Accept": "application/json"}
        sent.update(headers or {})
        content = None
        if body is not None:
            content = dumps(body)
            sent["Content-Type"] = "application/json"
        response = await self.http.request(method, f"/api.xro/2.0/{resource}", params=params, content=content,
                                           headers=sent)
        if validate:
            check_response(resource, response)
        return response

    async def get(self, resource: str, **kw: Any) -> httpx.Response:
        return await self.call("GET", resource, **kw)

    async def put(self, resource: str, body: Any, **kw: Any) -> httpx.Response:
        return await self.call("PUT", resource, body=body, **kw)

    async def post(self, resource: str, body: Any, **kw: Any) -> httpx.Response:
        return await self.call("POST", resource, body=body, **kw)


def check_response(resource: str, response: httpx.Response) -> None:
    """Validate a JSON response body against the matching schema of Xero's spec."""
    collection = COLLECTIONS.get(resource.split("/")[0].lower())
    if collection is None or "json" not in response.headers.get("content-type", ""):
        return
    data = body_of(response)
    if response.status_code == 200:
        spec.assert_valid(data, collection, strict=True, envelope=True)
    elif response.status_code == 400:
        spec.assert_valid(data, "Error", strict=False)


@pytest.fixture
async def xero(sandbox: XeroSandbox):
    async with httpx.AsyncClient(transport=SandboxTransport(sandbox.app), base_url=BASE) as http:
        api = XeroAPI(sandbox, http)
        await api.login()
        yield api


def invoice(number: str | None = "INV-1", *, kind: str = "ACCREC", status: str = "AUTHORISED",
            amount: str = "100.00", contact: dict | None = None, date: str = "2026-03-10", **extra: Any) -> dict:
    """A minimal valid invoice element."""
    element = {"Type": kind, "Contact": contact or {"Name": "Acme Pty Ltd"}, "Date": date, "DueDate": "2026-04-10",
               "Status": status, "LineAmountTypes": "Exclusive",
               "LineItems": [{"Description": "Blocked drain", "Quantity": Decimal("1"), "UnitAmount": Decimal(amount),
                              "AccountCode": "200" if kind == "ACCREC" else "429"}]}
    if number:
        element["InvoiceNumber"] = number
    element.update(extra)
    return element


def payment(invoice_id: str, amount: str, *, date: str = "2026-03-12", code: str = "090", **extra: Any) -> dict:
    element = {"Invoice": {"InvoiceID": invoice_id}, "Account": {"Code": code}, "Date": date, "Amount": Decimal(amount)}
    element.update(extra)
    return element
