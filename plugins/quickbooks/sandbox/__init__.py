"""A local emulator of the QuickBooks Online Accounting API and Intuit's OAuth2 (see docs/sandboxes.md).

``QuickBooksSandbox().app`` is an ASGI app; drive it in-process with
``httpx.AsyncClient(transport=core.sandbox.transport.SandboxTransport(sandbox.app))`` or over
loopback with :func:`core.sandbox.serve.start_in_thread`. ``sandbox.control`` implements
:class:`core.testing.SandboxControl`. :func:`serve` runs it in the foreground for
``ledgerbridge sandbox quickbooks``.
"""

from __future__ import annotations

from core.sandbox import serve as _serve

from .app import API_PREFIX, AUTHORIZE_PATH, DEFAULT_SCOPES, QBO_LIMITS, REVOKE_PATH, TOKEN_PATH, QuickBooksSandbox
from .control import QuickBooksControl
from .faults import PRESETS as FAULT_PRESETS

__all__ = ["API_PREFIX", "AUTHORIZE_PATH", "DEFAULT_SCOPES", "FAULT_PRESETS", "QBO_LIMITS", "REVOKE_PATH",
           "TOKEN_PATH", "QuickBooksControl", "QuickBooksSandbox", "serve"]


def serve(port: int = 0, faults_file: str | None = None) -> None:
    """Serve a fresh sandbox on 127.0.0.1:``port`` (0 = free port) until SIGINT/SIGTERM.

    Prints one JSON line first (flushed): ``api_url``, ``token_url``, ``authorize_url``,
    ``realm_id``, ``client_id``, ``client_secret``, ``refresh_token``.
    """
    sandbox = QuickBooksSandbox(faults=faults_file)
    _serve.run_foreground(sandbox.app, port, announce=sandbox.credentials)
