"""The real ``ledgerbridge`` command, run as a subprocess on SQLite + memory:// (no servers needed)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import jsonschema
import pytest

from tests import builders
from tests.conftest import write_config
from tests.e2e.conftest import EXAMPLES, REPO, Cli, clean_env, describe

#: The commands the documentation promises (every registered command is checked too).
REQUIRED = {("ingest",), ("worker",), ("serve",), ("status",), ("db",), ("db", "upgrade"), ("config",),
            ("config", "check"), ("events",), ("events", "schema"), ("events", "example")}


def _registered_commands() -> list[tuple[str, ...]]:
    import typer.main

    from core.cli import app

    def walk(command, path=()):
        for name, sub in (getattr(command, "commands", None) or {}).items():
            yield path + (name,)
            yield from walk(sub, path + (name,))
    return sorted(walk(typer.main.get_command(app)))


SUBCOMMANDS = _registered_commands()
EVENT_TYPES = ("invoice-created", "invoice-updated", "invoice-voided", "payment-received", "payment-removed",
               "reconciliation-requested")
STATUS_TENANT_KEYS = {"invoices", "payments", "pending", "pushed", "failed"}

#: What each line of examples/bad-events.jsonl is rejected for (a substring of the reason).
BAD_EVENT_REASONS = [
    "bad JSON",                      # 1 truncated line
    "data.total",                    # 2 total disagrees with the lines
    "data.amount",                   # 3 too many decimal places
    "memo",                          # 4 unknown field
    "account_code",                  # 5 missing field
    "data.due_date",                 # 6 30 February
    "type",                          # 7 unknown type
    "'acme-plumbng' is not in tenants.toml",  # 8 unknown tenant (valid event, rejected at ingest)
    "occurred_at",                   # 9 no time zone
    "data.amount",                   # 10 formatted amount
    "tax_amount",                    # 11 tax on a no_tax invoice
    "id",                            # 12 not a uuid
]


def no_traceback(result) -> None:
    assert "Traceback" not in result.stderr + result.stdout, describe(result)


# --- help -------------------------------------------------------------------------------------------

def test_help_lists_every_command(sqlite_cli):
    assert REQUIRED <= set(SUBCOMMANDS)
    result = sqlite_cli("--help")
    assert result.returncode == 0, describe(result)
    for (name,) in [c for c in SUBCOMMANDS if len(c) == 1]:
        assert re.search(rf"^\W*{name}\b", result.stdout, re.MULTILINE), f"{name} missing from --help:\n{result.stdout}"


@pytest.mark.parametrize("args", SUBCOMMANDS, ids=" ".join)
def test_every_subcommand_has_help(sqlite_cli, args):
    result = sqlite_cli(*args, "--help")
    assert result.returncode == 0, describe(result)
    assert "Usage" in result.stdout
    children = [c[-1] for c in SUBCOMMANDS if len(c) == len(args) + 1 and c[:len(args)] == args]
    for child in children:  # a group's help lists its commands
        assert re.search(rf"^\W*{child}\b", result.stdout, re.MULTILINE), f"{child} missing:\n{result.stdout}"


# --- db upgrade / status ----------------------------------------------------------------------------

def test_status_json_shape_after_upgrade(sqlite_cli):
    upgrade = sqlite_cli("db", "upgrade")
    assert upgrade.returncode == 0, describe(upgrade)
    assert upgrade.stdout == ""  # the message goes to stderr; stdout stays clean
    assert sqlite_cli("db", "upgrade").returncode == 0  # safe to repeat

    status = sqlite_cli.status()
    assert set(status) >= {"tenants", "dead_letters", "outbox_backlog"}
    assert set(status["tenants"]) == {"acme-plumbing", "northside-pest", "paused-co", "records-only"}
    for slug, row in status["tenants"].items():
        assert STATUS_TENANT_KEYS <= set(row), slug
        for key in STATUS_TENANT_KEYS:
            assert row[key] == 0, (slug, key)
    assert status["dead_letters"] == 0
    assert status["outbox_backlog"] == 0

    one = sqlite_cli.status("--tenant", "northside-pest")
    assert list(one["tenants"]) == ["northside-pest"]

    table = sqlite_cli("status")
    assert table.returncode == 0, describe(table)
    for slug in status["tenants"]:
        assert slug in table.stdout


def test_status_unknown_tenant_exits_2(upgraded_cli):
    result = upgraded_cli("status", "--tenant", "nosuch")
    assert result.returncode == 2, describe(result)
    assert "nosuch" in result.stderr and "unknown tenant" in result.stderr
    assert result.stdout == ""
    no_traceback(result)


@pytest.mark.parametrize("args", [("status",), ("status", "--json"), ("worker", "--until-idle")], ids=" ".join)
def test_commands_before_db_upgrade_say_so(sqlite_cli, args):
    result = sqlite_cli(*args)
    assert result.returncode == 2, describe(result)
    assert "db upgrade" in result.stderr
    assert result.stdout == ""
    no_traceback(result)


# --- ingest -----------------------------------------------------------------------------------------

def _mixed_file(tmp_path: Path) -> tuple[Path, dict]:
    """Valid lines, a duplicate id, a disabled tenant's event, a blank line and all of bad-events.jsonl."""
    bad = (EXAMPLES / "bad-events.jsonl").read_text().splitlines()
    assert len(bad) == len(BAD_EVENT_REASONS), "examples/bad-events.jsonl changed: update BAD_EVENT_REASONS"
    first = builders.envelope("invoice-created", builders.invoice("INV-1"))
    duplicate = dict(first, data=builders.invoice("INV-DUP"))  # same id, other content: the first wins
    lines: list[str] = []
    expected_reasons: dict[int, str] = {}

    def add(text: str, reason: str | None = None) -> None:
        lines.append(text)
        if reason is not None:
            expected_reasons[len(lines)] = reason

    add(json.dumps(first))
    add(bad[0], BAD_EVENT_REASONS[0])
    add(builders.line("payment-received", builders.payment("PAY-1", "INV-1", "50.00")))
    add(bad[1], BAD_EVENT_REASONS[1])
    add(json.dumps(duplicate))
    add("")
    add(builders.line("invoice-created", builders.invoice("NZ-1", currency="NZD"), tenant="northside-pest"))
    add(builders.line("invoice-created", builders.invoice("P-1"), tenant="paused-co"))
    for text, reason in zip(bad[2:], BAD_EVENT_REASONS[2:]):
        add(text, reason)
    add(builders.line("invoice-created", builders.invoice("R-1"), tenant="records-only"))
    path = tmp_path / "mixed events.jsonl"  # a space in the name, too
    path.write_text("\n".join(lines) + "\n")
    expected = {"lines": len(lines), "accepted": 5, "duplicates": 1, "rejected": expected_reasons,
                "disabled": 1}
    return path, expected


