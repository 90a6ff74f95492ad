"""The outbox relay: publishes committed outbox rows, oldest first, and marks them published.

Consecutive rows with the same routing key (a bulk ingest of one tenant's invoices, say) travel
as one message of JSON lines (``application/x-ndjson``), up to ``events_per_message``: the
broker and the consumer then handle a hundred events for the price of one message.

On a real broker a row is marked once the broker confirmed its message (the broker keeps it from
then on). The in-process ``memory://`` bus keeps nothing when the process ends, so there a row
is marked only when the worker has applied its message (:meth:`OutboxRelay.consumed`); until
then it is *in flight* — not published again by this relay, published again by the next one
after a crash. Either way delivery is at least once and consumers are idempotent on the event id.
On PostgreSQL a transaction-scoped advisory lock keeps concurrent relays from reordering events.

With RabbitMQ the worker runs the relay in a :class:`RelayThread` with its own connection, so
publishing overlaps applying: most of either is waiting on the database or the broker, which
releases the GIL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

import structlog
from kombu import Connection

from sqlalchemy import func, text, update
from sqlmodel import Session, select

from core.bus.publisher import BatchPublisher, Outgoing, PublishError
from core.bus.topology import Topology, is_notification
from core.db.models import OutboxMessage, utcnow

RELAY_LOCK_KEY = 0x4C42_0001  # pg_advisory lock id for "ledgerbridge outbox relay"

log = structlog.get_logger("ledgerbridge.relay")


class OutboxRelay:
    def __init__(self, session_factory: Callable[[], Session], publisher: BatchPublisher, batch_size: int = 500,
                 mark_on_consume: bool = False, events_per_message: int = 100):
        self.session_factory = session_factory
        self.publisher = publisher
        self.batch_size = batch_size
        self.mark_on_consume = mark_on_consume
        self.events_per_message = events_per_message
        self.in_flight: set[str] = set()  # event ids published, awaiting consumed() (mark_on_consume)

    def publish_pending(self) -> int:
        """Publish up to one batch of unpublished rows; return how many were published."""
        if self.mark_on_consume and len(self.in_flight) >= 2 * self.batch_size:
            return 0  # back-pressure: the consumer has enough to do
        with self.session_factory() as session, session.begin():
            if session.get_bind().dialect.name == "postgresql":
                locked = session.exec(text("SELECT pg_try_advisory_xact_lock(:key)"),
                                      params={"key": RELAY_LOCK_KEY}).scalar()
                if not locked:
                    return 0
            rows = session.exec(
                select(OutboxMessage.id, OutboxMessage.routing_key, OutboxMessage.body, OutboxMessage.event_id)
                .where(OutboxMessage.published_at.is_(None))
                .order_by(OutboxMessage.id)
                .limit(self.batch_size + len(self.in_flight))
            ).all()
            rows = [r for r in rows if r.event_id not in self.in_flight][:self.batch_size]
            if not rows:
                return 0
            self.publisher.publish(_grouped(rows, self.events_per_message))
            # notifications have no consumer of ours: they count as published once the broker has them
            awaited = [r for r in rows if not is_notification(r.routing_key)] if self.mark_on_consume else []
            self.in_flight.update(r.event_id for r in awaited)
            done = [r.id for r in rows if r not in awaited]
            if done:
                session.exec(update(OutboxMessage).where(OutboxMessage.id.in_(done)).values(published_at=utcnow()))
            return len(rows)

    def consumed(self, event_ids: Iterable[str | None]) -> None:
        """With ``mark_on_consume``: these messages were applied; their rows are published for good."""
        if not self.mark_on_consume:
            return
        done = [i for i in event_ids if i in self.in_flight]
        if not done:
            return
        with self.session_factory() as session, session.begin():
            session.exec(update(OutboxMessage).where(OutboxMessage.event_id.in_(done),
                                                     OutboxMessage.published_at.is_(None))
                         .values(published_at=utcnow()))
        self.in_flight.difference_update(done)

    def backlog(self) -> int:
        """Rows not yet published (or, with ``mark_on_consume``, not yet applied)."""
        with self.session_factory() as session:
            return session.exec(select(func.count()).select_from(OutboxMessage)
                                .where(OutboxMessage.published_at.is_(None))).one()


class RelayThread(threading.Thread):
    """Publishes the outbox on its own thread and broker connection until :meth:`stop`.

    A round that published anything is followed at once by the next (rows are being written:
    the consumer must not run dry); an empty one by a pause of ``interval``. A lost
    broker or an unconfirmed batch means a new connection and publishing again (the rows were
    not marked). Anything else is kept in :attr:`error` and ends the thread; ``on_error`` is
    called so that its owner can stop too.
    """

    def __init__(self, url: str, topology: Topology, session_factory: Callable[[], Session], *, batch_size: int,
                 interval: float, run: Callable[..., Any], on_published: Callable[[int], None],
                 on_error: Callable[[], None]):
        super().__init__(name="ledgerbridge-relay", daemon=True)
        self.url, self.topology, self.session_factory = url, topology, session_factory
        self.batch_size, self.interval = batch_size, interval
        self.run_db = run  # runs a database call (with the worker's retries)
        self.on_published, self.on_error = on_published, on_error
        self.busy = False  # the last round published a full batch: more may be waiting
        self.error: BaseException | None = None
        self._stopping = threading.Event()
        probe = Connection(url)  # not connected: only asked which errors a lost broker raises
        self._recoverable = (PublishError, OSError, *probe.connection_errors, *probe.channel_errors)

    def stop(self, timeout: float = 60.0) -> None:
        """Finish the round in progress and close."""
        self._stopping.set()
        self.join(timeout)

    def run(self) -> None:
        connection: Connection | None = None
        publisher: BatchPublisher | None = None
        pause = self.interval
        while not self._stopping.is_set():
            try:
                if publisher is None:
                    connection = Connection(self.url, heartbeat=30)
                    publisher = BatchPublisher(connection, self.topology)
                    relay = OutboxRelay(self.session_factory, publisher, batch_size=self.batch_size)
                connection.heartbeat_check()  # type: ignore[union-attr]
                published = self.run_db(relay.publish_pending)
                pause = self.interval
            except self._recoverable as exc:
                log.warning("relay: broker unreachable or publish not confirmed; publishing again", error=str(exc))
                _close(publisher, connection)
                publisher = connection = None
                published, pause = 0, min(pause * 2, 5.0)
            except BaseException as exc:  # noqa: BLE001 — a bug, or the database gone for good
                log.exception("relay failed")
                self.error = exc
                self.on_error()
                break
            self.busy = published >= self.batch_size
            if published:
                self.on_published(published)
            else:
                self._stopping.wait(pause)
        _close(publisher, connection)


def _close(publisher: BatchPublisher | None, connection: Connection | None) -> None:
    if publisher is not None:
        publisher.close()
    if connection is not None:
        try:
            connection.release()
        except Exception:  # noqa: BLE001 — releasing a dead connection
            pass


def _grouped(rows: list, size: int) -> Iterable[Outgoing]:
    """Consecutive rows with the same routing key travel together (order kept), ``size`` at most."""
    group: list = []
    for row in rows:
        if group and (row.routing_key != group[0].routing_key or len(group) >= size):
            yield _message(group)
            group = []
        group.append(row)
    if group:
        yield _message(group)


def _message(group: list) -> Outgoing:
    if len(group) == 1:
        return Outgoing(group[0].routing_key, group[0].body, group[0].event_id)
    return Outgoing(group[0].routing_key, "\n".join(r.body for r in group), group[0].event_id,
                    tuple(r.event_id for r in group))
