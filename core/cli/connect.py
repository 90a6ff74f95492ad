"""`ledgerbridge connect` / `disconnect`: authorise a tenant's accounting package (OAuth 2.0)."""

from __future__ import annotations

import http.server
import threading
import urllib.parse
from typing import Annotated, Optional

import typer

from core.cli.base import app, err, out, ready_app


def _authoriser(application, tenant: str):
    from core.connections import NotConnectable, tenant_context

    try:
        context = tenant_context(application, tenant)
    except NotConnectable as exc:
        err.print(str(exc), highlight=False)
        raise typer.Exit(2) from None
    package = application.plugins.package(context.package)
    if package.authoriser is None:
        err.print(f"the {package.name} plugin needs no connection (it has no OAuth authoriser)", highlight=False)
        raise typer.Exit(2)
    return context, package


def _wait_for_callback(port: int, state: str, timeout: float) -> dict[str, str]:
    """Serve http://localhost:PORT/callback once; return the redirect's query parameters."""
    received: dict[str, str] = {}
    done = threading.Event()

    class Callback(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            parsed = urllib.parse.urlsplit(self.path)
            params = dict(urllib.parse.parse_qsl(parsed.query))
            if parsed.path != "/callback" or params.get("state") != state:
                self.send_response(400)
                self.end_headers()
                self.wfile.write(b"unexpected request")
                return
            received.update(params)
            ok = "code" in params
            self.send_response(200 if ok else 400)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            text = "Connected. You can close this window." if ok else f"Not connected: {params.get('error')}"
            self.wfile.write(f"<html><body><p>ledgerbridge: {text}</p></body></html>".encode())
            done.set()

        def log_message(self, *args) -> None:  # keep the terminal quiet
            pass

    server = http.server.HTTPServer(("127.0.0.1", port), Callback)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        if not done.wait(timeout):
            err.print(f"no callback within {timeout:.0f} s", highlight=False)
            raise typer.Exit(1)
    finally:
        server.shutdown()
        server.server_close()
    return received


@app.command()
def connect(
    tenant: Annotated[Optional[str], typer.Argument(help="Tenant slug.")] = None,
    refresh_token: Annotated[Optional[str], typer.Option(
        "--refresh-token", help="Seed the connection with this refresh token (headless servers).")] = None,
    port: Annotated[int, typer.Option("--port", help="Local port for the OAuth callback.")] = 8765,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for the consent.")] = 300.0,
    new_key: Annotated[bool, typer.Option("--new-key", help="Print a new LEDGERBRIDGE_SECRET_KEY and exit.")] = False,
) -> None:
    """Authorise TENANT's accounting package: prints the consent URL and waits for the redirect to
    http://localhost:PORT/callback, or seeds the connection with `--refresh-token`.

    Tokens are stored encrypted with $LEDGERBRIDGE_SECRET_KEY. Documents that waited for the
    connection are pushed by the next worker run (or `ledgerbridge push`).
    """
    from core.accounting import AccountingError
    from core.oauth import InvalidGrant, OAuthClient
    from core.tokens import SecretKeyMissing, TokenStore, cipher, new_secret_key

    if new_key:
        print(new_secret_key())
        return
    if tenant is None:
        err.print("name the tenant to connect (or use --new-key)", highlight=False)
        raise typer.Exit(2)
    application = ready_app()
    context, package = _authoriser(application, tenant)
    try:
        cipher(application)  # fail before the user consents, not after
    except SecretKeyMissing as exc:
        err.print(str(exc), highlight=False)
        raise typer.Exit(2) from None
    client = OAuthClient(package.authoriser.endpoints(context))
    try:
        if refresh_token:
            tokens, callback = client.refresh(refresh_token), {}
        else:
            redirect_uri = f"http://localhost:{port}/callback"
            url, state, verifier = client.authorization_url(redirect_uri)
            out.print(url, highlight=False, soft_wrap=True)
            err.print(f"open the URL above to let ledgerbridge reach {package.title} for {tenant}; waiting for "
                      f"the redirect to {redirect_uri} ...", highlight=False)
            callback = _wait_for_callback(port, state, timeout)
            if "code" not in callback:
                err.print(f"consent refused: {callback.get('error', 'no code')} {callback.get('error_description', '')}",
                          highlight=False)
                raise typer.Exit(1)
            tokens = client.exchange_code(callback["code"], redirect_uri, verifier)
        remote = package.authoriser.remote_tenant(context, tokens, callback)
    except InvalidGrant as exc:
        err.print(f"{package.title} refused the grant ({exc}): get a new refresh token or consent again",
                  highlight=False)
        raise typer.Exit(1) from None
    except AccountingError as exc:
        err.print(f"could not connect: {exc.message}", highlight=False)
        raise typer.Exit(1) from None
    finally:
        client.close()
    TokenStore(application, tenant, package.name).connect(tokens, remote)
    waiting = _resume(application, tenant, package.name)
    err.print(f"connected {tenant} to {package.title} ({remote}); {waiting} document(s) waiting will be pushed "
              "by the next worker run or `ledgerbridge push`", highlight=False)


def _resume(application, tenant: str, package: str) -> int:
    """Pending documents of the tenant become due now (they may have been waiting for the connection)."""
    from sqlmodel import select

    from core.db.models import ExternalLink

    with application.session() as session, session.begin():
        links = session.exec(select(ExternalLink).where(
            ExternalLink.tenant == tenant, ExternalLink.package == package, ExternalLink.state == "pending")).all()
        for link in links:
            link.next_attempt_at = None
        return len(links)


@app.command()
def disconnect(tenant: Annotated[str, typer.Argument(help="Tenant slug.")]) -> None:
    """Revoke TENANT's connection at the package and forget its tokens. Documents keep waiting as
    `pending`; `connect` again resumes them."""
    from core.accounting import AccountingError
    from core.oauth import OAuthClient
    from core.tokens import SecretKeyMissing, TokenStore

    application = ready_app()
    context, package = _authoriser(application, tenant)
    store = TokenStore(application, tenant, package.name)
    connection = store.get()
    if connection is None or connection.state == "disconnected":
        err.print(f"{tenant} is not connected to {package.title}", highlight=False)
        return
    try:
        tokens = store.tokens(connection)
        if tokens is not None:
            client = OAuthClient(package.authoriser.endpoints(context))
            try:
                client.revoke(tokens.refresh_token)
            finally:
                client.close()
    except (AccountingError, SecretKeyMissing) as exc:
        err.print(f"warning: could not revoke at {package.title} ({exc}); forgetting the tokens anyway",
                  highlight=False)
    store.forget("disconnected")
    err.print(f"disconnected {tenant} from {package.title}", highlight=False)
