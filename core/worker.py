"""The worker: outbox relay + bus consumers + pusher (kombu ConsumerMixin; on RabbitMQ the relay has
its own thread; the pusher always has its own, so slow accounting APIs never hold the bus up).

Deliveries are buffered per queue and applied in batches, one database transaction per batch,
then acknowledged — so a crash before the commit redelivers, and the event-id log makes the
redelivery a no-op. SIGTERM/SIGINT stop the loop after the in-flight batch. ``until_idle`` stops
once the outbox is empty, the queues are empty and nothing arrived for ``idle_seconds``.
"""

from __future__ import annotations

import gc
import json
import re
import signal
import time
from dataclasses import dataclass, field
from typing import Any

import structlog
from kombu import Connection, Consumer
from kombu.mixins import ConsumerMixin
from sqlalchemy.exc import OperationalError
from sqlmodel import func, select
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from core.bootstrap import App
from core.bus.topology import topology
from core.bus.publisher import EVENT_IDS_HEADER, BatchPublisher, PublishError, message_bodies
from core.bus.relay import OutboxRelay, RelayThread
from core.db.models import DeadLetter, OutboxMessage, utcnow
from core.inbound import Inbound, InboundProcessor, Outcome
from core.sync import PushLoop

log = structlog.get_logger("ledgerbridge.worker")


@dataclass
class WorkerStats:
    published: int = 0
    inbound: Outcome = field(default_factory=Outcome)
    sync_requests: int = 0
    broker_dead_letters: int = 0
    pushed: int = 0


