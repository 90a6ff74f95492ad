"""Unit tests for core.logs: rendering, levels, context, stdlib routing and redaction."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from core.logs import REDACTED, configure_logging, get_logger, redact, redact_text

SECRETS = ["tok-123", "hunter2", "cs-secret", "rt-456", "sess=abc", "eyJhbGciOi.payload.sig", "dXNlcjpwYXNz"]


@pytest.fixture(autouse=True)
def _reset_logging() -> Iterator[None]:
    structlog.contextvars.clear_contextvars()
    yield
    structlog.contextvars.clear_contextvars()
    structlog.reset_defaults()
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_ledgerbridge_handler", False)]:
        root.removeHandler(handler)
    root.setLevel(logging.WARNING)


def emit_secrets() -> None:
    log = get_logger(tenant="acme", access_token="tok-123")
    log.info(
        "connecting to postgresql://app:hunter2@db:5432/ledger with Authorization: Bearer eyJhbGciOi.payload.sig",
        client_secret="cs-secret",
        headers={"Authorization": "Basic dXNlcjpwYXNz", "Cookie": "sess=abc", "Accept": "application/json"},
        tokens=[{"refresh_token": "rt-456"}],
        invoice="INV-1",
    )


@pytest.mark.parametrize("fmt", ["json", "console"])
def test_no_secret_appears_in_rendered_output(fmt: str) -> None:
    out = io.StringIO()
    configure_logging("INFO", fmt, out)
    emit_secrets()
    text = out.getvalue()
    for secret in SECRETS:
        assert secret not in text
    assert REDACTED in text
    assert "INV-1" in text and "application/json" in text and "acme" in text
    assert "postgresql://app:[REDACTED]@db:5432/ledger" in text


def test_json_output_shape() -> None:
    out = io.StringIO()
    configure_logging("INFO", "json", out)
    structlog.contextvars.bind_contextvars(run_id="run-1")
    emit_secrets()
    record = json.loads(out.getvalue())
    assert record["level"] == "info"
    assert record["timestamp"].endswith("Z")
    assert (record["tenant"], record["run_id"], record["invoice"]) == ("acme", "run-1", "INV-1")
    assert record["access_token"] == record["client_secret"] == REDACTED
    assert record["headers"] == {"Authorization": REDACTED, "Cookie": REDACTED, "Accept": "application/json"}
    assert record["tokens"] == REDACTED  # the key itself contains "token"
    assert "Bearer [REDACTED]" in record["event"]


def test_level_filtering_and_reconfiguration() -> None:
    first, second = io.StringIO(), io.StringIO()
    log = get_logger()  # obtained before configuration: must follow later reconfiguration
    configure_logging("WARNING", "json", first)
    log.info("quiet")
    log.warning("loud")
    configure_logging("debug", "json", second)
    log.debug("detail")
    assert [json.loads(line)["event"] for line in first.getvalue().splitlines()] == ["loud"]
    assert [json.loads(line)["event"] for line in second.getvalue().splitlines()] == ["detail"]
    assert sum(getattr(h, "_ledgerbridge_handler", False) for h in logging.getLogger().handlers) == 1


def test_stdlib_logging_is_routed_and_redacted() -> None:
    out = io.StringIO()
    configure_logging("INFO", "json", out)
    logging.getLogger("httpx").warning("GET %s -> 401 (Bearer %s)", "https://u:pw-999@api.test/x", "tok-123")
    record = json.loads(out.getvalue())
    assert record["logger"] == "httpx" and record["level"] == "warning"
    assert "pw-999" not in out.getvalue() and "tok-123" not in out.getvalue()


def test_exception_tracebacks_are_redacted() -> None:
    out = io.StringIO()
    configure_logging("INFO", "console", out)
    try:
        raise RuntimeError("rejected Authorization: Bearer tok-123")
    except RuntimeError:
        get_logger().exception("push failed")
    assert "RuntimeError" in out.getvalue() and "tok-123" not in out.getvalue()


def test_redact_processor_does_not_mutate_nested_input() -> None:
    headers = {"Authorization": "Bearer abc"}
    result = redact(None, "info", {"event": "x", "headers": headers, "ids": ("a", "b")})
    assert result == {"event": "x", "headers": {"Authorization": REDACTED}, "ids": ("a", "b")}
    assert headers == {"Authorization": "Bearer abc"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer a.b-c_d", "Authorization: Bearer [REDACTED]"),
        ("basic dXNlcjpwYXNz== ok", "basic [REDACTED] ok"),
        ("redis://:pw@host:6379/0", "redis://:[REDACTED]@host:6379/0"),
        ("amqp://guest:guest@127.0.0.1:5672//", "amqp://guest:[REDACTED]@127.0.0.1:5672//"),
        ("https://api.xero.com:443/api.xro/2.0", "https://api.xero.com:443/api.xro/2.0"),
        ("plain text", "plain text"),
    ],
)
def test_redact_text(text: str, expected: str) -> None:
    assert redact_text(text) == expected


def test_bad_arguments_are_rejected() -> None:
    with pytest.raises(ValueError):
        configure_logging("LOUD")
    with pytest.raises(ValueError):
        configure_logging("INFO", "xml")
