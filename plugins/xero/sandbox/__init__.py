"""A local emulator of the Xero Accounting API, identity server and /connections (see docs/sandboxes.md).

``XeroSandbox().app`` is an ASGI app; drive it in-process with
``httpx.AsyncClient(transport=core.sandbox.transport.SandboxTransport(sandbox.app))`` or over
loopback with :func:`core.sandbox.serve.start_in_thread`. :func:`serve` runs it in the foreground
for ``ledgerbridge sandbox xero``.
"""

from __future__ import annotations

from core.sandbox import serve as _serve

from .app import API_PREFIX, DEFAULT_SCOPES, IDENTITY_PREFIX, XeroSandbox
from .faults import PRESETS as FAULT_PRESETS

__all__ = ["API_PREFIX", "DEFAULT_SCOPES", "FAULT_PRESETS", "IDENTITY_PREFIX", "XeroSandbox", "serve"]


def serve(port: int = 0, faults_file: str | None = None) -> None:
    """Serve a fresh sandbox on 127.0.0.1:``port`` (0 = free port) until SIGINT/SIGTERM.

    Prints one JSON line first (flushed): ``api_url``, ``identity_url``, ``connections_url``,
    ``client_id``, ``client_secret``, ``refresh_token``, ``tenant_id``.
    """
    sandbox = XeroSandbox(faults=faults_file)
    _serve.run_foreground(sandbox.app, port, announce=sandbox.credentials)
