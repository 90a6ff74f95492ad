"""The plugin contract from the command line: plugins list, tenants, refusals, config check."""

from __future__ import annotations

import json

from tests.e2e.conftest import describe

ESSENTIALS = """
[tenants.corner-shop]
name = "Corner Shop"
base_currency = "AUD"
accounting = "myob"
edition = "essentials"
[tenants.corner-shop.myob]
business_id = "7c8e-41"

[tenants.acme]
name = "Acme"
base_currency = "AUD"
accounting = "xero"
[tenants.acme.xero]
client_id = "abc"
"""


def test_plugins_list_json_shows_every_built_in_plugin(sqlite_cli):
    rows = json.loads(sqlite_cli.ok("plugins", "list", "--json").stdout)
    by_name = {row["name"]: row for row in rows}
    assert {"xero", "quickbooks", "myob"} <= set(by_name)
    for row in rows:
        assert {"name", "version", "editions", "hooks"} <= set(row)
    assert by_name["myob"]["editions"]["essentials"] == ["push_invoices", "push_payments"]
    assert by_name["xero"]["version"] and "ledgerbridge_packages" in by_name["xero"]["hooks"]


def test_plugins_env_restricts_and_table_reads(sqlite_cli):
    rows = json.loads(sqlite_cli.ok("plugins", "list", "--json", env={"LEDGERBRIDGE_PLUGINS": "myob"}).stdout)
    assert [row["name"] for row in rows] == ["myob"]
    table = sqlite_cli.ok("plugins", "list").stdout
    assert "essentials" in table and "reconcile_invoices" in table
    missing = sqlite_cli("plugins", "list", env={"LEDGERBRIDGE_PLUGINS": "sage"})
    assert missing.returncode == 2 and "sage, which is not installed" in missing.stderr, describe(missing)


def test_an_unsupported_request_is_refused_by_name(sqlite_cli):
    (sqlite_cli.config_dir / "tenants.toml").write_text(ESSENTIALS)
    refused = sqlite_cli("tenants", "can", "corner-shop", "push_invoices", "reconcile_invoices")
    assert refused.returncode == 2, describe(refused)
    assert ("refused: tenant 'corner-shop' uses myob edition 'essentials', which does not support "
            "reconcile_invoices") in refused.stderr
    assert "Traceback" not in refused.stderr
    assert sqlite_cli.ok("tenants", "can", "acme", "reconcile_invoices").returncode == 0
    rows = json.loads(sqlite_cli.ok("tenants", "list", "--json").stdout)
    shop = next(row for row in rows if row["tenant"] == "corner-shop")
    assert (shop["package"], shop["edition"], shop["capabilities"]) == ("myob", "essentials",
                                                                         ["push_invoices", "push_payments"])


def test_config_check_names_package_edition_and_option_problems(sqlite_cli):
    (sqlite_cli.config_dir / "tenants.toml").write_text(ESSENTIALS.replace('"essentials"', '"essentails"')
                                                        .replace('business_id = "7c8e-41"', 'busines_id = "7c8e-41"'))
    result = sqlite_cli("config", "check")
    assert result.returncode == 1, describe(result)
    lines = result.stdout.splitlines()
    assert any("tenants.toml: tenants.corner-shop.edition: unknown edition 'essentails' of myob" in l for l in lines)
    assert any("tenants.corner-shop.myob.busines_id: unknown key (did you mean 'business_id'?)" in l for l in lines)
    assert any("tenants.corner-shop.myob.business_id: required, but missing" in l for l in lines)
