"""Composition root: plugins → settings → logging → database engine → what commands and workers use."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from sqlalchemy import Engine
from sqlmodel import Session, select

from core.config import Settings, load_settings
from core.db.engine import make_engine
from core.db.models import Tenant
from core.logs import configure_logging
from core.plugins import Plugins, load_plugins


@dataclass
class App:
    settings: Settings
    engine: Engine
    plugins: Plugins

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def sync_tenants(self) -> None:
        """Make sure every configured tenant has its row (tenants.toml stays the authority)."""
        with self.session() as session, session.begin():
            known = {t.slug: t for t in session.exec(select(Tenant)).all()}
            for slug, tenant in self.settings.tenants.items():
                if slug not in known:
                    session.add(Tenant(slug=slug, name=tenant.name))
                elif known[slug].name != tenant.name:
                    known[slug].name = tenant.name

    def close(self) -> None:
        self.engine.dispose()


def bootstrap(config_dir: str | Path | None = None, settings: Settings | None = None, *,
              plugins: Plugins | None = None, env: Mapping[str, str] = os.environ,
              configure_logs: bool = True) -> App:
    """Build the application from the config directory (or from ready ``settings`` in tests).

    Raises :class:`core.config.ConfigError` for configuration problems (tenants' packages,
    editions and options included) and :class:`core.plugins.PluginError` for a broken plugin.
    """
    plugins = plugins or load_plugins(env)
    settings = settings or load_settings(config_dir, env, plugins.packages)
    if configure_logs:
        configure_logging(settings.logging.level, settings.logging.format)
    return App(settings=settings, engine=make_engine(settings.database.url), plugins=plugins)
