"""The plugin manager: discovery, restriction, advertising, the outgoing wrapper chain."""

from __future__ import annotations

import pytest

from core.accounting import ALL, AccountingPackage, Capability, Contact, TenantContext, Unsupported
from core.accounting.capabilities import parse_capabilities
from core.plugins import ENV_PLUGINS, PluginError, hookimpl, load_plugins

BUILT_IN = {"xero", "quickbooks", "myob"}


def test_built_in_plugins_arrive_through_entry_points():
    plugins = load_plugins(env={})
    assert {info.name for info in plugins.infos} >= BUILT_IN
    assert {info.distribution for info in plugins.infos if info.name in BUILT_IN} == {"ledgerbridge"}
    assert set(plugins.packages) >= BUILT_IN


def test_env_restricts_which_plugins_load():
    plugins = load_plugins(env={ENV_PLUGINS: "xero, myob"})
    assert {info.name for info in plugins.infos} == {"xero", "myob"}
    assert set(plugins.packages) == {"xero", "myob"}


def test_env_naming_a_missing_plugin_is_a_clear_error():
    with pytest.raises(PluginError, match="LEDGERBRIDGE_PLUGINS names nosuch, which is not installed"):
        load_plugins(env={ENV_PLUGINS: "xero,nosuch"})


def test_describe_has_the_public_keys():
    rows = load_plugins(env={}).describe()
    myob = next(row for row in rows if row["name"] == "myob")
    assert {"name", "version", "editions", "hooks"} <= set(myob)
    assert myob["editions"]["essentials"] == ["push_invoices", "push_payments"]
    assert "reconcile_invoices" in myob["editions"]["accountright"]
    assert myob["hooks"] == ["ledgerbridge_packages"]


def _package(name="acme", **overrides):
    fields = dict(name=name, title="Acme", editions={"basic": ["push_invoices"]}, default_edition="basic")
    return AccountingPackage(**{**fields, **overrides})


class _Advertiser:
    def __init__(self, *packages):
        self.packages = packages

    @hookimpl
    def ledgerbridge_packages(self):
        return list(self.packages)


def test_two_plugins_advertising_one_package_name_is_refused():
    with pytest.raises(PluginError, match="advertised by both plugin 'one' and 'two'"):
        load_plugins(env={ENV_PLUGINS: "xero"}, extra=[("one", _Advertiser(_package())), ("two", _Advertiser(_package()))])


def test_invalid_package_declarations():
    with pytest.raises(ValueError, match="unknown capability 'push_everything'"):
        _package(editions={"basic": ["push_everything"]})
    with pytest.raises(ValueError, match="default edition 'pro' is not one of"):
        _package(default_edition="pro")
    with pytest.raises(ValueError, match="must be lowercase"):
        _package(name="Acme Books")


def test_a_plugin_whose_advertising_fails_is_named():
    class Broken:
        @hookimpl
        def ledgerbridge_packages(self):
            return [_package(default_edition="nope")]

    with pytest.raises(PluginError, match="plugin 'broken' advertises an invalid package"):
        load_plugins(env={ENV_PLUGINS: "xero"}, extra=[("broken", Broken())])


def _context(package="acme", edition="basic", capabilities=frozenset({Capability.PUSH_INVOICES})):
    from core.accounting import PackageSettings

    return TenantContext(slug="t1", name="T1", base_currency="AUD", financial_year_start="07-01", package=package,
                         edition=edition, capabilities=capabilities, options=PackageSettings())


def test_outgoing_wrappers_chain_around_the_core_default():
    class Tracking:
        @hookimpl(wrapper=True)
        def ledgerbridge_outgoing(self, tenant, package, document, payload):
            result = yield
            return {**result, "Tracking": [f"{tenant.slug}:{document.name}"]}

    class Memo:
        @hookimpl(wrapper=True)
        def ledgerbridge_outgoing(self, tenant, package, document, payload):
            result = yield
            return {**result, "Memo": "via ledgerbridge"}

    plugins = load_plugins(env={ENV_PLUGINS: "xero"}, extra=[("tracking", Tracking()), ("memo", Memo())])
    adjusted = plugins.outgoing(_context(), Contact(name="Jo"), {"Name": "Jo"})
    assert adjusted == {"Name": "Jo", "Tracking": ["t1:Jo"], "Memo": "via ledgerbridge"}


def test_outgoing_without_wrappers_returns_the_payload():
    plugins = load_plugins(env={ENV_PLUGINS: "xero"})
    assert plugins.outgoing(_context(), Contact(name="Jo"), {"Name": "Jo"}) == {"Name": "Jo"}


def test_capability_refusal_names_package_edition_and_capability():
    context = _context(package="myob", edition="essentials")
    with pytest.raises(Unsupported) as refused:
        context.require("reconcile_invoices")
    message = str(refused.value)
    assert "myob" in message and "'essentials'" in message and "reconcile_invoices" in message and "'t1'" in message
    context.require(Capability.PUSH_INVOICES)  # advertised: no refusal


def test_capability_vocabulary_is_closed():
    assert parse_capabilities(["push_invoices"]) == {Capability.PUSH_INVOICES}
    assert len(ALL) == 13
    with pytest.raises(ValueError):
        Capability("teleport")


def test_one_by_one_keeps_what_went_through_when_an_outage_starts():
    from core.accounting import PushResult, TransientError, one_by_one

    def push(n):
        if n == "bad":
            raise ValueError("no such account")
        if n == "down":
            raise TransientError("503")
        return PushResult(remote_id=f"r-{n}")

    results = one_by_one(["a", "bad", "down", "b"], push, permanent=(ValueError,))
    assert [r.remote_id for r in results[:1]] == ["r-a"]
    assert [(r.error.kind, r.error.message) for r in results[1:]] == [
        ("permanent", "no such account"), ("transient", "503"), ("transient", "503")]
    with pytest.raises(TransientError):
        one_by_one(["down", "a"], push)