def _rejections(stdout: str, source: str) -> dict[int, str]:
    found: dict[int, str] = {}
    for text in stdout.splitlines():
        assert text.startswith(f"{source}:"), f"not a FILE:LINE: reason line: {text!r}\n{stdout}"
        match = re.fullmatch(rf"{re.escape(source)}:(\d+): (.+)", text)
        assert match, f"not a FILE:LINE: reason line: {text!r}"
        number = int(match[1])
        assert number not in found, f"line {number} reported twice"
        found[number] = match[2]
    return found


def test_ingest_mixed_file_reports_each_rejected_line(upgraded_cli, tmp_path):
    path, expected = _mixed_file(tmp_path)
    result = upgraded_cli("ingest", str(path))
    assert result.returncode == 1, describe(result)
    no_traceback(result)

    found = _rejections(result.stdout, str(path))
    assert sorted(found) == sorted(expected["rejected"]), describe(result)
    for number, reason in expected["rejected"].items():
        assert reason in found[number], f"line {number}: {found[number]!r} should mention {reason!r}"
    summary = (f"{path}: {expected['accepted']} accepted, {expected['duplicates']} duplicate(s), "
               f"{len(expected['rejected'])} rejected")
    assert summary in result.stderr, describe(result)
    assert "1 for disabled tenants" in result.stderr

    before = upgraded_cli.status()
    assert before["outbox_backlog"] == expected["accepted"]
    assert all(row["invoices"] == 0 for row in before["tenants"].values())

    worker = upgraded_cli("worker", "--until-idle")
    assert worker.returncode == 0, describe(worker)
    no_traceback(worker)

    status = upgraded_cli.status()
    tenants = status["tenants"]
    assert (tenants["acme-plumbing"]["invoices"], tenants["acme-plumbing"]["payments"]) == (1, 1)
    assert (tenants["northside-pest"]["invoices"], tenants["northside-pest"]["payments"]) == (1, 0)
    assert (tenants["records-only"]["invoices"], tenants["records-only"]["payments"]) == (1, 0)
    assert (tenants["paused-co"]["invoices"], tenants["paused-co"]["payments"]) == (0, 0)
    assert tenants["paused-co"]["dead_letters"] == 1
    assert status["dead_letters"] == 1  # the disabled tenant's event; rejected lines never got this far
    assert status["outbox_backlog"] == 0
    assert tenants["acme-plumbing"]["pending"] > 0  # waiting for the xero plugin
    assert tenants["records-only"]["pending"] == 0  # no accounting package

    # The same file again: nothing new is accepted, the same lines are rejected.
    again = upgraded_cli("ingest", "--json", str(path))
    assert again.returncode == 1, describe(again)
    report = json.loads(again.stdout)
    assert report["accepted"] == 0
    assert report["duplicates"] == expected["accepted"] + expected["duplicates"]
    assert [r["line"] for r in report["rejections"]] == sorted(expected["rejected"])
    assert upgraded_cli("worker", "--until-idle").returncode == 0
    assert _counts(upgraded_cli.status()) == _counts(status)


