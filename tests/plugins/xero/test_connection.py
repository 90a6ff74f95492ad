"""Connecting a tenant to the Xero sandbox: encrypted tokens, single-flight refresh, needs_reauth."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest
from sqlmodel import select

from core.accounting import NeedsReauth
from core.connections import tenant_context
from core.db.models import Connection, ExternalLink, utcnow
from core.inbound import Inbound, InboundProcessor
from core.sandbox.serve import start_in_thread
from core.status import collect_status
from core.sync import Pusher
from core.tokens import SecretKeyMissing, TokenStore
from plugins.xero.sandbox import XeroSandbox
from tests.builders import envelope, invoice

from .ledger import connect, xero_app


@pytest.fixture
def sandbox():
    return XeroSandbox()


@pytest.fixture
def server(sandbox):
    with start_in_thread(sandbox.app) as running:
        yield running


@pytest.fixture
def app_creds(tmp_path, sandbox, server):
    application, creds = xero_app(tmp_path, sandbox, server.url)
    yield application, creds
    application.close()


def refreshes(sandbox) -> int:
    return sum(1 for e in sandbox.requests.find("POST", "/identity/connect/token")
               if isinstance(e.body, dict) and e.body.get("grant_type") == "refresh_token"
               or "grant_type=refresh_token" in str(e.body))


def expire_stored_access_token(application) -> None:
    store = TokenStore(application, "acme", "xero")
    with store.locked() as (session, connection):
        tokens = store.tokens(connection)
        store.save(session, replace(tokens, expires_at=utcnow() - timedelta(minutes=1)))


def test_tokens_are_encrypted_at_rest(app_creds):
    application, creds = app_creds
    connect(application, creds["refresh_token"])
    with application.session() as session:
        row = session.get(Connection, ("acme", "xero"))
    tokens = TokenStore(application, "acme", "xero").tokens(row)
    assert row.state == "connected" and row.remote_tenant == creds["tenant_id"]
    assert tokens.access_token not in row.tokens and tokens.refresh_token not in row.tokens
    assert creds["refresh_token"] not in row.tokens


def test_no_key_no_connection(tmp_path, sandbox, server):
    from core.bootstrap import bootstrap
    from core.db.migrate import upgrade
    from tests.plugins.xero.ledger import xero_config

    creds = xero_config(tmp_path / "config", sandbox, server.url, f"sqlite:///{tmp_path / 'l.db'}", key=False)
    application = bootstrap(tmp_path / "config", env={}, configure_logs=False)
    upgrade(application.engine)
    application.sync_tenants()
    with pytest.raises(SecretKeyMissing, match="LEDGERBRIDGE_SECRET_KEY is not set"):
        connect(application, creds["refresh_token"])
    with application.session() as session:
        assert session.get(Connection, ("acme", "xero")) is None, "nothing stored in plain text instead"


def test_concurrent_workers_refresh_once(app_creds, sandbox):
    application, creds = app_creds
    connect(application, creds["refresh_token"])
    expire_stored_access_token(application)
    before = refreshes(sandbox)
    tokens, errors = [], []

    def worker():
        try:
            tokens.append(tenant_context(application, "acme").access_token())
        except Exception as exc:  # noqa: BLE001 — collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(tokens)) == 1, "every worker got the one new access token"
    assert refreshes(sandbox) - before == 1, "single-flight: one refresh, no race on the rotation"


def test_rotated_refresh_token_is_persisted_before_use(app_creds, sandbox):
    application, creds = app_creds
    connect(application, creds["refresh_token"])
    store = TokenStore(application, "acme", "xero")
    first = store.tokens(store.get()).refresh_token
    expire_stored_access_token(application)
    access = tenant_context(application, "acme").access_token()
    stored = store.tokens(store.get())
    assert stored.access_token == access and stored.refresh_token != first, "the rotated token is what is stored"


def test_invalid_grant_marks_needs_reauth_and_pushes_wait(app_creds, sandbox):
    application, creds = app_creds
    connect(application, creds["refresh_token"])
    _revoke(sandbox, application)
    expire_stored_access_token(application)
    InboundProcessor(application.settings, application.session).process(
        [Inbound(json.dumps(envelope("invoice-created", invoice("INV-1"), tenant="acme")), "test")])

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
            link.next_attempt_at = None  # what `connect` does for waiting documents
    assert Pusher(application).push("acme").pushed == {"contact": 1, "invoice": 1}


def _revoke(sandbox, application) -> None:
    """Revoke the connection's refresh token at the sandbox (as a user disconnecting the app would)."""
    store = TokenStore(application, "acme", "xero")
    refresh = store.tokens(store.get()).refresh_token
    creds = sandbox.credentials("http://unused")
    identity = application.settings.tenants["acme"].packages["xero"]["identity_url"]
    httpx.post(identity + "/connect/revocation", data={"token": refresh, "client_id": creds["client_id"],
                                                       "client_secret": creds["client_secret"]}).raise_for_status()
