"""Logging: structlog with context variables, UTC timestamps and secret redaction.

Call :func:`configure_logging` once at start-up (again is fine: tests do). Every record — from
structlog and from stdlib ``logging`` (httpx, kombu, sqlalchemy, ...) — goes through the same
chain: context variables (tenant, event id, run id bound with ``structlog.contextvars``), level,
ISO-8601 UTC timestamp, formatted exception, :func:`redact`, then the JSON or console renderer.
Logs go to stderr by default, so command output on stdout stays clean.

Redaction is defence in depth, not a licence to log secrets: values of sensitive-looking keys are
replaced, and ``Bearer``/``Basic`` credentials and ``scheme://user:password@`` URL passwords are
masked inside any string, including the event message and the rendered line.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any, TextIO

import structlog
from structlog.typing import EventDict, Processor

REDACTED = "[REDACTED]"
#: Case-insensitive substrings of a key whose value is never logged.
SENSITIVE_KEY_WORDS = (
    "token", "secret", "password", "authorization", "api_key", "apikey",
    "cookie", "refresh", "access_token", "client_secret", "private_key",
)  # fmt: skip
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

_AUTH_SCHEME = re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*):[^@\s]+@")
_MAX_DEPTH = 20
_HANDLER_MARK = "_ledgerbridge_handler"


def is_sensitive_key(key: object) -> bool:
    """True when a key's value must not appear in logs."""
    lowered = str(key).lower()
    return any(word in lowered for word in SENSITIVE_KEY_WORDS)


def redact_text(text: str) -> str:
    """Mask ``Bearer``/``Basic`` credentials and URL passwords inside *text*."""
    text = _AUTH_SCHEME.sub(lambda m: f"{m[1]} {REDACTED}", text)
    return _URL_PASSWORD.sub(rf"\1:{REDACTED}@", text)


def redact_value(value: Any, _depth: int = 0) -> Any:
    """A copy of *value* with sensitive keys replaced and strings masked, recursively."""
    if isinstance(value, str):
        return redact_text(value)
    if _depth >= _MAX_DEPTH:
        return REDACTED if isinstance(value, (dict, list, tuple, set, frozenset)) else value
    if isinstance(value, dict):
        return {
            k: REDACTED if is_sensitive_key(k) else redact_value(v, _depth + 1) for k, v in value.items()
        }
    if isinstance(value, (list, tuple, set, frozenset)):
        return type(value)(redact_value(v, _depth + 1) for v in value)
    return value


def redact(logger: Any, method: str, event_dict: EventDict) -> EventDict:
    """structlog processor: redact every value of the event (see :func:`redact_value`)."""
    return redact_value(event_dict)


class _RedactRendered:
    """Wrap a renderer and mask its output too (catches secrets inside arbitrary ``repr``)."""

    def __init__(self, renderer: Processor):
        self.renderer = renderer

    def __call__(self, logger: Any, method: str, event_dict: EventDict) -> Any:
        rendered = self.renderer(logger, method, event_dict)
        return redact_text(rendered) if isinstance(rendered, str) else rendered


class _Stderr:
    """A stream that writes to whatever ``sys.stderr`` is at write time (pytest swaps it)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()

    def isatty(self) -> bool:
        return sys.stderr.isatty()


QUIET_LIBRARIES = ("alembic.runtime.migration", "kombu.mixins", "httpx", "httpcore")


def configure_logging(level: str = "INFO", fmt: str = "console", stream: TextIO | None = None) -> None:
    """Configure structlog and route stdlib logging through it.

    *level* is a level name (case-insensitive), *fmt* ``"json"`` or ``"console"``; *stream*
    defaults to stderr. Safe to call repeatedly: the previous configuration is replaced.
    """
    name = level.upper()
    if name not in LEVELS:
        raise ValueError(f"unknown log level {level!r}; expected one of {', '.join(LEVELS)}")
    if fmt not in ("json", "console"):
        raise ValueError(f"unknown log format {fmt!r}; expected 'json' or 'console'")
    numeric = logging.getLevelNamesMapping()[name]
    out: Any = stream if stream is not None else _Stderr()

    if fmt == "json":
        renderer: Processor = structlog.processors.JSONRenderer()
    else:
        colors = bool(getattr(out, "isatty", lambda: False)())
        # Plain tracebacks: rich's default shows local variables, which may hold secrets.
        renderer = structlog.dev.ConsoleRenderer(
            colors=colors, exception_formatter=structlog.dev.plain_traceback
        )

    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
        redact,
    ]
    final = _RedactRendered(renderer)

    structlog.configure(
        processors=[*shared, final],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        context_class=dict,
        logger_factory=structlog.WriteLoggerFactory(file=out),
        cache_logger_on_first_use=False,  # so reconfiguring affects loggers already obtained
    )

    handler = logging.StreamHandler(out)
    setattr(handler, _HANDLER_MARK, True)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, final],
        )
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(numeric)
    # Libraries' routine chatter (migration context, kombu connection notices, one line per HTTP
    # request) only when debugging.
    for chatty in QUIET_LIBRARIES:
        logging.getLogger(chatty).setLevel(numeric if numeric <= logging.DEBUG else logging.WARNING)


def get_logger(**bind: Any) -> Any:
    """A structlog logger with *bind* as initial context, e.g. ``get_logger(tenant=slug)``."""
    return structlog.get_logger(**bind)