def _counts(status: dict) -> dict:
    """The status without the free-text last problem (a second push attempt words it differently)."""
    return {**status, "tenants": {slug: {k: v for k, v in row.items() if k != "last_error"}
                                  for slug, row in status["tenants"].items()}}


def test_ingest_json_report(upgraded_cli, tmp_path):
    path, expected = _mixed_file(tmp_path)
    result = upgraded_cli("ingest", "--json", str(path))
    assert result.returncode == 1, describe(result)
    report = json.loads(result.stdout)  # stdout is the JSON document and nothing else
    assert report == {
        "source": str(path),
        "lines": expected["lines"],
        "accepted": expected["accepted"],
        "duplicates": expected["duplicates"],
        "rejected": len(expected["rejected"]),
        "disabled_tenant_events": expected["disabled"],
        "rejections": [{"line": n, "reason": report["rejections"][i]["reason"]}
                       for i, n in enumerate(sorted(expected["rejected"]))],
    }
    for rejection in report["rejections"]:
        assert expected["rejected"][rejection["line"]] in rejection["reason"]


def test_reingest_does_not_count_disabled_tenant_duplicates(upgraded_cli, tmp_path):
    """A disabled tenant's event seen before is a duplicate, not another event "to be dead-lettered"."""
    path = tmp_path / "paused.jsonl"
    path.write_text(builders.line("invoice-created", builders.invoice("P-1"), tenant="paused-co") + "\n")
    first = json.loads(upgraded_cli.ok("ingest", "--json", str(path)).stdout)
    assert (first["accepted"], first["disabled_tenant_events"]) == (1, 1)
    assert upgraded_cli("worker", "--until-idle").returncode == 0
    again = upgraded_cli("ingest", str(path))
    assert again.returncode == 0, describe(again)
    assert "0 accepted, 1 duplicate(s)" in again.stderr
    assert "disabled" not in again.stderr, describe(again)
    assert upgraded_cli("worker", "--until-idle").returncode == 0
    assert upgraded_cli.status()["dead_letters"] == 1


def test_ingest_stdin(upgraded_cli):
    text = "\n".join([
        builders.line("invoice-created", builders.invoice("S-1")),
        '{"id": "not json',
        builders.line("payment-received", builders.payment("S-PAY-1", "S-1", "10.00")),
    ]) + "\n"
    result = upgraded_cli("ingest", "-", input=text)
    assert result.returncode == 1, describe(result)
    assert _rejections(result.stdout, "<stdin>").keys() == {2}
    assert "<stdin>: 2 accepted, 0 duplicate(s), 1 rejected" in result.stderr

    assert upgraded_cli("worker", "--until-idle").returncode == 0
    acme = upgraded_cli.status("--tenant", "acme-plumbing")["tenants"]["acme-plumbing"]
    assert (acme["invoices"], acme["payments"]) == (1, 1)


