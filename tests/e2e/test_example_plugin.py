"""The example third-party plugin (examples/inkwell-plugin) works from its own distribution.

In a fresh virtualenv, a real build of ledgerbridge (from a copy of this repository) and a build
of the example plugin are installed with pip; nothing in core/ knows about Inkwell Books. Then,
through the installed ``ledgerbridge`` command and the plugin's own sandbox served on loopback:
the plugin is discovered and listed with its editions and capabilities, its own test suite
(conformance kit included) passes there, and a tenant that enables it in tenants.toml gets its
documents pushed to it — exactly once, with the right totals — while another tenant's do not.

Offline and fast: the venv is made without pip (this interpreter's pip installs into it with
``--python``) and sees this environment's already-installed dependencies through a ``.pth`` file,
so pip installs only the two distributions (``--no-deps --no-build-isolation``). The one thing
that may be fetched is setuptools>=77, when this environment's is too old to build
pyproject.toml's PEP 639 ``license`` string.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import sysconfig
from decimal import Decimal
from importlib import metadata
from pathlib import Path

import httpx
import pytest

from tests import builders
from tests.conftest import write_config
from tests.e2e.conftest import EXAMPLES, REPO, clean_env, describe

PLUGIN_SRC = EXAMPLES / "inkwell-plugin"
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist", ".pytest_cache")
CLOUD = ["fetch_invoices", "fetch_payments", "fix_discrepancies", "ledger_postings", "push_bills", "push_invoices",
         "push_payments", "reconcile_invoices", "reconcile_payments", "update_invoices", "void_invoices"]


def run(*args: str | Path, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout, **kwargs)
    assert result.returncode == 0, describe(result)
    return result


def _setuptools_builds_pep639() -> bool:
    try:
        return int(metadata.version("setuptools").split(".")[0]) >= 77
    except metadata.PackageNotFoundError:
        return False


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """A new virtualenv holding real builds of ledgerbridge and ledgerbridge-inkwell; its root."""
    root = tmp_path_factory.mktemp("inkwell-e2e")
    made = subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")],
                          capture_output=True, text=True, timeout=60)
    if made.returncode != 0:
        pytest.skip(f"this interpreter cannot create a virtualenv: {made.stderr.strip()}")
    python = root / "venv" / "bin" / "python"
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    ours = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (site / "_ledgerbridge_dependencies.pth").write_text("".join(f"{path}\n" for path in ours))

    # copies, so that building writes nothing into the work tree
    project = root / "ledgerbridge"
    project.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, project / name)
    for name in ("core", "plugins"):
        shutil.copytree(REPO / name, project / name, ignore=IGNORE)
    plugin = root / "inkwell-plugin"
    shutil.copytree(PLUGIN_SRC, plugin, ignore=IGNORE)

    pip = [sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--disable-pip-version-check",
           "--no-deps", "--ignore-installed"]  # ignore ledgerbridge as seen through the .pth file
    if not _setuptools_builds_pep639():
        run(*pip, "setuptools>=77")
    run(*pip, "--no-build-isolation", project, plugin)
    return root


def ledgerbridge(venv: Path, *args: str, env: dict[str, str] | None = None, check: bool = True):
    result = subprocess.run([str(venv / "venv" / "bin" / "ledgerbridge"), *args], capture_output=True, text=True,
                            timeout=60, cwd=venv, env=clean_env(env))
    if check:
        assert result.returncode == 0, describe(result)
    return result


def test_installed_copies_are_the_ones_used(venv):
    imported = run(venv / "venv" / "bin" / "python", "-c",
                   "import core, ledgerbridge_inkwell; print(core.__file__); print(ledgerbridge_inkwell.__file__)",
                   cwd=venv, env=clean_env())
    for path in imported.stdout.split():
        assert Path(path).is_relative_to(venv / "venv"), f"{path} is not the installed copy"


def test_plugins_list_shows_inkwell_with_its_editions(venv):
    rows = json.loads(ledgerbridge(venv, "plugins", "list", "--json").stdout)
    [row] = [r for r in rows if r["name"] == "inkwell"]
    assert row["version"] == "0.1.0" and row["distribution"] == "ledgerbridge-inkwell"
    assert row["package"] == "inkwell" and row["title"] == "Inkwell Books" and row["default_edition"] == "cloud"
    assert row["editions"] == {"cloud": CLOUD, "starter": ["push_invoices", "push_payments"]}
    assert "ledgerbridge_packages" in row["hooks"]
    assert row["settings"] == ["api_url", "company"] and row["secrets"] == ["LEDGERBRIDGE_INKWELL_API_KEY"]
    assert {"xero", "quickbooks", "myob"} <= {r["name"] for r in rows}  # the built-ins, found the same way


def test_the_plugins_own_suite_passes_there(venv):
    work = venv / "pytest-cwd"
    work.mkdir(exist_ok=True)
    result = subprocess.run([str(venv / "venv" / "bin" / "python"), "-m", "pytest", "-q", "-rs", "-p",
                             "no:cacheprovider", str(venv / "inkwell-plugin" / "tests")],
                            capture_output=True, text=True, timeout=120, cwd=work, env=clean_env())
    assert result.returncode == 0, describe(result)
    passed = re.search(r"(\d+) passed", result.stdout)
    assert passed and int(passed.group(1)) >= 60, describe(result)
    assert "not installed" not in result.stdout, "the entry-point test must run, not skip"
    assert "site-packages/core/testing/conformance.py" in result.stdout, "the kit must be the installed one"


def _events() -> tuple[list[str], dict[str, Decimal]]:
    """Events for tenant shop (an invoice, a bill, a part payment) and tenant records-only."""
    def invoice(tenant: str, invoice_id: str, ledger: str, contact: str, lines: list[dict]) -> dict:
        return builders.envelope("invoice-created", builders.invoice_data(
            invoice_id, number=invoice_id.upper(), ledger=ledger, contact=builders.contact_data(contact, contact.title()),
            issue_date="2026-03-02", due_date="2026-03-16", lines=lines), tenant=tenant)

    sale = [builders.line_data("Labour", "1.5", "86.67", "13.00", "4000", tax_code="S10"),
            builders.line_data("Parts", "3", "0.10", "0.03", "4000", tax_code="S10")]
    bill = [builders.line_data("Copper pipe", "4", "12.25", "4.90", "5000", tax_code="P10")]
    events = [invoice("shop", "shop-1", "sales", "harbourside", sale),
              invoice("shop", "shop-b1", "purchase", "pipe-supplies", bill),
              builders.envelope("payment-received", builders.payment_data(
                  "shop-pay-1", "shop-1", "60.00", date="2026-03-05", account_code="1000"), tenant="shop"),
              invoice("records-only", "rec-1", "sales", "someone", sale),
              builders.envelope("payment-received", builders.payment_data(
                  "rec-pay-1", "rec-1", "10.00", date="2026-03-05", account_code="1000"), tenant="records-only")]
    totals = {e["data"]["number"]: Decimal(e["data"]["total"]) for e in events if e["type"] == "invoice-created"}
    return [json.dumps(event) for event in events], totals


TENANTS = """
[tenants.shop]
name = "Corner Shop Pty Ltd"
accounting = "inkwell"
edition = "cloud"
base_currency = "AUD"
[tenants.shop.inkwell]
api_url = "{api_url}"
company = "Corner Shop"

