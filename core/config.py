"""Configuration: ``ledgerbridge.toml``, ``tenants.toml``, environment overrides and secrets.

The config directory is, in order: the explicit argument, ``$LEDGERBRIDGE_CONFIG``, ``./config``.
It holds

* ``ledgerbridge.toml`` — database, broker, logging and rate-limit settings (missing → defaults);
* ``tenants.toml`` — one ``[tenants.<slug>]`` table per business; sub-tables other than
  ``reports`` are the accounting package's own options, validated later by its plugin;
* optionally ``secrets.env`` — ``NAME=value`` lines read by :func:`get_secret`.

Secrets never live in the TOML files: a secret-looking key in ``tenants.toml`` is an error.
``$LEDGERBRIDGE_DATABASE_URL`` and ``$LEDGERBRIDGE_BROKER_URL`` override the TOML values.

:func:`check_config` collects *every* problem in one pass (for ``ledgerbridge config check``);
:func:`load_settings` raises :class:`ConfigError` listing them.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Any, Literal, Mapping, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

DEFAULT_CONFIG_DIR = Path("config")
SETTINGS_FILE = "ledgerbridge.toml"
TENANTS_FILE = "tenants.toml"
SECRETS_FILE = "secrets.env"

ENV_CONFIG_DIR = "LEDGERBRIDGE_CONFIG"
ENV_SECRETS_FILE = "LEDGERBRIDGE_SECRETS_FILE"
#: Environment variables that override a TOML value: variable → (section, key).
ENV_OVERRIDES = {
    "LEDGERBRIDGE_DATABASE_URL": ("database", "url"),
    "LEDGERBRIDGE_BROKER_URL": ("broker", "url"),
}

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
#: Case-insensitive substrings that make a key name look like a secret.
SECRET_KEY_WORDS = (
    "secret", "password", "token", "api_key", "apikey",
    "private_key", "client_secret", "refresh_token", "access_token",
)  # fmt: skip
#: Names of where a secret is used, not of a secret (``token_url``, ``client_id``).
NOT_SECRET_SUFFIXES = ("_url", "_uri", "_id", "_env")
_SECRET_REASON = (
    "looks like a secret; secrets never go in tenants.toml — set it in the environment "
    f"or the secrets file (${ENV_SECRETS_FILE} or <config dir>/{SECRETS_FILE})"
)


def is_secret_key(name: str) -> bool:
    """True when a key name looks like it holds a secret (``client_id``, ``token_url`` do not)."""
    lowered = name.lower()
    if lowered.endswith(NOT_SECRET_SUFFIXES):
        return False
    return any(word in lowered for word in SECRET_KEY_WORDS)


# --------------------------------------------------------------------------------------- errors


class ConfigProblem(NamedTuple):
    """One thing wrong with the configuration: which file, which dotted key, and why."""

    file: str
    key: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.reason}"


class ConfigError(Exception):
    """The configuration cannot be used; :attr:`problems` says everything that is wrong."""

    def __init__(self, problems: list[ConfigProblem]):
        self.problems = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


# --------------------------------------------------------------------------------------- models


class _Section(BaseModel):
    # strict: TOML values are typed, so "yes" for a bool or "500" for an int is a mistake.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _UrlSection(_Section):
    """A section with a ``url`` key, which must at least look like ``scheme://...``."""

    url: str | None = None

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is not None and "://" not in value:
            raise ValueError(f"must be a URL like scheme://... (got {value!r})")
        return value


class DatabaseSettings(_UrlSection):
    """``[database]``: SQLAlchemy URL of the local ledger."""

    url: str = "sqlite:///var/ledgerbridge.db"


class BrokerSettings(_UrlSection):
    """``[broker]``: kombu URL, consumer prefetch and outbox relay batch size."""

    url: str = "memory://"
    prefetch: int = Field(500, ge=1)
    batch_size: int = Field(500, ge=1)
    #: Prefix of every exchange and queue name, so several installations can share one broker.
    namespace: str = Field("ledgerbridge", pattern=r"^[a-z][a-z0-9_-]{0,40}$")