def test_ingest_missing_file_exits_2(upgraded_cli, tmp_path):
    missing = tmp_path / "nope.jsonl"
    result = upgraded_cli("ingest", str(missing))
    assert result.returncode == 2, describe(result)
    assert str(missing) in result.stderr and "no such file" in result.stderr
    no_traceback(result)


# --- the demo ----------------------------------------------------------------------------------------

def _demo_expectations() -> dict[str, dict[str, int]]:
    invoices: dict[str, set] = {}
    payments: dict[str, set] = {}
    for text in (EXAMPLES / "demo-events.jsonl").read_text().splitlines():
        event = json.loads(text)
        data = event["data"]
        if event["type"] == "invoice-created":
            invoices.setdefault(event["tenant"], set()).add(data["invoice_id"])
        elif event["type"] == "payment-received":
            payments.setdefault(event["tenant"], set()).add(data["payment_id"])
        elif event["type"] == "payment-removed":
            payments[event["tenant"]].discard(data["payment_id"])
    return {slug: {"invoices": len(invoices[slug]), "payments": len(payments.get(slug, ()))} for slug in invoices}


def test_full_demo(tmp_path):
    config_dir = write_config(tmp_path / "config", f"sqlite:///{tmp_path / 'demo.db'}", "memory://",
                              tenants=(REPO / "config" / "tenants.toml").read_text())
    (tmp_path / "cwd").mkdir()
    cli = Cli(config_dir, tmp_path / "cwd")
    assert cli("config", "check").returncode == 0
    cli.ok("db", "upgrade")
    ingest = cli("ingest", str(EXAMPLES / "demo-events.jsonl"))
    assert ingest.returncode == 0, describe(ingest)
    assert ingest.stdout == ""
    ids = [json.loads(text)["id"] for text in (EXAMPLES / "demo-events.jsonl").read_text().splitlines()]
    accepted, duplicates = len(set(ids)), len(ids) - len(set(ids))  # the demo sends one line twice
    assert f"{accepted} accepted, {duplicates} duplicate(s), 0 rejected" in ingest.stderr
    worker = cli("worker", "--until-idle")
    assert worker.returncode == 0, describe(worker)

    status = cli.status()
    expected = _demo_expectations()
    assert set(status["tenants"]) == {"acme-plumbing", "northside-pest"} == set(expected)
    for slug, counts in expected.items():
        row = status["tenants"][slug]
        assert row["invoices"] > 0 and row["payments"] > 0, (slug, row)
        assert {"invoices": row["invoices"], "payments": row["payments"]} == counts, slug
        assert row["dead_letters"] == 0
    assert status["dead_letters"] == 0
    assert status["outbox_backlog"] == 0


# --- config check -----------------------------------------------------------------------------------

BROKEN_TENANTS = """
[tenants.acme-plumbing]
name = "Acme Plumbing Pty Ltd"
accounting = "xero"
base_currency = "AUD"
financial_year_start = "13-01"
colour = "blue"

[tenants.acme-plumbing.xero]
client_id = "demo-client-id"
client_secret = "hunter2-do-not-echo"
"""
BROKEN_TENANT_PROBLEMS = {
    "tenants.acme-plumbing.financial_year_start": "13-01",
    "tenants.acme-plumbing.xero.client_secret": "secret",
    "tenants.acme-plumbing.colour": "unknown key",
}


def test_config_check_ok(sqlite_cli):
    result = sqlite_cli("config", "check")
    assert result.returncode == 0, describe(result)
    assert "configuration OK" in result.stdout
    assert "4 tenant(s), 3 enabled" in result.stdout


def _problems(stdout: str) -> dict[tuple[str, str], str]:
    """``<path>: <key>: <reason>`` lines → {(path, key): reason}."""
    found = {}
    for text in stdout.splitlines():
        path, sep, rest = text.partition(": ")
        key, sep2, reason = rest.partition(": ")
        assert sep and sep2 and reason, f"not a '<path>: <key>: <reason>' line: {text!r}\n{stdout}"
        found[(path, key)] = reason
    return found


