"""Idempotency-Key: same key and body replay for 6 minutes; a different request under the key is a 400."""

from __future__ import annotations

import pytest

from .conftest import body_of, invoice

pytestmark = pytest.mark.anyio


async def test_replay_returns_same_response_without_new_document(xero):
    key = {"Idempotency-Key": "evt-1:v1"}
    first = await xero.put("Invoices", {"Invoices": [invoice()]}, headers=key)
    again = await xero.put("Invoices", {"Invoices": [invoice()]}, headers=key)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert len(xero.sandbox.ledger().invoices) == 1
    assert "X-MinLimit-Remaining" in again.headers


async def test_errors_are_replayed_too(xero):
    await xero.put("Invoices", {"Invoices": [invoice()]})
    key = {"Idempotency-Key": "k-err"}
    first = await xero.put("Invoices", {"Invoices": [invoice()]}, headers=key)
    again = await xero.put("Invoices", {"Invoices": [invoice()]}, headers=key)
    assert first.status_code == again.status_code == 400 and first.content == again.content


async def test_same_key_different_request_is_refused(xero):
    key = {"Idempotency-Key": "evt-2"}
    await xero.put("Invoices", {"Invoices": [invoice("A")]}, headers=key)
    other = await xero.put("Invoices", {"Invoices": [invoice("B")]}, headers=key)
    assert other.status_code == 400
    assert "is used with a different request" in body_of(other)["Message"]
    other_url = await xero.put("Invoices", {"Invoices": [invoice("A")]}, headers=key, params={"summarizeErrors": "false"})
    assert other_url.status_code == 400
    assert len(xero.sandbox.ledger().invoices) == 1


async def test_keys_expire_after_six_minutes_and_are_per_tenant(xero, clock):
    key = {"Idempotency-Key": "evt-3"}
    await xero.put("Invoices", {"Invoices": [invoice("A", kind="ACCPAY")]}, headers=key)
    clock.advance(5 * 60 + 59)
    await xero.put("Invoices", {"Invoices": [invoice("A", kind="ACCPAY")]}, headers=key)
    assert len(xero.sandbox.ledger().invoices) == 1
    clock.advance(2)
    after = await xero.put("Invoices", {"Invoices": [invoice("A", kind="ACCPAY")]}, headers=key)
    assert after.status_code == 200 and len(xero.sandbox.ledger().invoices) == 2  # a duplicate bill, as on Xero


async def test_key_longer_than_128_is_refused(xero):
    response = await xero.put("Invoices", {"Invoices": [invoice()]}, headers={"Idempotency-Key": "k" * 129})
    assert response.status_code == 400 and not xero.sandbox.ledger().invoices
