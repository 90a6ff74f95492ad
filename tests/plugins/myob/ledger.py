"""A ledgerbridge app with one tenant on a MYOB sandbox served over loopback (shared by tests)."""

from __future__ import annotations

from pathlib import Path

from core.bootstrap import App, bootstrap
from core.connections import tenant_context
from core.db.migrate import upgrade
from core.oauth import OAuthClient
from core.tokens import TokenStore, new_secret_key
from plugins.myob.sandbox import MyobSandbox
from tests.conftest import write_config

OPTION_KEYS = ("api_url", "token_url", "authorize_url", "client_id", "business_id", "essentials_api_url",
               "essentials_business_id")


def tenant_toml(creds: dict, slug: str = "acme", edition: str = "accountright") -> str:
    options = "\n".join(f'{key} = "{creds[key]}"' for key in OPTION_KEYS if key in creds)
    return f"""
[tenants.{slug}]
name = "Acme Plumbing {slug}"
base_currency = "AUD"
financial_year_start = "07-01"
accounting = "myob"
edition = "{edition}"
[tenants.{slug}.reports]
receivable_accounts = ["1-1200"]
payable_accounts = ["2-1200"]
[tenants.{slug}.myob]
{options}
"""


def secrets_env(creds: dict, key: str | None = None) -> str:
    return (f"LEDGERBRIDGE_MYOB_CLIENT_SECRET={creds['client_secret']}\n"
            f"LEDGERBRIDGE_MYOB_API_KEY={creds['api_key']}\n"
            f"LEDGERBRIDGE_SECRET_KEY={key or new_secret_key()}\n")


def myob_app(tmp_path: Path, sandbox: MyobSandbox, url: str, edition: str = "accountright") -> tuple[App, dict]:
    creds = sandbox.credentials(url)
    directory = tmp_path / "config"
    write_config(directory, f"sqlite:///{tmp_path / 'ledger.db'}", tenants=tenant_toml(creds, edition=edition))
    (directory / "secrets.env").write_text(secrets_env(creds))
    application = bootstrap(directory, env={}, configure_logs=False)
    upgrade(application.engine)
    application.sync_tenants()
    return application, creds


def connect(application: App, refresh_token: str, tenant: str = "acme") -> None:
    """What `ledgerbridge connect acme --refresh-token T` does."""
    context = tenant_context(application, tenant)
    authoriser = application.plugins.package("myob").authoriser
    client = OAuthClient(authoriser.endpoints(context))
    tokens = client.refresh(refresh_token)
    client.close()
    TokenStore(application, tenant, "myob").connect(tokens, authoriser.remote_tenant(context, tokens, {}))
