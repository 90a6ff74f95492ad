"""The one PluginManager: discovery through the ``ledgerbridge`` entry-point group.

Built-in plugins (``plugins.xero``, ``plugins.quickbooks``, ``plugins.myob``) are declared as
entry points in this project's own ``pyproject.toml``, so they are found exactly like a
third-party plugin. ``$LEDGERBRIDGE_PLUGINS`` (comma-separated entry-point names) restricts which
load; unset or empty loads all.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Mapping

import pluggy
import structlog

from core import hookspecs
from core.accounting import AccountingPackage, TenantContext

ENTRY_POINT_GROUP = "ledgerbridge"
ENV_PLUGINS = "LEDGERBRIDGE_PLUGINS"

hookimpl = pluggy.HookimplMarker("ledgerbridge")
log = structlog.get_logger("ledgerbridge.plugins")


class PluginError(Exception):
    """A plugin could not be loaded or advertised something invalid."""


class _CoreDefaults:
    """The core's own hook implementations (not listed as a plugin)."""

    @staticmethod
    @hookimpl(trylast=True)
    def ledgerbridge_outgoing(tenant: TenantContext, package: str, document: Any, payload: dict) -> dict:
        return payload


@dataclass(frozen=True)
class PluginInfo:
    name: str
    distribution: str | None
    version: str | None
    module: str


class Plugins:
    """The loaded plugins and the packages they advertise."""

    def __init__(self, manager: pluggy.PluginManager, infos: list[PluginInfo]):
        self.manager = manager
        self.hook = manager.hook
        self.infos = infos
        self.packages: dict[str, AccountingPackage] = {}
        self.owner: dict[str, str] = {}  # package name → plugin name
        for impl in manager.hook.ledgerbridge_packages.get_hookimpls():
            try:
                advertised = impl.function() or []
            except ValueError as exc:  # an AccountingPackage that does not validate
                raise PluginError(f"plugin {impl.plugin_name!r} advertises an invalid package: {exc}") from exc
            for package in advertised:
                if not isinstance(package, AccountingPackage):
                    raise PluginError(f"plugin {impl.plugin_name!r}: ledgerbridge_packages must return "
                                      f"AccountingPackage objects, got {type(package).__name__}")
                if package.name in self.packages:
                    raise PluginError(f"package {package.name!r} is advertised by both plugin "
                                      f"{self.owner[package.name]!r} and {impl.plugin_name!r}")
                self.packages[package.name] = package
                self.owner[package.name] = impl.plugin_name

    def package(self, name: str) -> AccountingPackage:
        try:
            return self.packages[name]
        except KeyError:
            raise PluginError(f"no plugin provides the accounting package {name!r} "
                              f"(installed: {', '.join(sorted(self.packages)) or 'none'})") from None

    def outgoing(self, tenant: TenantContext, document: Any, payload: dict) -> dict:
        """Run every ``ledgerbridge_outgoing`` wrapper on *payload*."""
        return self.hook.ledgerbridge_outgoing(tenant=tenant, package=tenant.package, document=document,
                                               payload=payload)

    @property
    def observing(self) -> bool:
        """Whether any plugin watches events (so the caller can skip building them)."""
        return bool(self.hook.ledgerbridge_event.get_hookimpls())

    def observe(self, tenant: str, event: dict) -> None:
        """Show *event* to every ``ledgerbridge_event`` implementation; one that fails is logged and
        does not stop the others (nor anything else)."""
        for impl in self.hook.ledgerbridge_event.get_hookimpls():
            try:
                impl.function(tenant=tenant, event=event)
            except Exception:  # noqa: BLE001 — an observer must never break the ledger
                log.exception("event observer failed", plugin=impl.plugin_name, event_type=event.get("type"))

    def refusal(self, tenant: Any, capability: str) -> str | None:
        """Why *tenant*'s package edition cannot do *capability* (None when it can)."""
        from core.accounting import Unsupported, require

        package = self.packages.get(tenant.accounting) if tenant.accounting else None
        if package is None:
            return f"no installed plugin provides the package {tenant.accounting!r}"
        edition = tenant.edition or package.default_edition
        try:
            require(package.name, edition, package.capabilities(edition), capability, tenant=tenant.slug)
        except Unsupported as exc:
            return str(exc)
        return None

    def describe(self) -> list[dict[str, Any]]:
        """One entry per plugin and package it provides (``plugins list --json``)."""
        rows = []
        for info in self.infos:
            plugin = self.manager.get_plugin(info.name)
            hooks = sorted(caller.name for caller in self.manager.get_hookcallers(plugin) or [])
            base = {"name": info.name, "version": info.version, "distribution": info.distribution,
                    "module": info.module, "hooks": hooks}
            packages = [p for name, p in self.packages.items() if self.owner[name] == info.name]
            if not packages:
                rows.append({**base, "package": None, "editions": {}})
            for package in packages:
                rows.append({**base, **package.describe()})
        return rows


def _selected(env: Mapping[str, str]) -> set[str] | None:
    raw = env.get(ENV_PLUGINS, "")
    names = {name.strip() for name in raw.split(",") if name.strip()}
    return names or None


def load_plugins(env: Mapping[str, str] = os.environ, *, extra: list[tuple[str, object]] = ()) -> Plugins:
    """Discover and register the plugins; *extra* registers ``(name, plugin)`` pairs too (tests)."""
    manager = pluggy.PluginManager("ledgerbridge")
    manager.add_hookspecs(hookspecs)
    manager.register(_CoreDefaults, name="ledgerbridge.core")
    wanted = _selected(env)
    found: dict[str, EntryPoint] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, ep)  # the first on sys.path wins, like importlib does
    if wanted is not None and (missing := wanted - set(found)):
        raise PluginError(f"{ENV_PLUGINS} names {', '.join(sorted(missing))}, which is not installed "
                          f"(installed plugins: {', '.join(sorted(found)) or 'none'})")
    infos = []
    for name, ep in sorted(found.items()):
        if wanted is not None and name not in wanted:
            continue
        try:
            plugin = ep.load()
        except Exception as exc:  # a broken third-party plugin must say who it is
            raise PluginError(f"plugin {name!r} ({ep.value}) failed to load: {exc}") from exc
        manager.register(plugin, name=name)
        dist = ep.dist
        infos.append(PluginInfo(name, dist.name if dist else None, dist.version if dist else None, ep.value))
    for name, plugin in extra:
        manager.register(plugin, name=name)
        infos.append(PluginInfo(name, None, None, getattr(plugin, "__name__", type(plugin).__name__)))
    return Plugins(manager, infos)
