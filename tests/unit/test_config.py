"""Unit tests for core.config: loading, every kind of problem in one pass, env and secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import (
    ConfigError,
    ConfigProblem,
    Settings,
    TenantConfig,
    check_config,
    get_secret,
    load_settings,
    resolve_config_dir,
)

REPO_CONFIG = Path(__file__).resolve().parents[2] / "config"

GOOD_SETTINGS = """
[database]
url = "postgresql+psycopg://app@127.0.0.1:5432/test"
[broker]
url = "amqp://guest@127.0.0.1:5672//"
prefetch = 50
[logging]
level = "debug"
format = "json"
[ratelimit]
url = "redis://127.0.0.1:6379/0"
"""

GOOD_TENANTS = """
[tenants.acme]
name = "Acme"
accounting = "xero"
edition = "standard"
base_currency = "AUD"
financial_year_start = "07-01"
[tenants.acme.reports]
receivable_accounts = ["1700", "1710"]
[tenants.acme.xero]
client_id = "abc"
base_url = "http://127.0.0.1:9000"

[tenants.waiting]
name = "No package yet"
enabled = false
base_currency = "NZD"
"""


def write(directory: Path, settings: str | None = None, tenants: str | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    if settings is not None:
        (directory / "ledgerbridge.toml").write_text(settings)
    if tenants is not None:
        (directory / "tenants.toml").write_text(tenants)
    return directory


def problems_by_key(problems: list[ConfigProblem]) -> dict[str, ConfigProblem]:
    return {p.key: p for p in problems}


# ------------------------------------------------------------------------------------ loading


def test_valid_config_loads(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, GOOD_SETTINGS, GOOD_TENANTS), env={})
    assert settings.config_dir == tmp_path
    assert settings.database.url.startswith("postgresql+psycopg://")
    assert settings.broker.url == "amqp://guest@127.0.0.1:5672//"
    assert (settings.broker.prefetch, settings.broker.batch_size) == (50, 500)
    assert (settings.logging.level, settings.logging.format) == ("DEBUG", "json")
    assert settings.ratelimit.url == "redis://127.0.0.1:6379/0"

    acme = settings.tenant("acme")
    assert acme is not None
    assert (acme.slug, acme.accounting, acme.edition, acme.base_currency) == ("acme", "xero", "standard", "AUD")
    assert acme.fy_start() == (7, 1)
    assert acme.reports.receivable_accounts == ["1700", "1710"]
    assert acme.reports.payable_accounts == ["2880"]
    assert acme.packages == {"xero": {"client_id": "abc", "base_url": "http://127.0.0.1:9000"}}

    waiting = settings.tenant("waiting")
    assert waiting is not None and waiting.enabled is False and waiting.accounting is None
    assert waiting.fy_start() == (1, 1)
    assert waiting.packages == {}
    assert settings.tenant("nobody") is None


def test_missing_files_give_defaults(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, env={})
    assert settings.database.url == "sqlite:///var/ledgerbridge.db"
    assert settings.broker.url == "memory://"
    assert (settings.broker.prefetch, settings.broker.batch_size) == (500, 500)
    assert (settings.logging.level, settings.logging.format) == ("INFO", "console")
    assert settings.ratelimit.url is None
    assert settings.tenants == {}


def test_shipped_config_files_are_valid() -> None:
    settings = load_settings(REPO_CONFIG, env={})
    assert Settings.model_validate(settings.model_dump()) == settings
    acme = settings.tenant("acme-plumbing")
    north = settings.tenant("northside-pest")
    assert acme is not None and north is not None
    assert (acme.name, acme.accounting, acme.edition, acme.base_currency) == (
        "Acme Plumbing Pty Ltd", "xero", "standard", "AUD",
    )  # fmt: skip
    assert acme.fy_start() == (7, 1) and acme.packages["xero"] == {"client_id": "demo-client-id"}
    assert (north.accounting, north.edition, north.base_currency, north.fy_start()) == ("quickbooks", "online", "NZD", (4, 1))
    assert north.packages["quickbooks"] == {"realm_id": "9130350000000000"}


def test_resolve_config_dir_precedence(tmp_path: Path) -> None:
    env = {"LEDGERBRIDGE_CONFIG": str(tmp_path / "from-env")}
    assert resolve_config_dir(tmp_path / "explicit", env) == tmp_path / "explicit"
    assert resolve_config_dir(None, env) == tmp_path / "from-env"
    assert resolve_config_dir(None, {}) == Path("config")


def test_config_dir_from_env(tmp_path: Path) -> None:
    write(tmp_path, tenants=GOOD_TENANTS)
    settings = load_settings(env={"LEDGERBRIDGE_CONFIG": str(tmp_path)})
    assert settings.config_dir == tmp_path and "acme" in settings.tenants


def test_explicit_missing_directory_is_a_problem(tmp_path: Path) -> None:
    settings, problems = check_config(tmp_path / "nope", env={})
    assert settings is None
    assert problems == [ConfigProblem(str(tmp_path / "nope"), "(directory)", "config directory does not exist")]


def test_env_overrides_toml_urls(tmp_path: Path) -> None:
    env = {"LEDGERBRIDGE_DATABASE_URL": "sqlite:///other.db", "LEDGERBRIDGE_BROKER_URL": "amqp://h//"}
    settings = load_settings(write(tmp_path, GOOD_SETTINGS), env=env)
    assert settings.database.url == "sqlite:///other.db"
    assert settings.broker.url == "amqp://h//"
    assert settings.broker.prefetch == 50  # the rest of the section is kept


def test_bad_env_override_names_the_variable(tmp_path: Path) -> None:
    _, problems = check_config(tmp_path, env={"LEDGERBRIDGE_BROKER_URL": "localhost"})
    assert [(p.file, p.key) for p in problems] == [("environment", "LEDGERBRIDGE_BROKER_URL")]


# ----------------------------------------------------------------------------------- problems


def test_bad_toml_reports_line_and_column(tmp_path: Path) -> None:
    write(tmp_path, settings="[database]\nurl = \"sqlite://\"\nprefetch = = 3\n", tenants="[tenants.a\n")
    settings, problems = check_config(tmp_path, env={})
    assert settings is None
    assert len(problems) == 2  # both files reported, not just the first
    settings_problem, tenants_problem = problems
    assert settings_problem.file == str(tmp_path / "ledgerbridge.toml")
    assert settings_problem.key.startswith("line 3, column ")
    assert settings_problem.reason.startswith("invalid TOML: ")
    assert tenants_problem.file == str(tmp_path / "tenants.toml")
    assert tenants_problem.key.startswith("line 1, column ")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("7-1", "must be MM-DD, e.g. 07-01 (got '7-1')"),
        ("13-01", "'13-01' is not a day of the year"),
        ("02-30", "'02-30' is not a day of the year"),
        ("02-29", "'02-29' is not a day of the year"),
        ("07/01", "must be MM-DD"),
    ],
)
def test_bad_financial_year_start(tmp_path: Path, value: str, reason: str) -> None:
    write(tmp_path, tenants=f'[tenants.t]\nname = "T"\nbase_currency = "AUD"\nfinancial_year_start = "{value}"\n')
    _, problems = check_config(tmp_path, env={})
    assert [p.key for p in problems] == ["tenants.t.financial_year_start"]
    assert problems[0].reason.startswith(reason)


@pytest.mark.parametrize("value", ['"aud"', '"AU"', '"AUDD"', "36"])
def test_bad_currency(tmp_path: Path, value: str) -> None:
    write(tmp_path, tenants=f'[tenants.t]\nname = "T"\nbase_currency = {value}\n')
    _, problems = check_config(tmp_path, env={})
    assert [p.key for p in problems] == ["tenants.t.base_currency"]


@pytest.mark.parametrize("slug", ["Acme", "-acme", "acme co", "a" * 64, "acmé"])
def test_bad_slug(tmp_path: Path, slug: str) -> None:
    write(tmp_path, tenants=f'[tenants."{slug}"]\nname = "T"\nbase_currency = "AUD"\n')
    _, problems = check_config(tmp_path, env={})
    assert [p.key for p in problems] == [f"tenants.{slug}"]
    assert "slug" in problems[0].reason


def test_good_slug_edge_cases(tmp_path: Path) -> None:
    tenants = "".join(f'[tenants.{s}]\nname = "T"\nbase_currency = "AUD"\n' for s in ["0", "a_b-c", "a" * 63])
    assert len(load_settings(write(tmp_path, tenants=tenants), env={}).tenants) == 3


def test_edition_without_accounting(tmp_path: Path) -> None:
    write(tmp_path, tenants='[tenants.t]\nname = "T"\nbase_currency = "AUD"\nedition = "essentials"\n')
    _, problems = check_config(tmp_path, env={})
    assert [p.key for p in problems] == ["tenants.t.edition"]
    assert "accounting" in problems[0].reason


@pytest.mark.parametrize(
    "key", ["client_secret", "password", "api_key", "ApiKey", "private_key", "access_token", "webhook_secret"]
)
def test_secret_keys_rejected_anywhere_in_tenants(tmp_path: Path, key: str) -> None:
    write(
        tmp_path,
        tenants=f'[tenants.t]\nname = "T"\nbase_currency = "AUD"\n{key} = "s3"\n'
        f'[tenants.t.xero]\nclient_id = "fine"\n{key} = "s3"\n',
    )
    _, problems = check_config(tmp_path, env={})
    assert [p.key for p in problems] == [f"tenants.t.{key}", f"tenants.t.xero.{key}"]
    for problem in problems:
        assert "environment" in problem.reason and "secrets file" in problem.reason
        assert "s3" not in str(problem)


def test_slug_that_contains_a_secret_word_is_fine(tmp_path: Path) -> None:
    write(tmp_path, tenants='[tenants.tokenworks]\nname = "Tokenworks"\nbase_currency = "AUD"\n')
    assert "tokenworks" in load_settings(tmp_path, env={}).tenants


def test_unknown_keys_with_suggestions(tmp_path: Path) -> None:
    write(
        tmp_path,
        settings='[databse]\nurl = "sqlite://"\n[logging]\nlevle = "INFO"\n',
        tenants='[tenants.t]\nname = "T"\nbase_currency = "AUD"\nacounting = "xero"\n'
        '[tenants.t.reports]\nreceivable = ["1700"]\n',
    )
    _, problems = check_config(tmp_path, env={})
    by_key = problems_by_key(problems)
    assert set(by_key) == {"databse", "logging.levle", "tenants.t.acounting", "tenants.t.reports.receivable"}
    assert by_key["databse"].reason == "unknown key (did you mean 'database'?)"
    assert by_key["logging.levle"].reason == "unknown key (did you mean 'level'?)"
    assert by_key["tenants.t.acounting"].reason == "unknown key (did you mean 'accounting'?)"
    assert by_key["tenants.t.reports.receivable"].reason == "unknown key (did you mean 'receivable_accounts'?)"


def test_type_and_value_problems(tmp_path: Path) -> None:
    write(
        tmp_path,
        settings='[broker]\nprefetch = "10"\nbatch_size = 0\n[logging]\nformat = "text"\nlevel = "LOUD"\n',
        tenants='[tenants.t]\nbase_currency = "AUD"\nenabled = "yes"\n[tenants.t.reports]\npayable_accounts = []\n',
    )
    _, problems = check_config(tmp_path, env={})
    by_key = problems_by_key(problems)
    assert by_key["broker.prefetch"].reason == "must be a valid integer (got '10')"
    assert "greater than or equal to 1" in by_key["broker.batch_size"].reason
    assert by_key["logging.format"].reason == "must be one of 'json' or 'console' (got 'text')"
    assert "got 'LOUD'" in by_key["logging.level"].reason
    assert by_key["tenants.t.name"].reason == "required, but missing"
    assert by_key["tenants.t.enabled"].reason == "must be a valid boolean (got 'yes')"
    assert by_key["tenants.t.reports.payable_accounts"].reason == "must not be empty"


def test_every_problem_reported_in_one_pass(tmp_path: Path) -> None:
    write(
        tmp_path,
        settings='[database]\nurl = "sqlite://"\nuser = "x"\n',
        tenants="""
