"""A ledgerbridge app with one tenant on a QuickBooks sandbox served over loopback (shared by tests)."""

from __future__ import annotations

from pathlib import Path

from core.bootstrap import App, bootstrap
from core.connections import tenant_context
from core.db.migrate import upgrade
from core.oauth import OAuthClient
from core.tokens import TokenStore, new_secret_key
from plugins.quickbooks.sandbox import QuickBooksSandbox
from tests.conftest import write_config


def quickbooks_config(directory: Path, sandbox: QuickBooksSandbox, url: str, database_url: str, *,
                      key: str | bool | None = None, base_currency: str = "NZD") -> dict:
    """Config dir for tenant ``acme`` on the sandbox at *url*; returns the sandbox credentials."""
    creds = sandbox.credentials(url)
    tenants = f"""
[tenants.acme]
name = "Acme Plumbing"
base_currency = "{base_currency}"
financial_year_start = "04-01"
accounting = "quickbooks"
[tenants.acme.quickbooks]
client_id = "{creds['client_id']}"
api_url = "{creds['api_url']}"
token_url = "{creds['token_url']}"
authorize_url = "{creds['authorize_url']}"
realm_id = "{creds['realm_id']}"
"""
    write_config(directory, database_url, tenants=tenants)
    secrets = f"LEDGERBRIDGE_QUICKBOOKS_CLIENT_SECRET={creds['client_secret']}\n"
    if key is not False:
        secrets += f"LEDGERBRIDGE_SECRET_KEY={key or new_secret_key()}\n"
    (directory / "secrets.env").write_text(secrets)
    return creds


def quickbooks_app(tmp_path: Path, sandbox: QuickBooksSandbox, url: str, **kwargs) -> tuple[App, dict]:
    creds = quickbooks_config(tmp_path / "config", sandbox, url, f"sqlite:///{tmp_path / 'ledger.db'}", **kwargs)
    application = bootstrap(tmp_path / "config", env={}, configure_logs=False)
    upgrade(application.engine)
    application.sync_tenants()
    return application, creds


def connect(application: App, refresh_token: str, tenant: str = "acme", callback: dict | None = None) -> str:
    """What `ledgerbridge connect acme --refresh-token T` does; returns the realm connected."""
    context = tenant_context(application, tenant)
    authoriser = application.plugins.package("quickbooks").authoriser
    client = OAuthClient(authoriser.endpoints(context))
    tokens = client.refresh(refresh_token)
    client.close()
    realm = authoriser.remote_tenant(context, tokens, callback or {})
    TokenStore(application, tenant, "quickbooks").connect(tokens, realm)
    return realm