@pytest.mark.parametrize("bad_settings", [False, True], ids=["tenants", "tenants+bad-toml"])
def test_config_check_reports_every_problem(tmp_path, bad_settings):
    config_dir = write_config(tmp_path / "config", f"sqlite:///{tmp_path / 'ledger.db'}", tenants=BROKEN_TENANTS)
    settings = str(config_dir / "ledgerbridge.toml")
    tenants = str(config_dir / "tenants.toml")
    if bad_settings:
        (config_dir / "ledgerbridge.toml").write_text('[database]\nurl = "sqlite:///x.db\n[broker]\n')
    (tmp_path / "cwd").mkdir()
    cli = Cli(config_dir, tmp_path / "cwd")

    result = cli("config", "check")
    assert result.returncode == 1, describe(result)
    no_traceback(result)
    assert "hunter2-do-not-echo" not in result.stdout + result.stderr
    problems = _problems(result.stdout)
    expected = {(tenants, key): word for key, word in BROKEN_TENANT_PROBLEMS.items()}
    if bad_settings:
        toml_problems = [key for (path, key) in problems if path == settings]
        assert len(toml_problems) == 1 and re.fullmatch(r"line \d+, column \d+", toml_problems[0]), problems
        assert "invalid TOML" in problems[(settings, toml_problems[0])]
        expected[(settings, toml_problems[0])] = "invalid TOML"
    assert set(problems) == set(expected), result.stdout
    for where, word in expected.items():
        assert word in problems[where], (where, problems[where])
    assert f"{len(expected)} problem(s)" in result.stderr

    others = [("status",), ("db", "upgrade"), ("ingest", str(EXAMPLES / "demo-events.jsonl")),
              ("worker", "--until-idle")]
    if ("deadletters", "list") in SUBCOMMANDS:
        others.append(("deadletters", "list"))
    for args in others:
        other = cli(*args)
        assert other.returncode == 2, f"{args}: {describe(other)}"
        assert "config check" in other.stderr, f"{args}: {describe(other)}"
        assert "hunter2-do-not-echo" not in other.stdout + other.stderr
        no_traceback(other)


# --- events schema / example ------------------------------------------------------------------------

def test_events_schema_all_types(sqlite_cli):
    result = sqlite_cli("events", "schema")
    assert result.returncode == 0, describe(result)
    schemas = json.loads(result.stdout)
    assert set(schemas) == set(EVENT_TYPES)
    for event_type, schema in schemas.items():
        jsonschema.validators.validator_for(schema).check_schema(schema)


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_event_example_validates_against_its_schema(sqlite_cli, event_type):
    schema = json.loads(sqlite_cli.ok("events", "schema", event_type).stdout)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    examples = [json.loads(text) for text in sqlite_cli.ok("events", "example", event_type).stdout.splitlines()]
    assert len(examples) == 1 and examples[0]["type"] == event_type
    validator_class(schema, format_checker=validator_class.FORMAT_CHECKER).validate(examples[0])
    # and the schema is not vacuous: an envelope without data fails it
    with pytest.raises(jsonschema.ValidationError):
        validator_class(schema).validate({k: v for k, v in examples[0].items() if k != "data"})


@pytest.mark.parametrize("args", [("schema", "invoice-paid"), ("example", "invoice-paid")])
def test_events_unknown_type_exits_2(sqlite_cli, args):
    result = sqlite_cli("events", *args)
    assert result.returncode == 2, describe(result)
    assert "invoice-paid" in result.stderr and "invoice-created" in result.stderr
    assert result.stdout == ""


def test_events_example_piped_into_ingest_applies_cleanly(upgraded_cli):
    examples = upgraded_cli.ok("events", "example").stdout
    assert Counter(json.loads(t)["type"] for t in examples.splitlines()) == Counter(EVENT_TYPES)
    ingest = upgraded_cli("ingest", "-", input=examples)
    assert ingest.returncode == 0, describe(ingest)
    assert f"{len(EVENT_TYPES)} accepted, 0 duplicate(s), 0 rejected" in ingest.stderr
    worker = upgraded_cli("worker", "--until-idle")
    assert worker.returncode == 0, describe(worker)
    assert "0 dead-lettered" in worker.stderr
    status = upgraded_cli.status()
    assert status["dead_letters"] == 0 and status["outbox_backlog"] == 0
    assert sum(row["invoices"] for row in status["tenants"].values()) >= 1


# --- secrets never reach the logs -------------------------------------------------------------------

SECRET_ENV = "supersecretvalue123"
BROKER_PASSWORD = "pw-secret-456"