[tenants.records-only]
name = "Records Only Ltd"
base_currency = "AUD"
"""


@pytest.fixture
def sandbox(venv):
    """The plugin's sandbox served by the installed module on a free loopback port: (api_url, api_key)."""
    log = (venv / "sandbox.err").open("w")
    process = subprocess.Popen([str(venv / "venv" / "bin" / "python"), "-m", "ledgerbridge_inkwell.sandbox",
                                "--port", "0"], stdout=subprocess.PIPE, stderr=log, text=True, env=clean_env())
    try:
        announced = json.loads(process.stdout.readline() or "null")  # type: ignore[union-attr]
        assert announced, f"the sandbox did not start: {(venv / 'sandbox.err').read_text()}"
        yield announced["api_url"], announced["api_key"]
    finally:
        process.terminate()
        process.wait(10)
        log.close()


def test_a_tenant_enabled_by_config_gets_its_documents_pushed(venv, sandbox, tmp_path):
    api_url, api_key = sandbox
    config = write_config(tmp_path / "config", f"sqlite:///{tmp_path / 'ledger.db'}", "memory://",
                          tenants=TENANTS.format(api_url=api_url))
    env = {"LEDGERBRIDGE_INKWELL_API_KEY": api_key}
    lb = lambda *args, **kw: ledgerbridge(venv, "--config", str(config), *args, env=env, **kw)  # noqa: E731

    lb("config", "check")
    lines, totals = _events()
    (tmp_path / "events.jsonl").write_text("\n".join(lines) + "\n")
    lb("db", "upgrade")
    ingested = json.loads(lb("ingest", str(tmp_path / "events.jsonl"), "--json").stdout)
    assert ingested["accepted"] == 5 and not ingested["rejected"], ingested
    lb("worker", "--until-idle")

    [report] = json.loads(lb("push", "--tenant", "shop", "--json").stdout)
    assert (report["tenant"], report["package"], report["skipped"]) == ("shop", "inkwell", None), report
    assert report["failed"] == {} and report["waiting"] == {} and report["errors"] == [], report

    with httpx.Client(base_url=api_url, timeout=10) as admin:
        documents = admin.get("/_sandbox/documents").json()
        counts = admin.get("/_sandbox/counts").json()
    invoices = {i["number"]: i for i in documents["invoices"]}
    assert sorted(i["number"] for i in documents["invoices"]) == ["SHOP-1", "SHOP-B1"]  # once each; no REC-1
    assert {n: Decimal(i["total"]) for n, i in invoices.items()} == {n: totals[n] for n in ("SHOP-1", "SHOP-B1")}
    assert (invoices["SHOP-1"]["kind"], invoices["SHOP-B1"]["kind"]) == ("sale", "bill")
    assert invoices["SHOP-1"]["contact"]["name"] == "Harbourside" and invoices["SHOP-1"]["external_ref"] == "shop-1"
    [payment] = documents["payments"]
    assert (payment["invoice"]["number"], Decimal(payment["amount"]), payment["account"]) == \
        ("SHOP-1", Decimal("60.00"), "1000")
    assert Decimal(invoices["SHOP-1"]["amount_due"]) == totals["SHOP-1"] - Decimal("60.00")
    assert counts["created"] == {"contact": 2, "invoice": 2, "payment": 1}

    # pushing again sends nothing new; the tenant without a package has nothing to push at all
    [again] = json.loads(lb("push", "--tenant", "shop", "--json").stdout)
    assert again["pushed"] == {} and again["failed"] == {}, again
    assert [r["tenant"] for r in json.loads(lb("push", "--json").stdout)] == ["shop"]
    with httpx.Client(base_url=api_url, timeout=10) as admin:
        assert admin.get("/_sandbox/counts").json()["created"] == {"contact": 2, "invoice": 2, "payment": 1}


def test_bad_package_options_are_config_errors(venv, tmp_path):
    config = write_config(tmp_path / "config", f"sqlite:///{tmp_path / 'ledger.db'}", "memory://",
                          tenants=TENANTS.format(api_url="ftp://nowhere"))
    result = ledgerbridge(venv, "--config", str(config), "config", "check", check=False)
    assert result.returncode != 0, describe(result)
    assert "tenants.toml: tenants.shop.inkwell.api_url: must be an http(s) URL" in result.stdout + result.stderr
