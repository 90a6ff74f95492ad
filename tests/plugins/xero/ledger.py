"""A ledgerbridge app with one tenant on a Xero sandbox served over loopback (shared by tests)."""

from __future__ import annotations

from pathlib import Path

from core.bootstrap import App, bootstrap
from core.connections import tenant_context
from core.db.migrate import upgrade
from core.oauth import OAuthClient
from core.tokens import TokenStore, new_secret_key
from plugins.xero.sandbox import XeroSandbox
from tests.conftest import write_config


def xero_config(directory: Path, sandbox: XeroSandbox, url: str, database_url: str, *, key: str | None = None) -> dict:
    """Config dir for tenant ``acme`` on the sandbox at *url*; returns the sandbox credentials."""
    creds = sandbox.credentials(url)
    tenants = f"""
[tenants.acme]
name = "Acme Plumbing"
base_currency = "AUD"
accounting = "xero"
[tenants.acme.xero]
client_id = "{creds['client_id']}"
api_url = "{creds['api_url']}"
identity_url = "{creds['identity_url']}"
connections_url = "{creds['connections_url']}"
"""
    write_config(directory, database_url, tenants=tenants)
    secrets = f"LEDGERBRIDGE_XERO_CLIENT_SECRET={creds['client_secret']}\n"
    if key is not False:
        secrets += f"LEDGERBRIDGE_SECRET_KEY={key or new_secret_key()}\n"
    (directory / "secrets.env").write_text(secrets)
    return creds


def xero_app(tmp_path: Path, sandbox: XeroSandbox, url: str) -> tuple[App, dict]:
    creds = xero_config(tmp_path / "config", sandbox, url, f"sqlite:///{tmp_path / 'ledger.db'}")
    application = bootstrap(tmp_path / "config", env={}, configure_logs=False)
    upgrade(application.engine)
    application.sync_tenants()
    return application, creds


def connect(application: App, refresh_token: str, tenant: str = "acme") -> None:
    """What `ledgerbridge connect acme --refresh-token T` does."""
    context = tenant_context(application, tenant)
    authoriser = application.plugins.package("xero").authoriser
    client = OAuthClient(authoriser.endpoints(context))
    tokens = client.refresh(refresh_token)
    client.close()
    TokenStore(application, tenant, "xero").connect(tokens, authoriser.remote_tenant(context, tokens, {}))
