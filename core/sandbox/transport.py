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


class SyncSandboxTransport(httpx.BaseTransport):
    """:class:`SandboxTransport` for a *sync* ``httpx.Client``: the app runs on a private event-loop
    thread, so sync connectors can be tested in-process (``close()`` stops the thread)."""

    def __init__(self, app: object) -> None:
        from anyio.from_thread import start_blocking_portal

        self._inner = SandboxTransport(app)
        self._portal_cm = start_blocking_portal()
        self._portal = self._portal_cm.__enter__()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        forwarded = httpx.Request(request.method, request.url, headers=request.headers, content=request.read(),
                                  extensions=request.extensions)

        async def send() -> tuple[httpx.Response, bytes]:
            response = await self._inner.handle_async_request(forwarded)
            # raw bytes: the outer client decodes Content-Encoding (gzip) itself, once
            return response, b"".join([chunk async for chunk in response.aiter_raw()])

        response, body = self._portal.call(send)
        return httpx.Response(response.status_code, headers=response.headers, content=body, request=request)

    def close(self) -> None:
        if self._portal_cm is not None:
            self._portal_cm.__exit__(None, None, None)
            self._portal_cm = None
