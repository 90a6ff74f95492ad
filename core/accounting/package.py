"""What a plugin advertises for one accounting package, and what its connector is given."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping, Protocol

from pydantic import BaseModel, ConfigDict

from core.accounting.capabilities import Capability, parse_capabilities, require
from core.accounting.connector import Connector
from core.accounting.errors import NeedsReauth

if TYPE_CHECKING:
    from core.oauth import OAuthEndpoints, TokenSet


def _not_connected(force: bool = False) -> str:
    raise NeedsReauth("this tenant is not connected to its accounting package")

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,48}$")


def http_url(value: str) -> str:
    """Settings validator: an absolute http(s) URL, without a trailing slash."""
    if not value.startswith(("https://", "http://")) or not value.split("://", 1)[1]:
        raise ValueError(f"must be an http(s) URL (got {value!r})")
    return value.rstrip("/")


class PackageSettings(BaseModel):
    """Base for a package's options table ``[tenants.<slug>.<package>]``: unknown keys are errors.

    Never declare secrets here (tenants.toml refuses secret-looking keys): read them through
    :meth:`TenantContext.secret` from the environment or the secrets file.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class TenantContext:
    """Everything a connector may know about its one tenant. Built by the core, read-only."""

    slug: str
    name: str
    base_currency: str
    financial_year_start: str  # "MM-DD"
    package: str
    edition: str
    capabilities: frozenset[Capability]
    options: PackageSettings
    secret: Callable[[str], str | None] = field(repr=False, default=lambda name: None)
    outgoing: Callable[[Any, dict], dict] = field(repr=False, default=lambda document, payload: payload)
    """Run the ``ledgerbridge_outgoing`` wrappers on a payload before it is sent."""
    access_token: Callable[..., str] = field(repr=False, default=_not_connected)
    """A valid OAuth access token (``access_token(force=True)`` after the package refused one)."""
    remote_tenant: str | None = None
    """The package's id of the connected company (Xero tenant id, realm id, business id)."""

    def require(self, capability: Capability | str) -> None:
        require(self.package, self.edition, self.capabilities, capability, tenant=self.slug)


class Authoriser(Protocol):
    """How a package's OAuth 2.0 connection is made (``ledgerbridge connect``)."""

    def endpoints(self, context: TenantContext) -> "OAuthEndpoints":
        """Authorisation server, client id/secret and scopes for this tenant."""

    def remote_tenant(self, context: TenantContext, tokens: "TokenSet", callback: Mapping[str, str],
                      transport: Any = None) -> str:
        """The company this connection is for (e.g. from Xero's /connections, or the redirect's
        ``realmId``); *callback* holds the redirect's query parameters (empty for a seeded token)."""


class Sandbox(Protocol):
    """A local emulator of the package's API (like moto for AWS): an ASGI app plus credentials."""

    app: Any

    def credentials(self, base_url: str) -> dict[str, str]:
        """What a tenant needs to talk to this sandbox served at *base_url* (urls, ids, tokens)."""


@dataclass(frozen=True)
class AccountingPackage:
    """One accounting package as a plugin advertises it through ``ledgerbridge_packages``.

    ``editions`` maps each edition name to the capability names it supports; a tenant picks the
    edition in ``tenants.toml`` (``default_edition`` when it doesn't). ``settings`` validates the
    tenant's ``[tenants.<slug>.<name>]`` table. ``connect`` builds a :class:`Connector` for one
    tenant. ``sandbox`` builds the package's local emulator. ``secrets`` lists the environment
    variables the package reads (documentation only; values are never shown).
    """

    name: str
    title: str
    editions: Mapping[str, frozenset[Capability]]
    default_edition: str
    settings: type[PackageSettings] = PackageSettings
    connect: Callable[[TenantContext], Connector] | None = None
    sandbox: Callable[..., Sandbox] | None = None
    secrets: tuple[str, ...] = ()
    authoriser: Authoriser | None = None

    def __post_init__(self) -> None:
        if not NAME_PATTERN.match(self.name):
            raise ValueError(f"package name {self.name!r} must be lowercase letters, digits or '_' (max 49)")
        if not self.editions:
            raise ValueError(f"package {self.name!r} advertises no edition")
        if self.default_edition not in self.editions:
            raise ValueError(f"package {self.name!r}: default edition {self.default_edition!r} is not one of "
                             f"{sorted(self.editions)}")
        object.__setattr__(self, "editions", {edition: parse_capabilities(caps)
                                              for edition, caps in self.editions.items()})

    def capabilities(self, edition: str | None) -> frozenset[Capability]:
        return self.editions[edition or self.default_edition]

    def describe(self) -> dict[str, Any]:
        """The package as ``plugins list --json`` shows it."""
        return {
            "package": self.name,
            "title": self.title,
            "default_edition": self.default_edition,
            "editions": {edition: sorted(c.value for c in caps) for edition, caps in self.editions.items()},
            "settings": sorted(self.settings.model_fields),
            "secrets": list(self.secrets),
            "sandbox": self.sandbox is not None,
            "connector": self.connect is not None,
        }


def edition_problem(package: AccountingPackage, edition: str | None) -> str | None:
    """Why *edition* is not valid for *package*, or None."""
    if edition is None or edition in package.editions:
        return None
    return f"unknown edition {edition!r} of {package.name} (editions: {', '.join(sorted(package.editions))})"
