"""A local emulator of MYOB: the Business API (AccountRight / new Essentials), the legacy Essentials
API, MYOB's OAuth2 endpoints, faults and rate limits (see docs/sandboxes.md).

``MyobSandbox().app`` is an ASGI app; drive it in-process with
``httpx.AsyncClient(transport=core.sandbox.transport.SandboxTransport(sandbox.app))`` or over
loopback with :func:`core.sandbox.serve.start_in_thread`. ``sandbox.control`` (and
``sandbox.control_for("essentials")``) are the conformance kit's levers. :func:`serve` runs it
in the foreground for ``ledgerbridge sandbox myob``.
"""

from __future__ import annotations

from core.sandbox import serve as _serve

from .app import AUTHORIZE_PATH, DEFAULT_SCOPES, TOKEN_PATH, MyobSandbox
from .control import MyobControl
from .faults import PRESETS as FAULT_PRESETS

__all__ = ["AUTHORIZE_PATH", "DEFAULT_SCOPES", "FAULT_PRESETS", "TOKEN_PATH", "MyobControl", "MyobSandbox", "serve"]


def serve(port: int = 0, faults_file: str | None = None, edition: str | None = None) -> None:
    """Serve a fresh sandbox on 127.0.0.1:``port`` (0 = free port) until SIGINT/SIGTERM.

    Prints one JSON line first (flushed): ``api_url``, ``token_url``, ``authorize_url``,
    ``business_id``, ``client_id``, ``client_secret``, ``api_key``, ``refresh_token``,
    ``essentials_api_url``, ``essentials_business_id``. With ``edition="essentials"`` the
    ``api_url``/``business_id`` keys name the legacy Essentials API and business instead.
    """
    sandbox = MyobSandbox(faults=faults_file)

    def announce(base_url: str) -> dict:
        facts = sandbox.credentials(base_url)
        if edition == "essentials":
            facts["api_url"], facts["business_id"] = facts["essentials_api_url"], facts["essentials_business_id"]
        return facts

    _serve.run_foreground(sandbox.app, port, announce=announce)
