"""The main job on embedded defaults (what `make demo` runs): SQLite, memory:// bus, the sandboxes.

1. serve each demo tenant's accounting sandbox on loopback (in this process);
2. write var/demo/config: the shipped config/, with the tenants pointed at their sandboxes, a
   fresh token-encryption key and the sandboxes' client secrets in var/demo/config/secrets.env;
3. run the real `ledgerbridge` command for each step, as a user would: db upgrade, connect with
   the sandbox's refresh token, ingest the demo events, worker --until-idle (applies and pushes),
   status.

A tenant whose package has no sandbox or connector yet keeps its documents as `pending`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from core.plugins import load_plugins
from core.sandbox.serve import start_in_thread
from core.tokens import new_secret_key

ROOT = Path(__file__).resolve().parents[1]
VAR = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "var" / "demo"  # `python examples/demo.py [DIR]`
CONFIG = VAR / "config"
EVENTS = ROOT / "examples" / "demo-events.jsonl"
SECRET_NAMES = {"xero": "LEDGERBRIDGE_XERO_CLIENT_SECRET", "quickbooks": "LEDGERBRIDGE_QUICKBOOKS_CLIENT_SECRET",
                "myob": "LEDGERBRIDGE_MYOB_CLIENT_SECRET"}
# The demo tenants' charts of accounts, where a sandbox's default chart lacks their codes.
SANDBOX_OPTIONS = {
    "quickbooks": {"seed": {
        "name": "Northside Pest Control Ltd", "items": [],
        "tax_codes": [("5", "GST15", ["1"], ["2"]), ("6", "Zero-rated", ["3"], ["4"]), ("7", "Exempt", [], [])],
        "accounts": [
            ("1000", "Business Cheque Account", "Bank", "Checking", "Asset"),
            ("1050", "Business Savings Account", "Bank", "Savings", "Asset"),
            ("1700", "Accounts Receivable", "Accounts Receivable", "AccountsReceivable", "Asset"),
            ("1750", "Undeposited Funds", "Other Current Asset", "UndepositedFunds", "Asset"),
            ("2200", "GST", "Other Current Liability", "GlobalTaxPayable", "Liability"),
            ("2880", "Accounts Payable", "Accounts Payable", "AccountsPayable", "Liability"),
            ("4000", "Pest Control Services", "Income", "ServiceFeeIncome", "Revenue"),
            ("4100", "Product Sales", "Income", "SalesOfProductIncome", "Revenue"),
            ("5000", "Chemicals", "Cost of Goods Sold", "SuppliesMaterialsCogs", "Expense"),
            ("5010", "Safety Equipment", "Cost of Goods Sold", "SuppliesMaterialsCogs", "Expense"),
            ("6100", "Vehicle Expenses", "Expense", "Auto", "Expense"),
            ("6200", "General Expenses", "Expense", "OfficeGeneralAdministrativeExpenses", "Expense"),
            ("7900", "Exchange Gain or Loss", "Other Expense", "ExchangeGainOrLoss", "Expense")]}},
}
# sandbox credential key → the package option it sets
OPTION_KEYS = ("api_url", "identity_url", "connections_url", "token_url", "authorize_url", "client_id",
               "realm_id", "business_id", "essentials_api_url", "essentials_business_id")


def ledgerbridge(*args: str, check: bool = True) -> int:
    shown = ["***" if previous == "--refresh-token" else arg for previous, arg in zip(("",) + args, args)]
    print(f"\n$ ledgerbridge {' '.join(shown)}", flush=True)
    env = {**os.environ, "LEDGERBRIDGE_DATABASE_URL": f"sqlite:///{VAR / 'ledger.db'}",
           "LEDGERBRIDGE_BROKER_URL": "memory://"}
    code = subprocess.call([sys.executable, "-m", "core", "--config", str(CONFIG), *args], env=env, cwd=ROOT)
    if check and code != 0:
        raise SystemExit(f"`ledgerbridge {' '.join(args)}` failed with exit code {code}")
    return code


def main() -> None:
    shutil.rmtree(VAR, ignore_errors=True)
    shutil.copytree(ROOT / "config", CONFIG)
    tenants = tomllib.loads((CONFIG / "tenants.toml").read_text())["tenants"]
    plugins = load_plugins()
    secrets = [f"LEDGERBRIDGE_SECRET_KEY={new_secret_key()}"]
    servers, refresh_tokens = [], {}
    for slug, tenant in tenants.items():
        package = plugins.packages.get(tenant.get("accounting", ""))
        if package is None or package.sandbox is None or package.connect is None:
            print(f"{slug}: the {tenant.get('accounting')} plugin has no sandbox/connector yet; its documents wait")
            continue
        emulator = package.sandbox(**SANDBOX_OPTIONS.get(package.name, {}))
        server = start_in_thread(emulator.app)
        servers.append(server)
        creds = emulator.credentials(server.url)
        tenant[package.name] = {key: creds[key] for key in OPTION_KEYS if key in creds}
        secrets.append(f"{SECRET_NAMES[package.name]}={creds['client_secret']}")
        if "api_key" in creds:
            secrets.append(f"LEDGERBRIDGE_MYOB_API_KEY={creds['api_key']}")
        refresh_tokens[slug] = creds["refresh_token"]
        print(f"{slug}: {package.title} sandbox at {server.url}")
    (CONFIG / "tenants.toml").write_text("# the shipped tenants, pointed at the demo's sandboxes\n" + _toml(tenants))
    (CONFIG / "secrets.env").write_text("\n".join(secrets) + "\n")
    try:
        ledgerbridge("db", "upgrade")
        for slug, token in refresh_tokens.items():
            ledgerbridge("connect", slug, "--refresh-token", token)
        ledgerbridge("ingest", str(EVENTS))
        ledgerbridge("worker", "--until-idle")  # applies the events and pushes what they changed
        ledgerbridge("status")
        print("\nDocuments a package refused stay `failed` with its own words (status, last problem); payments "
              "on them wait until the cause is fixed.")
    finally:
        for server in servers:
            server.stop()


def _toml(tenants: dict) -> str:
    """tenants.toml from the parsed tables (strings, booleans, numbers and lists of strings)."""
    def value(v: object) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, list):
            return "[" + ", ".join(value(item) for item in v) + "]"
        return json.dumps(v) if isinstance(v, str) else str(v)

    lines = []
    for slug, table in tenants.items():
        lines.append(f"\n[tenants.{slug}]")
        lines += [f"{key} = {value(v)}" for key, v in table.items() if not isinstance(v, dict)]
        for name, sub in table.items():
            if isinstance(sub, dict):
                lines.append(f"[tenants.{slug}.{name}]")
                lines += [f"{key} = {value(v)}" for key, v in sub.items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
