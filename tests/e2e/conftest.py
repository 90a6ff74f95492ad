"""End-to-end helpers: run the real ``ledgerbridge`` command as a subprocess.

Every run gets a clean environment (no ``LEDGERBRIDGE_*`` variables except the ones a test sets,
no ``COLUMNS``/``LINES`` so output width is what a pipe gets) and a timeout.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pytest

from tests.conftest import write_config

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
DEFAULT_TIMEOUT = 60


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """A copy of the environment without LEDGERBRIDGE_* (and terminal size) variables, plus *extra*."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("LEDGERBRIDGE_") and k not in ("COLUMNS", "LINES")}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def command(config_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "core", "--config", str(config_dir), *args]


@dataclass
class Cli:
    """Runs ``python -m core --config DIR ...`` in *cwd* (not the repository, so ./config is never used)."""

    config_dir: Path
    cwd: Path
    env: dict[str, str] = field(default_factory=dict)

    def __call__(self, *args: str, input: str | None = None, env: dict[str, str] | None = None,
                 timeout: float = DEFAULT_TIMEOUT) -> subprocess.CompletedProcess:
        return subprocess.run(command(self.config_dir, *args), input=input, capture_output=True, text=True,
                              cwd=self.cwd, env=clean_env({**self.env, **(env or {})}), timeout=timeout)

    def ok(self, *args: str, **kwargs: Any) -> subprocess.CompletedProcess:
        """Run and insist on exit 0."""
        result = self(*args, **kwargs)
        assert result.returncode == 0, describe(result)
        return result

    def status(self, *args: str) -> dict:
        return json.loads(self.ok("status", "--json", *args).stdout)

    def popen(self, *args: str, log_dir: Path, name: str, env: dict[str, str] | None = None) -> "Proc":
        """Start a long-running command; stdout/stderr go to files (no pipe to fill up)."""
        out = (log_dir / f"{name}.out").open("w")
        err = (log_dir / f"{name}.err").open("w")
        process = subprocess.Popen(command(self.config_dir, *args), stdout=out, stderr=err, cwd=self.cwd,
                                   env=clean_env({**self.env, **(env or {})}))
        return Proc(process, log_dir / f"{name}.out", log_dir / f"{name}.err", [out, err])


@dataclass
class Proc:
    process: subprocess.Popen
    out_path: Path
    err_path: Path
    files: list

    def output(self) -> str:
        for f in self.files:
            if not f.closed:
                f.flush()
        return f"exit {self.process.returncode}\n--- stdout\n{self.out_path.read_text()}" \
               f"\n--- stderr\n{self.err_path.read_text()}"

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10) -> int:
        self.process.send_signal(sig)
        return self.wait(timeout)

    def wait(self, timeout: float) -> int:
        try:
            return self.process.wait(timeout=timeout)
        finally:
            for f in self.files:
                f.close()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        for f in self.files:
            f.close()


def describe(result: subprocess.CompletedProcess) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


def wait_for(predicate: Callable[[], Any], timeout: float, interval: float = 0.02, message: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message or predicate}")
        time.sleep(interval)


def set_broker_batch(config_dir: Path, batch_size: int, prefetch: int | None = None) -> None:
    """Add batch_size/prefetch to the [broker] table of a config written by ``write_config``."""
    path = config_dir / "ledgerbridge.toml"
    text = path.read_text()
    assert "[broker]\n" in text
    extra = f"batch_size = {batch_size}\nprefetch = {prefetch or batch_size}\n"
    path.write_text(text.replace("[broker]\n", "[broker]\n" + extra, 1))


@pytest.fixture
def sqlite_cli(tmp_path) -> Cli:
    """A config dir on a temporary SQLite file and the in-process memory:// bus (the embedded defaults)."""
    config_dir = write_config(tmp_path / "config", f"sqlite:///{tmp_path / 'ledger.db'}", "memory://")
    work = tmp_path / "cwd"
    work.mkdir()
    return Cli(config_dir, work)


@pytest.fixture
def upgraded_cli(sqlite_cli) -> Cli:
    sqlite_cli.ok("db", "upgrade")
    return sqlite_cli
