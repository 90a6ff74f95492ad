"""Connecting a tenant to the MYOB sandbox: consent with businessId, rotation, needs_reauth."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from sqlmodel import select

from core.accounting import NeedsReauth, PermanentError
from core.connections import tenant_context
from core.db.models import Connection, ExternalLink, utcnow
from core.inbound import Inbound, InboundProcessor
from core.oauth import OAuthClient
from core.sandbox.serve import start_in_thread
from core.status import collect_status
from core.sync import Pusher
from core.tokens import TokenStore
from plugins.myob import LIMITER
from plugins.myob.sandbox import MyobSandbox
from tests.builders import envelope, invoice_data, line_data

from .ledger import connect, myob_app


@pytest.fixture
def sandbox():
    return MyobSandbox(limits={"per_second": 100_000}, expires_in_as_string=True)


@pytest.fixture
def server(sandbox):
    LIMITER.reset()
    with start_in_thread(sandbox.app) as running:
        yield running


@pytest.fixture
def app_creds(tmp_path, sandbox, server):
    application, creds = myob_app(tmp_path, sandbox, server.url)
    yield application, creds
    application.close()


def refreshes(sandbox) -> int:
    return sum(1 for e in sandbox.requests.find("POST", "/oauth2/v1/authorize") if "refresh_token" in str(e.body))


def expire_stored_access_token(application) -> None:
    store = TokenStore(application, "acme", "myob")
    with store.locked() as (session, connection):
        store.save(session, replace(store.tokens(connection), expires_at=utcnow() - timedelta(minutes=1)))


def one_invoice(application) -> None:
    event = envelope("invoice-created", invoice_data(
        "INV-1", number="INV-1", lines=[line_data(quantity="1", unit_price="100.00", tax_amount="10.00",
                                                  account_code="4-1000", tax_code="GST")]), tenant="acme")
    InboundProcessor(application.settings, application.session).process([Inbound(json.dumps(event), "test")])


def test_tokens_are_encrypted_and_last_twenty_minutes(app_creds, sandbox):
    application, creds = app_creds
    connect(application, creds["refresh_token"])
    with application.session() as session:
        row = session.get(Connection, ("acme", "myob"))
    tokens = TokenStore(application, "acme", "myob").tokens(row)
    assert row.state == "connected" and row.remote_tenant == creds["business_id"]
    assert tokens.access_token not in row.tokens and tokens.refresh_token not in row.tokens
    lifetime = tokens.expires_at - utcnow()
    assert timedelta(minutes=19) < lifetime <= timedelta(minutes=20), "expires_in arrived as the string '1200'"


def test_consent_asks_for_the_company_file_and_reads_business_id(app_creds, sandbox):
    application, _ = app_creds
    context = tenant_context(application, "acme")
    authoriser = application.plugins.package("myob").authoriser
    client = OAuthClient(authoriser.endpoints(context))
    url, state, verifier = client.authorization_url("http://localhost:8765/callback")
    query = parse_qs(urlparse(url).query)
    assert query["prompt"] == ["consent"] and "sme-sales" in query["scope"][0]
    redirect = httpx.get(url, follow_redirects=False).headers["location"]
    callback = {k: v[0] for k, v in parse_qs(urlparse(redirect).query).items()}
    assert callback["businessId"] == sandbox.business_id and callback["state"] == state
    tokens = client.exchange_code(callback["code"], "http://localhost:8765/callback", verifier)
    client.close()
    assert authoriser.remote_tenant(context, tokens, callback) == sandbox.business_id
    with pytest.raises(PermanentError, match="business_id"):
        authoriser.remote_tenant(context, tokens, {**callback, "businessId": "00000000-0000-0000-0000-000000000001"})


def test_rotated_refresh_token_is_persisted_before_use(app_creds, sandbox):
    application, creds = app_creds
    connect(application, creds["refresh_token"])
    store = TokenStore(application, "acme", "myob")
    first = store.tokens(store.get()).refresh_token
    expire_stored_access_token(application)
    before = refreshes(sandbox)
    access = tenant_context(application, "acme").access_token()
    stored = store.tokens(store.get())
    assert stored.access_token == access and stored.refresh_token != first, "MYOB rotates on every refresh"
    assert refreshes(sandbox) - before == 1
    client = OAuthClient(application.plugins.package("myob").authoriser.endpoints(tenant_context(application, "acme")))
    with pytest.raises(Exception, match="invalid_grant|refused"):
        client.refresh(first)  # the old one died at once
    client.close()


def test_invalid_grant_marks_needs_reauth_and_pushes_wait(app_creds, sandbox):
    application, creds = app_creds
    connect(application, creds["refresh_token"])
    for grant in sandbox.oauth.grants():
        sandbox.oauth.revoke_grant(grant.id)  # the user removed the app connection in MYOB
    expire_stored_access_token(application)
    one_invoice(application)

    report = Pusher(application).push("acme")
    assert report.waiting == {"contact": 1} and report.total_pushed == 0
    status = collect_status(application, "acme")["tenants"]["acme"]
    assert status["connection"] == "needs_reauth"
    assert "run `ledgerbridge connect acme`" in status["last_error"]
    with pytest.raises(NeedsReauth):
        tenant_context(application, "acme").access_token()

    connect(application, sandbox.credentials("http://unused")["refresh_token"])  # the user reconnects
    with application.session() as session, session.begin():
        for link in session.exec(select(ExternalLink)).all():
            link.next_attempt_at = None
    assert Pusher(application).push("acme").pushed == {"contact": 1, "invoice": 1}