[tenants.Bad]
name = "Bad slug"
base_currency = "AUD"

[tenants.acme]
name = "Acme"
edition = "standard"
base_currency = "dollars"
financial_year_start = "7-1"
refresh_token = "rt-secret"
colour = "blue"
""",
    )
    settings, problems = check_config(tmp_path, env={})
    assert settings is None
    settings_file, tenants_file = str(tmp_path / "ledgerbridge.toml"), str(tmp_path / "tenants.toml")
    assert sorted((p.file, p.key) for p in problems) == sorted(
        [
            (settings_file, "database.user"),
            (tenants_file, "tenants.Bad"),
            (tenants_file, "tenants.acme.edition"),
            (tenants_file, "tenants.acme.base_currency"),
            (tenants_file, "tenants.acme.financial_year_start"),
            (tenants_file, "tenants.acme.refresh_token"),
            (tenants_file, "tenants.acme.colour"),
        ]
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path, env={})
    assert caught.value.problems == problems
    lines = str(caught.value).splitlines()
    assert lines == [str(p) for p in problems]
    assert f"{tenants_file}: tenants.acme.financial_year_start: must be MM-DD, e.g. 07-01 (got '7-1')" in lines
    assert "rt-secret" not in str(caught.value)


def test_problem_str() -> None:
    assert str(ConfigProblem("config/tenants.toml", "tenants.a.name", "required")) == (
        "config/tenants.toml: tenants.a.name: required"
    )


def test_default_dir_problem_paths_are_relative(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "config", tenants='[tenants.t]\nname = "T"\nbase_currency = "aud"\n')
    _, problems = check_config(env={})
    assert [str(p).split(": ")[0] for p in problems] == ["config/tenants.toml"]


def test_tenant_model_direct() -> None:
    tenant = TenantConfig(slug="x", name="X", base_currency="EUR", financial_year_start="10-01")
    assert tenant.fy_start() == (10, 1) and tenant.reports.receivable_accounts == ["1700"]


# ------------------------------------------------------------------------------------ secrets


def test_get_secret_env_then_default_secrets_file(tmp_path: Path) -> None:
    (tmp_path / "secrets.env").write_text(
        "# xero app\n\nXERO_CLIENT_SECRET=from-file\nexport QBO_SECRET = 'quoted value'\n"
        'DOUBLE="a=b#c"\nEMPTY=\n'
    )
    settings = load_settings(tmp_path, env={})
    assert get_secret("XERO_CLIENT_SECRET", settings, env={}) == "from-file"
    assert get_secret("XERO_CLIENT_SECRET", settings, env={"XERO_CLIENT_SECRET": "from-env"}) == "from-env"
    assert get_secret("QBO_SECRET", settings, env={}) == "quoted value"
    assert get_secret("DOUBLE", settings, env={}) == "a=b#c"
    assert get_secret("EMPTY", settings, env={}) == ""
    assert get_secret("MISSING", settings, env={}) is None


def test_get_secret_explicit_secrets_file(tmp_path: Path) -> None:
    secrets = tmp_path / "elsewhere.env"
    secrets.write_text("TOKEN_KEY=abc\n")
    env = {"LEDGERBRIDGE_SECRETS_FILE": str(secrets)}
    settings = load_settings(write(tmp_path / "cfg"), env=env)
    assert get_secret("TOKEN_KEY", settings, env=env) == "abc"


def test_get_secret_without_any_file(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, env={})
    assert get_secret("ANY", settings, env={}) is None
    assert get_secret("ANY", settings, env={"ANY": "x"}) == "x"


def test_bad_secrets_file_is_a_problem_without_leaking_values(tmp_path: Path) -> None:
    (tmp_path / "secrets.env").write_text("GOOD=1\njust-a-leaked-value\n")
    _, problems = check_config(tmp_path, env={})
    assert problems == [ConfigProblem(str(tmp_path / "secrets.env"), "line 2", "expected NAME=value")]
    _, problems = check_config(tmp_path, env={"LEDGERBRIDGE_SECRETS_FILE": str(tmp_path / "missing.env")})
    assert [(p.key, p.reason) for p in problems] == [("(file)", "file not found")]
