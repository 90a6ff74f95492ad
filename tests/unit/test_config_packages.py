"""Per-tenant enablement: package, edition and options are checked by the plugin that provides them."""

from __future__ import annotations

from pathlib import Path

from core.config import check_config
from core.plugins import load_plugins
from tests.unit.test_config import REPO_CONFIG, problems_by_key, write

PACKAGES = load_plugins(env={}).packages


def check(tmp_path: Path, tenants: str):
    return check_config(write(tmp_path, tenants=tenants), env={}, packages=PACKAGES)


def test_shipped_config_passes_the_plugins_checks():
    settings, problems = check_config(REPO_CONFIG, env={}, packages=PACKAGES)
    assert problems == [] and settings is not None


def test_unknown_package_edition_and_options_are_named(tmp_path):
    _, problems = check(tmp_path, """
[tenants.one]
name = "One"
base_currency = "AUD"
accounting = "xeroo"

[tenants.two]
name = "Two"
base_currency = "AUD"
accounting = "myob"
edition = "premium"
[tenants.two.myob]
business_id = "b-1"
api_url = "ftp://nowhere"
colour = "blue"

[tenants.three]
name = "Three"
base_currency = "NZD"
accounting = "quickbooks"
[tenants.three.sage]
company = "x"
""")
    found = problems_by_key(problems)
    assert set(found) == {
        "tenants.one.accounting", "tenants.two.edition", "tenants.two.myob.api_url", "tenants.two.myob.colour",
        "tenants.three.quickbooks.realm_id", "tenants.three.sage"}
    assert "did you mean 'xero'?" in found["tenants.one.accounting"].reason
    assert "installed: myob, quickbooks, xero" in found["tenants.one.accounting"].reason
    assert found["tenants.two.edition"].reason == "unknown edition 'premium' of myob (editions: accountright, essentials)"
    assert "http(s) URL" in found["tenants.two.myob.api_url"].reason
    assert "unknown key" in found["tenants.two.myob.colour"].reason
    assert found["tenants.three.quickbooks.realm_id"].reason == "required, but missing"
    assert "installed accounting package" in found["tenants.three.sage"].reason
    assert all(p.file.endswith("tenants.toml") for p in problems)


def test_valid_edition_and_options(tmp_path):
    settings, problems = check(tmp_path, """
[tenants.shop]
name = "Shop"
base_currency = "AUD"
accounting = "myob"
edition = "essentials"
[tenants.shop.myob]
business_id = "b-1"
api_url = "http://127.0.0.1:8080/"
""")
    assert problems == []
    assert settings.tenant("shop").packages["myob"]["api_url"] == "http://127.0.0.1:8080/"


def test_without_plugins_package_options_are_not_judged(tmp_path):
    settings, problems = check_config(write(tmp_path, tenants="""
[tenants.shop]
name = "Shop"
base_currency = "AUD"
accounting = "anything"
"""), env={})
    assert problems == [] and settings is not None
