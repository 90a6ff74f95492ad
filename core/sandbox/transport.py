"""An httpx ASGI transport that behaves more like a socket for sandbox faults.

:class:`httpx.ASGITransport` ignores timeouts and re-raises app exceptions as they are. This
subclass enforces the request's read timeout (→ :class:`httpx.ReadTimeout`, so latency faults
trip client timeouts in-process too) and turns a dropped connection
(:class:`~core.sandbox.faults.SandboxConnectionReset`) into :class:`httpx.RemoteProtocolError`,
which is what a client sees over a real socket.
"""

from __future__ import annotations

import anyio
import httpx

from .faults import SandboxConnectionReset


class SandboxTransport(httpx.ASGITransport):
    """Use as ``httpx.AsyncClient(transport=SandboxTransport(app), base_url=...)``."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeout = (request.extensions.get("timeout") or {}).get("read")
        try:
            if timeout is None:
                return await super().handle_async_request(request)
            with anyio.fail_after(timeout):
                return await super().handle_async_request(request)
        except TimeoutError as exc:
            raise httpx.ReadTimeout(f"sandbox: no response within {timeout}s", request=request) from exc
        except SandboxConnectionReset as exc:
            raise httpx.RemoteProtocolError(f"sandbox: {exc}", request=request) from exc