class Worker(ConsumerMixin):
    """Relays the outbox and consumes ``ledgerbridge.inbound``, ``.sync`` and ``.deadletter``."""

    def __init__(self, app: App, *, until_idle: bool = False, idle_seconds: float = 0.5,
                 relay_interval: float = 0.25, flush_interval: float = 0.05, db_attempts: int = 8,
                 push: bool = True, scan_interval: float | None = None):
        broker = app.settings.broker
        self.app = app
        url = "memory://localhost/" if broker.url == "memory://" else broker.url
        self.connection = Connection(url, heartbeat=30 if url.startswith("amqp") else 0)
        self.batch_size = broker.batch_size
        self.prefetch = max(broker.prefetch, broker.batch_size)
        self.until_idle = until_idle
        self.idle_seconds = idle_seconds
        self.relay_interval = relay_interval
        self.flush_interval = flush_interval
        self.processor = InboundProcessor(app.settings, app.session, app.plugins)
        self.topology = topology(broker.namespace)
        self.stats = WorkerStats()
        self._buffers: dict[str, list[Any]] = {q.name: [] for q in self.topology.queues}
        self._buffered_events: dict[str, int] = {q.name: 0 for q in self.topology.queues}
        self._first_buffered = 0.0
        self._last_activity = time.monotonic()
        self._last_relay = 0.0
        self._relay_full = False
        self._publisher: BatchPublisher | None = None
        self._relay_obj: OutboxRelay | None = None
        self._relay_thread: RelayThread | None = None
        self._push_loop = PushLoop(app, scan_interval=scan_interval) if push else None
        # memory:// keeps nothing when the process ends: outbox rows count as published only once applied
        self._mark_on_consume = self.connection.transport.driver_type == "memory"
        self._db_retry = Retrying(
            retry=retry_if_exception(is_transient_db_error), stop=stop_after_attempt(db_attempts),
            wait=wait_exponential_jitter(multiplier=0.5, max=30), reraise=True,
            before_sleep=lambda s: log.warning("database unavailable; retrying", attempt=s.attempt_number,
                                               error=str(s.outcome.exception())))

    # -- kombu ConsumerMixin ---------------------------------------------------------------------
    def get_consumers(self, Consumer: type[Consumer], channel: Any) -> list[Consumer]:  # noqa: N803
        self.topology.declare(channel)
        return [Consumer(queues=[queue], on_message=self._collect(queue.name), prefetch_count=self.prefetch,
                         auto_declare=False) for queue in self.topology.queues]

    def on_connection_revived(self) -> None:
        log.info("connected to broker", transport=self.connection.transport.driver_type)
        self._drop_publisher()
        self._drop_deliveries()

    def on_connection_error(self, exc: Exception, interval: float) -> None:
        log.warning("broker unreachable; reconnecting", error=str(exc), retry_in=interval)
        self._drop_publisher()
        self._drop_deliveries()

    def _drop_deliveries(self) -> None:
        """Deliveries of a lost connection cannot be acknowledged; the broker redelivers them."""
        dropped = sum(len(b) for b in self._buffers.values())
        if dropped:
            log.info("dropped unacknowledged deliveries of the lost connection; they will be redelivered",
                     count=dropped)
        for buffer in self._buffers.values():
            buffer.clear()
        self._buffered_events = dict.fromkeys(self._buffered_events, 0)

    def on_consumers_end(self, connection: Any, channel: Any) -> None:
        """Consumers cancelled, connection still open: apply and acknowledge the in-flight batch."""
        self.flush()

    def on_iteration(self) -> None:
        now = time.monotonic()
        if self._relay_thread is None and (self._relay_full or now - self._last_relay >= self.relay_interval):
            self._relay()
        if any(self._buffers.values()) and (
                now - self._first_buffered >= self.flush_interval
                or self._buffered_events[self.topology.inbound.name] >= self.batch_size):
            self.flush()
        if self.until_idle and not self.should_stop and self._idle(now):
            log.info("idle; stopping")
            self.should_stop = True

    # -- running -----------------------------------------------------------------------------------
    def start(self) -> WorkerStats:
        """Run until stopped (signal or idle); flush what was delivered; close."""
        previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
        for sig in previous:
            signal.signal(sig, self._on_signal)
        try:
            self.app.sync_tenants()
            if self._push_loop is not None:
                self._push_loop.start()  # pushes due documents at once, then on requests and every scan
            gc.freeze()  # what is loaded by now lives as long as the process: spare the collector's full passes
            if not self._mark_on_consume:
                self._relay_thread = RelayThread(
                    self.app.settings.broker.url, self.topology, self.app.session,
                    batch_size=self.batch_size, interval=self.relay_interval, run=self._db_retry.copy(),
                    on_published=self._published, on_error=self._relay_failed)
                self._relay_thread.start()
            self.run(safety_interval=self.flush_interval)
            self._drop_deliveries()  # anything still buffered belongs to a closed connection
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            if self._relay_thread is not None:
                self._relay_thread.stop()
            if self._push_loop is not None:
                self._push_loop.stop()
                self.stats.pushed = self._push_loop.pushed
            self._drop_publisher()
            self.connection.release()
        if self._relay_thread is not None and self._relay_thread.error is not None:
            raise self._relay_thread.error
        return self.stats

    def _on_signal(self, signum: int, _frame: Any) -> None:
        log.info("stopping after the in-flight batch", signal=signal.Signals(signum).name)
        self.should_stop = True

    # -- delivery buffering ----------------------------------------------------------------------
    def _collect(self, queue: str):
        def on_message(message: Any) -> None:
            if not any(self._buffers.values()):
                self._first_buffered = time.monotonic()
            self._buffers[queue].append(message)
            self._buffered_events[queue] += _event_count(message)
            self._last_activity = time.monotonic()
        return on_message

    def flush(self) -> None:
        """Apply and acknowledge everything buffered."""
        for queue, handler in ((self.topology.inbound.name, self._apply_inbound),
                               (self.topology.sync.name, self._apply_sync),
                               (self.topology.dead_letters.name, self._store_broker_dead_letters)):
            buffer = self._buffers[queue]
            while buffer:
                batch = _take_events(buffer, self.batch_size)
                self._db_retry(handler, batch)
                del buffer[:len(batch)]  # applied: a failing ack below means redelivery, a no-op
                self._buffered_events[queue] = sum(map(_event_count, buffer))
                if self._relay_obj is not None and self._relay_obj.mark_on_consume:
                    self._db_retry(self._relay_obj.consumed, [i for m in batch for i in _event_ids(m)])
                    self._relay_full = True  # room in flight again: relay on the next iteration
                for message in batch:
                    message.ack()
        self._last_activity = time.monotonic()

    def _apply_inbound(self, messages: list[Any]) -> None:
        outcome = self.processor.process([
            Inbound(body=body, source=self.topology.inbound.name, routing_key=m.delivery_info.get("routing_key"))
            for m in messages for body in message_bodies(m.content_type, m.body)])
        self.stats.inbound.add(outcome)
        log.debug("applied batch", size=len(messages), applied=outcome.applied,
                  duplicates=outcome.duplicates, dead_lettered=outcome.dead_lettered)

    def _apply_sync(self, messages: list[Any]) -> None:
        """``sync-requested``: nudge the push loop for these tenants (the ledger says what is due)."""
        wanted: set[str] = set()
        for body in (b for m in messages for b in message_bodies(m.content_type, m.body)):
            try:
                wanted.add(json.loads(body)["tenant"])
            except (ValueError, KeyError, TypeError):
                log.warning("ignored malformed sync request", body=body[:200])
        if self._push_loop is not None:
            self._push_loop.request(wanted)
        self.stats.sync_requests += len(messages)

    def _store_broker_dead_letters(self, messages: list[Any]) -> None:
        with self.app.session() as session, session.begin():
            for message in messages:
                session.add(DeadLetter(
                    source=self.topology.dead_letters.name, routing_key=message.delivery_info.get("routing_key"),
                    body=message.body.decode("utf-8", "replace") if isinstance(message.body, bytes) else message.body,
                    reason=_broker_reason(message.headers or {}), received_at=utcnow()))
        self.stats.broker_dead_letters += len(messages)

    # -- relay -------------------------------------------------------------------------------------
    def _relay(self) -> None:
        self._last_relay = time.monotonic()
        try:
            if self._publisher is None:
                self._publisher = BatchPublisher(self.connection, self.topology)
                self._relay_obj = OutboxRelay(self.app.session, self._publisher, batch_size=self.batch_size,
                                              mark_on_consume=self._mark_on_consume)
            published = self._db_retry(self._relay_obj.publish_pending)
        except PublishError as exc:
            log.warning("publish not confirmed; will publish again", error=str(exc))
            self._drop_publisher()
            published = 0
        self._relay_full = published >= self.batch_size
        if published:
            self._published(published)

    def _published(self, count: int) -> None:
        self.stats.published += count
        self._last_activity = time.monotonic()

    def _relay_failed(self) -> None:
        self.should_stop = True

    def _drop_publisher(self) -> None:
        if self._publisher is not None:
            self._publisher.close()
            self._publisher = None
            self._relay_obj = None

    def _idle(self, now: float) -> bool:
        relaying = self._relay_full or (self._relay_thread is not None and self._relay_thread.busy)
        pushing = self._push_loop is not None and not self._push_loop.idle
        if any(self._buffers.values()) or relaying or pushing or now - self._last_activity < self.idle_seconds:
            return False
        with self.app.session() as session:
            if session.exec(select(func.count()).select_from(OutboxMessage)
                            .where(OutboxMessage.published_at.is_(None))).one():
                return False
        channel = self.connection.default_channel
        return all(q(channel).queue_declare(passive=True).message_count == 0 for q in self.topology.queues)