class LoggingSettings(_Section):
    """``[logging]``: level and output format (``json`` in production)."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["json", "console"] = "console"

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class RateLimitSettings(_UrlSection):
    """``[ratelimit]``: shared limiter store (e.g. ``redis://...``); unset → in-process."""

    url: str | None = None


class PushSettings(_Section):
    """``[push]``: how the worker pushes to accounting packages and guards each tenant connection.

    ``lease_seconds``: a document claimed by a pusher that died is due again after this long.
    ``breaker_failures``: consecutive failed calls (outage, timeout) that mark a connection
    ``down``; it is then probed every ``probe_min_seconds``, doubling up to ``probe_max_seconds``.
    ``retry_min_seconds``/``retry_max_seconds``: a document's own retry schedule (1 min → 6 h).
    """

    batch_size: int = Field(50, ge=1, le=1000)
    scan_seconds: float = Field(30.0, gt=0)
    lease_seconds: float = Field(600.0, gt=0)
    breaker_failures: int = Field(3, ge=1)
    probe_min_seconds: float = Field(30.0, gt=0)
    probe_max_seconds: float = Field(900.0, gt=0)
    retry_min_seconds: float = Field(60.0, gt=0)
    retry_max_seconds: float = Field(21600.0, gt=0)


class ReportSettings(_Section):
    """``[tenants.<slug>.reports]``: control accounts for the open-invoices report."""

    receivable_accounts: list[str] = Field(default_factory=lambda: ["1700"], min_length=1)
    payable_accounts: list[str] = Field(default_factory=lambda: ["2880"], min_length=1)


class TenantConfig(_Section):
    """One business: its accounting package (if any), currency, financial year and options.

    A tenant without ``accounting`` records documents and waits until one is configured.
    ``packages`` maps a package name to its own option table, validated by that plugin.
    """

    slug: str
    name: str = Field(min_length=1)
    enabled: bool = True
    accounting: str | None = None
    edition: str | None = None
    base_currency: str
    financial_year_start: str = "01-01"
    reports: ReportSettings = Field(default_factory=ReportSettings)
    packages: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG_PATTERN.match(value):
            raise ValueError(
                "tenant slug must be 1-63 characters of lowercase letters, digits, '-' or '_', "
                "starting with a letter or digit"
            )
        return value

    @field_validator("base_currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Z]{3}", value):
            raise ValueError(f"must be a 3-letter ISO 4217 code in capitals, e.g. AUD (got {value!r})")
        return value

    @field_validator("financial_year_start")
    @classmethod
    def _mm_dd(cls, value: str) -> str:
        if not re.fullmatch(r"\d{2}-\d{2}", value):
            raise ValueError(f"must be MM-DD, e.g. 07-01 (got {value!r})")
        month, day = int(value[:2]), int(value[3:])
        try:
            date(2001, month, day)  # a common year: 02-29 cannot start every financial year
        except ValueError:
            raise ValueError(f"{value!r} is not a day of the year (must be MM-DD, e.g. 07-01)") from None
        return value

    @field_validator("edition")
    @classmethod
    def _edition_needs_accounting(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and "accounting" in info.data and info.data["accounting"] is None:
            raise ValueError('an edition needs a package: set accounting = "<package>" too')
        return value

    def fy_start(self) -> tuple[int, int]:
        """The financial year's first day as ``(month, day)``."""
        month, day = self.financial_year_start.split("-")
        return int(month), int(day)


class Settings(BaseModel):
    """Everything loaded from the config directory (secrets excepted: see :func:`get_secret`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    config_dir: Path
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    broker: BrokerSettings = Field(default_factory=BrokerSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    ratelimit: RateLimitSettings = Field(default_factory=RateLimitSettings)
    push: PushSettings = Field(default_factory=PushSettings)
    tenants: dict[str, TenantConfig] = Field(default_factory=dict)

    def tenant(self, slug: str) -> TenantConfig | None:
        """The tenant with this slug, or None."""
        return self.tenants.get(slug)


class _SettingsFile(_Section):
    """Shape of ``ledgerbridge.toml``."""

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    broker: BrokerSettings = Field(default_factory=BrokerSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    ratelimit: RateLimitSettings = Field(default_factory=RateLimitSettings)
    push: PushSettings = Field(default_factory=PushSettings)


#: Keys a tenant table may set itself (slug comes from the table name, packages from sub-tables).
_TENANT_KEYS = sorted(set(TenantConfig.model_fields) - {"slug", "packages"})


# -------------------------------------------------------------------------------------- loading


def resolve_config_dir(config_dir: str | Path | None = None, env: Mapping[str, str] = os.environ) -> Path:
    """The config directory: *config_dir*, else ``$LEDGERBRIDGE_CONFIG``, else ``./config``."""
    if config_dir is not None:
        return Path(config_dir)
    if env.get(ENV_CONFIG_DIR):
        return Path(env[ENV_CONFIG_DIR])
    return DEFAULT_CONFIG_DIR


def check_config(
    config_dir: str | Path | None = None, env: Mapping[str, str] = os.environ,
    packages: Mapping[str, Any] | None = None,
) -> tuple[Settings | None, list[ConfigProblem]]:
    """Load and validate everything, collecting every problem; Settings is None if any.

    *packages* (name → :class:`core.accounting.AccountingPackage`, from the loaded plugins) lets
    each tenant's package, edition and options table be checked too.
    """
    explicit = config_dir is not None or bool(env.get(ENV_CONFIG_DIR))
    directory = resolve_config_dir(config_dir, env)
    problems: list[ConfigProblem] = []
    if explicit and not directory.is_dir():
        problems.append(ConfigProblem(str(directory), "(directory)", "config directory does not exist"))
        return None, problems

    settings_file = _load_settings_file(directory / SETTINGS_FILE, env, problems)
    tenants = _load_tenants(directory / TENANTS_FILE, problems)
    if tenants is not None and packages is not None:
        problems.extend(check_tenant_packages(directory / TENANTS_FILE, tenants, packages))
    secrets_path = _secrets_path(directory, env)
    if secrets_path is not None:
        try:
            read_secrets_file(secrets_path)
        except ConfigError as exc:
            problems.extend(exc.problems)

    if problems or settings_file is None or tenants is None:
        return None, problems
    settings = Settings(
        config_dir=directory,
        database=settings_file.database,
        broker=settings_file.broker,
        logging=settings_file.logging,
        ratelimit=settings_file.ratelimit,
        push=settings_file.push,
        tenants=tenants,
    )
    return settings, problems


def load_settings(config_dir: str | Path | None = None, env: Mapping[str, str] = os.environ,
                  packages: Mapping[str, Any] | None = None) -> Settings:
    """Load the configuration, raising :class:`ConfigError` listing every problem."""
    settings, problems = check_config(config_dir, env, packages)
    if settings is None:
        raise ConfigError(problems)
    return settings


def _read_toml(path: Path, problems: list[ConfigProblem]) -> dict[str, Any] | None:
    """The parsed file, ``{}`` if it does not exist, None (and a problem) if unreadable."""
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fp:
            return tomllib.load(fp)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = re.search(r"\(at line (\d+), column (\d+)\)$", message)
        if where:
            key = f"line {where[1]}, column {where[2]}"
            message = message[: where.start()].rstrip()
        else:  # "(at end of document)" and the like
            key = "(syntax)"
        problems.append(ConfigProblem(str(path), key, f"invalid TOML: {message}"))
    except UnicodeDecodeError:
        problems.append(ConfigProblem(str(path), "(file)", "not valid UTF-8 text"))
    except OSError as exc:
        problems.append(ConfigProblem(str(path), "(file)", f"cannot read: {exc.strerror or exc}"))
    return None


def _load_settings_file(
    path: Path, env: Mapping[str, str], problems: list[ConfigProblem]
) -> _SettingsFile | None:
    data = _read_toml(path, problems)
    if data is None:
        return None
    overridden: dict[tuple[str, str], str] = {}
    for var, (section, key) in ENV_OVERRIDES.items():
        if env.get(var):
            table = data.setdefault(section, {})
            if isinstance(table, dict):
                table[key] = env[var]
                overridden[(section, key)] = var
    try:
        return _SettingsFile.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            var = overridden.get(tuple(error["loc"][:2]))  # type: ignore[arg-type]
            if var:
                problems.append(ConfigProblem("environment", var, _reason(error, _SettingsFile)))
            else:
                problems.append(_problem(path, (), error, _SettingsFile))
        return None


def _load_tenants(path: Path, problems: list[ConfigProblem]) -> dict[str, TenantConfig] | None:
    data = _read_toml(path, problems)
    if data is None:
        return None
    before = len(problems)
    _drop_secrets(data, (), path, problems)
    for key in data:
        if key != "tenants":
            problems.append(ConfigProblem(str(path), key, _unknown(key, ["tenants"])))
    tables = data.get("tenants", {})
    if not isinstance(tables, dict):
        problems.append(ConfigProblem(str(path), "tenants", "must be a table of [tenants.<slug>] tables"))
        return None

    tenants: dict[str, TenantConfig] = {}
    for slug, table in tables.items():
        prefix = ("tenants", slug)
        if not isinstance(table, dict):
            problems.append(ConfigProblem(str(path), _dotted(prefix), f"must be a table: [tenants.{slug}]"))
            continue
        fields: dict[str, Any] = {"slug": slug, "packages": {}}
        for key, value in table.items():
            if key in ("slug", "packages"):
                reason = _unknown(key, _TENANT_KEYS)
                problems.append(ConfigProblem(str(path), _dotted((*prefix, key)), reason))
            elif key in _TENANT_KEYS or not isinstance(value, dict):
                fields[key] = value  # unknown scalars are reported by pydantic (extra="forbid")
            else:
                fields["packages"][key] = value
        try:
            tenants[slug] = TenantConfig.model_validate(fields)
        except ValidationError as exc:
            problems.extend(_problem(path, prefix, error, TenantConfig) for error in exc.errors())
    return None if len(problems) > before else tenants


def check_tenant_packages(path: Path, tenants: Mapping[str, TenantConfig],
                          packages: Mapping[str, Any]) -> list[ConfigProblem]:
    """Each tenant's ``accounting``/``edition`` must name an installed package and edition, and
    every package options table must pass that package's settings model."""
    problems: list[ConfigProblem] = []
    installed = ", ".join(sorted(packages)) or "none"
    for slug, tenant in tenants.items():
        prefix = ("tenants", slug)
        package = packages.get(tenant.accounting) if tenant.accounting else None
        if tenant.accounting and package is None:
            close = difflib.get_close_matches(tenant.accounting, list(packages), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            problems.append(ConfigProblem(str(path), _dotted((*prefix, "accounting")),
                                          f"no installed plugin provides the package {tenant.accounting!r} "
                                          f"({hint}installed: {installed})"))
        if package is not None and tenant.edition is not None and tenant.edition not in package.editions:
            problems.append(ConfigProblem(str(path), _dotted((*prefix, "edition")),
                                          f"unknown edition {tenant.edition!r} of {package.name} "
                                          f"(editions: {', '.join(sorted(package.editions))})"))
        tables = dict(tenant.packages)
        if package is not None:
            tables.setdefault(package.name, {})  # required options must be reported even without a table
        for name, options in tables.items():
            if name not in packages:
                reason = (f"{_unknown(name, _TENANT_KEYS + sorted(packages))}; a sub-table is the options of "
                          f"an installed accounting package (installed: {installed})")
                problems.append(ConfigProblem(str(path), _dotted((*prefix, name)), reason))
                continue
            model = packages[name].settings
            try:
                model.model_validate(options)
            except ValidationError as exc:
                problems.extend(_problem(path, (*prefix, name), error, model) for error in exc.errors())
    return problems


def _drop_secrets(node: Any, loc: tuple, path: Path, problems: list[ConfigProblem]) -> None:
    """Report and remove secret-looking keys anywhere (tenant slugs excepted)."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            _drop_secrets(item, (*loc, index), path, problems)
    elif isinstance(node, dict):
        for key in list(node):
            is_slug = loc == ("tenants",)
            if not is_slug and is_secret_key(str(key)):
                problems.append(ConfigProblem(str(path), _dotted((*loc, key)), _SECRET_REASON))
                del node[key]
            else:
                _drop_secrets(node[key], (*loc, key), path, problems)


def _problem(path: Path, prefix: tuple, error: Any, model: type[BaseModel]) -> ConfigProblem:
    loc = tuple(error["loc"])
    if loc == ("slug",):  # the slug is the table name itself
        loc = ()
    return ConfigProblem(str(path), _dotted(prefix + loc), _reason(error, model))


def _reason(error: Any, model: type[BaseModel]) -> str:
    """A pydantic error in words a person configuring the service understands."""
    kind, loc = error["type"], tuple(error["loc"])
    if kind == "extra_forbidden":
        allowed = _TENANT_KEYS if model is TenantConfig and len(loc) == 1 else _fields_at(model, loc[:-1])
        return _unknown(str(loc[-1]), allowed)
    if kind == "missing":
        return "required, but missing"
    if kind == "model_type":
        return "must be a table"
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind == "too_short":
        return "must not be empty"
    if kind == "literal_error":
        return f"must be one of {error['ctx']['expected']} (got {error['input']!r})"
    message = error["msg"].replace("Input should be", "must be")
    return f"{message[0].lower()}{message[1:]} (got {error['input']!r})"


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    """Field names of the model found by following *loc* down from *model*."""
    for part in loc:
        field = model.model_fields.get(str(part))
        annotation = field.annotation if field is not None else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return list(model.model_fields)


def _unknown(key: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"expected one of: {', '.join(allowed)}"
    return f"unknown key ({hint})"


def _dotted(loc: tuple) -> str:
    return ".".join(str(part) for part in loc)


# -------------------------------------------------------------------------------------- secrets


def _secrets_path(config_dir: Path, env: Mapping[str, str]) -> Path | None:
    """``$LEDGERBRIDGE_SECRETS_FILE`` (must exist), else ``<config_dir>/secrets.env`` if present."""
    if env.get(ENV_SECRETS_FILE):
        return Path(env[ENV_SECRETS_FILE])
    default = config_dir / SECRETS_FILE
    return default if default.exists() else None


def read_secrets_file(path: Path) -> dict[str, str]:
    """Parse dotenv-style ``NAME=value`` lines (``#`` comments, blanks, optional quotes).

    Raises :class:`ConfigError` for a missing file or a malformed line; the message names the
    line number only, never its content.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = "file not found" if isinstance(exc, FileNotFoundError) else f"cannot read: {exc}"
        raise ConfigError([ConfigProblem(str(path), "(file)", reason)]) from None
    values: dict[str, str] = {}
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.removeprefix("export ").partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            problems.append(ConfigProblem(str(path), f"line {number}", "expected NAME=value"))
            continue
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[name] = value
    if problems:
        raise ConfigError(problems)
    return values


def get_secret(name: str, settings: Settings, env: Mapping[str, str] = os.environ) -> str | None:
    """The secret *name* from the environment, else from the secrets file, else None.

    The secrets file is ``$LEDGERBRIDGE_SECRETS_FILE`` or ``<config_dir>/secrets.env``; it is
    read on every call, so rotated secrets are picked up without a restart.
    """
    if env.get(name):
        return env[name]
    path = _secrets_path(settings.config_dir, env)
    if path is None:
        return None
    return read_secrets_file(path).get(name)
