"""Serve an ASGI app on loopback with uvicorn: in the foreground, or in a thread for tests.

Port 0 picks a free port. The socket is bound and listening before anything is announced, so a
client that reads the announced URL can connect at once.
"""

from __future__ import annotations

import json
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

import uvicorn

HOST = "127.0.0.1"


def bind(port: int = 0, host: str = HOST) -> socket.socket:
    """A listening TCP socket on ``host:port`` (0 = a free port)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # accepted sockets inherit it: no 40 ms Nagle stalls
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _server(app: Any) -> uvicorn.Server:
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                            timeout_graceful_shutdown=2)
    return uvicorn.Server(config)


def base_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{host}:{port}"


@dataclass
class RunningServer:
    """A server running in a background thread; a context manager that stops it."""

    url: str
    server: uvicorn.Server
    thread: threading.Thread
    sock: socket.socket

    @property
    def port(self) -> int:
        return self.sock.getsockname()[1]

    def stop(self, timeout: float = 5.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)
        self.sock.close()

    def __enter__(self) -> "RunningServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_in_thread(app: Any, port: int = 0, host: str = HOST, ready_timeout: float = 10.0) -> RunningServer:
    """Start ``app`` in a daemon thread and return once it accepts connections."""
    sock = bind(port, host)
    server = _server(app)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                              name=f"sandbox-{sock.getsockname()[1]}")
    thread.start()
    deadline = time.monotonic() + ready_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError(f"sandbox server did not start within {ready_timeout}s")
        time.sleep(0.01)
    return RunningServer(base_url(sock), server, thread, sock)


def _exit_cleanly(signum: int, frame: Any) -> None:
    raise SystemExit(0)


def run_foreground(app: Any, port: int = 0, announce: Callable[[str], dict] | None = None,
                   host: str = HOST) -> None:
    """Serve until SIGINT/SIGTERM; first print ``announce(base_url)`` as one JSON line (flushed)."""
    sock = bind(port, host)
    if threading.current_thread() is threading.main_thread():
        # uvicorn shuts down gracefully, then re-raises the signal it caught: make that a clean exit.
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, _exit_cleanly)
    if announce is not None:
        sys.stdout.write(json.dumps(announce(base_url(sock))) + "\n")
        sys.stdout.flush()
    try:
        _server(app).run(sockets=[sock])
    finally:
        sock.close()