def _event_ids(message: Any) -> list[str]:
    return (message.headers or {}).get(EVENT_IDS_HEADER) or [message.properties.get("message_id")]


def _event_count(message: Any) -> int:
    return len((message.headers or {}).get(EVENT_IDS_HEADER) or ()) or 1


def _take_events(buffer: list[Any], limit: int) -> list[Any]:
    """The first messages of ``buffer`` holding about ``limit`` events (at least one message)."""
    taken, events = [], 0
    for message in buffer:
        if taken and events + _event_count(message) > limit:
            break
        taken.append(message)
        events += _event_count(message)
    return taken


def is_transient_db_error(exc: BaseException) -> bool:
    """Database down or busy (worth waiting for), as opposed to a schema or programming error."""
    if not isinstance(exc, OperationalError):
        return False
    return not re.search(r"no such (table|column)|syntax error|does not exist", str(exc))


def _broker_reason(headers: dict[str, Any]) -> str:
    deaths = headers.get("x-death") or []
    if deaths:
        first = deaths[0]
        return (f"dead-lettered by the broker: {first.get('reason', 'unknown reason')} "
                f"from queue {first.get('queue', '?')} (routing key {first.get('routing-keys', ['?'])[0]})")
    return "unroutable: no queue is bound for this routing key (unknown event type?)"
