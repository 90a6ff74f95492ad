"""Connecting a tenant to the QuickBooks sandbox: the realm, encrypted tokens, rotation, needs_reauth."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest
from sqlmodel import select

from core.accounting import NeedsReauth, PermanentError
from core.connections import open_connector, tenant_context
from core.db.models import Connection, ExternalLink, utcnow
from core.inbound import Inbound, InboundProcessor
from core.sandbox.serve import start_in_thread
from core.status import collect_status
from core.sync import Pusher
from core.tokens import TokenStore
from plugins.quickbooks.sandbox import QuickBooksSandbox
from tests.builders import envelope, invoice_data, line_data

from .ledger import connect, quickbooks_app


@pytest.fixture(autouse=True)
def fresh_limiters():
    from plugins.quickbooks import BATCH_LIMITER, LIMITER

    LIMITER.reset()
    BATCH_LIMITER.reset()


@pytest.fixture
def sandbox():
    return QuickBooksSandbox()


@pytest.fixture
def server(sandbox):
    with start_in_thread(sandbox.app) as running:
        yield running


@pytest.fixture
def app_creds(tmp_path, sandbox, server):
    application, creds = quickbooks_app(tmp_path, sandbox, server.url)
    yield application, creds
    application.close()


def refreshes(sandbox) -> int:
    return sum(1 for e in sandbox.requests.find("POST", "/oauth2/v1/tokens/bearer")
               if "refresh_token" in str(e.body))


def expire_stored_access_token(application) -> None:
    store = TokenStore(application, "acme", "quickbooks")
    with store.locked() as (session, connection):
        store.save(session, replace(store.tokens(connection), expires_at=utcnow() - timedelta(minutes=1)))


def test_connect_stores_encrypted_tokens_and_the_realm(app_creds):
    application, creds = app_creds
    assert connect(application, creds["refresh_token"]) == creds["realm_id"]
    with application.session() as session:
        row = session.get(Connection, ("acme", "quickbooks"))
    tokens = TokenStore(application, "acme", "quickbooks").tokens(row)
    assert row.state == "connected" and row.remote_tenant == creds["realm_id"]
    assert tokens.access_token not in row.tokens and tokens.refresh_token not in row.tokens
    context, connector = open_connector(application, "acme")
    try:
        connector.probe()
        assert connector.organisation().base_currency == "NZD"
    finally:
        connector.close()


def test_the_redirects_realm_must_be_the_configured_one(app_creds):
    application, creds = app_creds
    assert connect(application, creds["refresh_token"], callback={"realmId": creds["realm_id"]}) == creds["realm_id"]
    with pytest.raises(PermanentError, match="consent was given for QuickBooks company 123.*realm_id is"):
        connect(application, creds["refresh_token"], callback={"realmId": "123"})


def test_rotated_refresh_token_is_persisted_before_use(app_creds, sandbox):
    application, creds = app_creds
    connect(application, creds["refresh_token"])
    store = TokenStore(application, "acme", "quickbooks")
    first = store.tokens(store.get()).refresh_token
    expire_stored_access_token(application)
    before = refreshes(sandbox)
    access = tenant_context(application, "acme").access_token()
    stored = store.tokens(store.get())
    assert refreshes(sandbox) - before == 1
    assert stored.access_token == access and stored.refresh_token != first, "Intuit rotates: the newest is stored"


def test_invalid_grant_marks_needs_reauth_and_pushes_wait(app_creds, sandbox, server):
    application, creds = app_creds
    connect(application, creds["refresh_token"])
    store = TokenStore(application, "acme", "quickbooks")
    refresh = store.tokens(store.get()).refresh_token
    httpx.post(server.url + "/oauth2/v1/tokens/revoke", json={"token": refresh},
               auth=(creds["client_id"], creds["client_secret"])).raise_for_status()
    expire_stored_access_token(application)
    InboundProcessor(application.settings, application.session).process(
        [Inbound(json.dumps(envelope("invoice-created", invoice_data(
            "INV-1", number="INV-1", currency="NZD", lines=[line_data(tax_amount="36.00", tax_code="5")]),
            tenant="acme")), "test")])

    report = Pusher(application).push("acme")
    assert report.waiting == {"contact": 1} and report.total_pushed == 0
    status = collect_status(application, "acme")["tenants"]["acme"]
    assert status["connection"] == "needs_reauth"
    assert "Incorrect or invalid refresh token" in status["last_error"]
    with pytest.raises(NeedsReauth):
        tenant_context(application, "acme").access_token()

    connect(application, sandbox.credentials("http://unused")["refresh_token"])  # the user reconnects
    with application.session() as session, session.begin():
        for link in session.exec(select(ExternalLink)).all():
            link.next_attempt_at = None
    report = Pusher(application).push("acme")
    assert report.pushed == {"contact": 1, "invoice": 1}, report.errors
