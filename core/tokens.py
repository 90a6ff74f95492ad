"""Connections to accounting packages: tokens encrypted at rest, refreshed single-flight.

Tokens are stored Fernet-encrypted with the key in ``$LEDGERBRIDGE_SECRET_KEY`` (or the secrets
file); without a key nothing is stored in plain text — the caller gets a clear error instead.

:class:`OAuthSession` hands a connector a valid access token. When it must refresh, it does so
holding the connection row's lock (``SELECT … FOR UPDATE`` on PostgreSQL, the write lock on
SQLite), re-reads the row first (another worker may have refreshed already), and commits the
rotated refresh token *before* the new access token is used — so two workers never race a
rotation and a crash never loses the newest refresh token. ``invalid_grant`` marks the
connection ``needs_reauth``; pushes then wait, and ``status`` says so.
"""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Callable, Iterator

from cryptography.fernet import Fernet, InvalidToken
from sqlmodel import Session, select

from core.accounting import NeedsReauth
from core.config import get_secret
from core.db.models import Connection, utcnow
from core.oauth import InvalidGrant, OAuthClient, TokenSet

if TYPE_CHECKING:
    from core.bootstrap import App

SECRET_KEY = "LEDGERBRIDGE_SECRET_KEY"
_process_locks: dict[tuple[str, str], threading.Lock] = {}
_guard = threading.Lock()


class SecretKeyMissing(NeedsReauth):
    """No usable token-encryption key: tokens can be neither stored nor read."""


def new_secret_key() -> str:
    """A fresh key for ``LEDGERBRIDGE_SECRET_KEY``."""
    return Fernet.generate_key().decode()


def cipher(app: "App") -> Fernet:
    key = get_secret(SECRET_KEY, app.settings)
    if not key:
        raise SecretKeyMissing(f"{SECRET_KEY} is not set: tokens are stored encrypted and need a key; create one "
                               "with `ledgerbridge connect --new-key` and put it in the environment or the "
                               "secrets file")
    try:
        return Fernet(key.encode())
    except (ValueError, TypeError):
        raise SecretKeyMissing(f"{SECRET_KEY} is not a valid key (32 url-safe base64-encoded bytes; "
                               "create one with `ledgerbridge connect --new-key`)") from None


class TokenStore:
    """The ``connections`` row of one tenant and package."""

    def __init__(self, app: "App", tenant: str, package: str):
        self.app, self.tenant, self.package = app, tenant, package

    def get(self) -> Connection | None:
        with self.app.session() as session:
            return session.get(Connection, (self.tenant, self.package))

    def tokens(self, connection: Connection | None) -> TokenSet | None:
        if connection is None or not connection.tokens:
            return None
        try:
            return TokenSet.from_dict(json.loads(cipher(self.app).decrypt(connection.tokens.encode())))
        except InvalidToken:
            raise SecretKeyMissing(f"the stored tokens of {self.tenant}/{self.package} cannot be decrypted with "
                                   f"the current {SECRET_KEY} (was the key changed?); connect the tenant again") from None

    def save(self, session: Session, tokens: TokenSet, *, remote_tenant: str | None = None) -> Connection:
        """Store *tokens* (encrypted) in *session*'s transaction; the connection becomes ``connected``."""
        now = utcnow()
        connection = session.get(Connection, (self.tenant, self.package)) or Connection(
            tenant=self.tenant, package=self.package, connected_at=now)
        connection.tokens = cipher(self.app).encrypt(json.dumps(tokens.as_dict()).encode()).decode()
        connection.access_expires_at = tokens.expires_at
        connection.state, connection.last_error, connection.updated_at = "connected", None, now
        if remote_tenant is not None:
            connection.remote_tenant = remote_tenant
        session.add(connection)
        return connection

    def connect(self, tokens: TokenSet, remote_tenant: str | None) -> None:
        with self.app.session() as session, session.begin():
            connection = self.save(session, tokens, remote_tenant=remote_tenant)
            connection.connected_at = utcnow()

    def forget(self, state: str = "disconnected", error: str | None = None) -> None:
        """Drop the tokens (disconnect) or mark the connection as needing the user (``needs_reauth``)."""
        with self.app.session() as session, session.begin():
            connection = session.get(Connection, (self.tenant, self.package))
            if connection is None:
                return
            if state == "disconnected":
                connection.tokens, connection.access_expires_at = None, None
            connection.state, connection.last_error, connection.updated_at = state, error, utcnow()

    @contextmanager
    def locked(self) -> Iterator[tuple[Session, Connection | None]]:
        """The row, locked against other refreshers (processes and threads) until the block commits."""
        with _guard:
            lock = _process_locks.setdefault((self.tenant, self.package), threading.Lock())
        with lock, self.app.session() as session, session.begin():
            query = select(Connection).where(Connection.tenant == self.tenant, Connection.package == self.package)
            yield session, session.exec(query.with_for_update()).first()


class OAuthSession:
    """A connector's token provider: ``session()`` → access token; ``session(force=True)`` after a 401."""

    def __init__(self, store: TokenStore, oauth: Callable[[], OAuthClient], now: Callable[[], datetime] = utcnow):
        self.store, self.oauth, self.now = store, oauth, now
        self._last: str | None = None

    def __call__(self, force: bool = False) -> str:
        tokens = self._usable(self.store.get(), force)
        if tokens is not None:
            return self._hand_out(tokens)
        refused: InvalidGrant | None = None
        with self.store.locked() as (session, connection):
            tokens = self._usable(connection, force)  # another worker may have refreshed meanwhile
            if tokens is None:
                current = self.store.tokens(connection)
                client = self.oauth()
                try:
                    tokens = client.refresh(current.refresh_token)  # type: ignore[union-attr]
                except InvalidGrant as exc:
                    refused = exc
                finally:
                    client.close()
                if refused is None:
                    self.store.save(session, tokens)  # type: ignore[arg-type]
        if refused is not None:
            self.store.forget("needs_reauth", f"refresh refused: {refused}")
            raise NeedsReauth(f"{self.store.package} refused the refresh token of {self.store.tenant} "
                              f"({refused}); run `ledgerbridge connect {self.store.tenant}`")
        return self._hand_out(tokens)  # type: ignore[arg-type]  # committed above: the new refresh token is safe

    def _usable(self, connection: Connection | None, force: bool) -> TokenSet | None:
        """The stored tokens if they can be used as they are; None if a refresh is needed."""
        if connection is None or connection.state == "disconnected" or not connection.tokens:
            raise NeedsReauth(f"{self.store.tenant} is not connected to {self.store.package}: run "
                              f"`ledgerbridge connect {self.store.tenant}`")
        if connection.state == "needs_reauth":
            raise NeedsReauth(f"the {self.store.package} connection of {self.store.tenant} needs to be authorised "
                              f"again ({connection.last_error}): run `ledgerbridge connect {self.store.tenant}`")
        tokens = self.store.tokens(connection)
        stale = force and tokens.access_token == self._last  # type: ignore[union-attr]
        return tokens if tokens.fresh(self.now()) and not stale else None  # type: ignore[union-attr]

    def _hand_out(self, tokens: TokenSet) -> str:
        self._last = tokens.access_token
        return tokens.access_token