def test_secrets_never_reach_the_logs(tmp_path):
    config_dir = write_config(
        tmp_path / "config", f"sqlite:///{tmp_path / 'ledger.db'}", f"memory://user:{BROKER_PASSWORD}@localhost//")
    path = config_dir / "ledgerbridge.toml"
    path.write_text(path.read_text().replace('level = "WARNING"', 'level = "DEBUG"\nformat = "json"'))
    (tmp_path / "cwd").mkdir()
    cli = Cli(config_dir, tmp_path / "cwd", env={"LEDGERBRIDGE_XERO_CLIENT_SECRET": SECRET_ENV})

    runs = [cli("db", "upgrade"),
            cli("ingest", "-", input=cli.ok("events", "example").stdout),
            cli("worker", "--until-idle"),
            cli("status")]
    for result in runs:
        assert result.returncode == 0, describe(result)
        for secret in (SECRET_ENV, BROKER_PASSWORD):
            assert secret not in result.stdout, describe(result)
            assert secret not in result.stderr, describe(result)

    worker = runs[2]
    records = [json.loads(text) for text in worker.stderr.splitlines() if text.startswith("{")]
    assert records, "the worker wrote no JSON log lines:\n" + worker.stderr
    assert any(r.get("level") == "debug" for r in records), "DEBUG logging was not on"
    assert any("memory://user:" in r.get("event", "") for r in records), \
        "expected kombu to log the (redacted) broker URL, so the redaction is actually exercised"


# --- stopping the embedded default ------------------------------------------------------------------

def test_sigterm_on_the_embedded_default_loses_nothing(upgraded_cli, tmp_path):
    """SQLite + memory://: a worker stopped with SIGTERM, then restarted, still applies every event."""
    import signal
    import sqlite3

    from tests.e2e.conftest import wait_for

    total = 3000
    path = tmp_path / "bulk.jsonl"
    path.write_text("\n".join(builders.bulk_invoice_lines(total)) + "\n")
    ingest = upgraded_cli("ingest", str(path))
    assert ingest.returncode == 0, describe(ingest)

    def invoices() -> int:
        with sqlite3.connect(tmp_path / "ledger.db", timeout=30) as connection:
            return connection.execute("SELECT count(*) FROM invoices").fetchone()[0]

    (tmp_path / "logs").mkdir()
    worker = upgraded_cli.popen("worker", log_dir=tmp_path / "logs", name="worker")
    try:
        wait_for(lambda: worker.process.poll() is None and invoices() > 0, 20, message="the first invoices")
        assert invoices() < total, "everything was applied before SIGTERM: make the test bigger"
        assert worker.stop(signal.SIGTERM, timeout=15) == 0, worker.output()
    finally:
        worker.kill()

    drain = upgraded_cli("worker", "--until-idle")
    assert drain.returncode == 0, describe(drain)
    status = upgraded_cli.status()
    assert status["outbox_backlog"] == 0
    assert status["tenants"]["acme-plumbing"]["invoices"] == total, \
        f"{total - status['tenants']['acme-plumbing']['invoices']} accepted events were lost\n{worker.output()}"


def test_the_main_job(tmp_path):
    """`make demo`'s script: sandboxes served, tenants connected, events applied and pushed, status shown."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, str(EXAMPLES / "demo.py"), str(tmp_path / "demo")], capture_output=True,
                            text=True, env=clean_env(), timeout=240)
    assert result.returncode == 0, describe(result)
    assert "$ ledgerbridge connect acme-plumbing --refresh-token ***" in result.stdout
    config = tmp_path / "demo" / "config"
    status = json.loads(subprocess.run(
        [sys.executable, "-m", "core", "--config", str(config), "status", "--json"], capture_output=True, text=True,
        env=clean_env({"LEDGERBRIDGE_DATABASE_URL": f"sqlite:///{tmp_path / 'demo' / 'ledger.db'}"}),
        check=True).stdout)
    acme = status["tenants"]["acme-plumbing"]
    assert acme["connection"] == "connected"
    assert acme["pushed"] > 150 and acme["pending"] + acme["failed"] < 20, acme
    north = status["tenants"]["northside-pest"]
    assert north["connection"] == "connected" and north["pushed"] > 150 and north["failed"] == 0, north
    assert status["outbox_backlog"] == 0 and status["dead_letters"] == 0
