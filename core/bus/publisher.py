"""Publishing batches with publisher confirms.

On RabbitMQ the channel is put in confirm mode and a whole batch is published before waiting for
the broker's acks (one round trip per batch, not per message — about 5× the throughput of
kombu's per-message ``confirm_publish``). The in-process ``memory://`` transport has nothing to
confirm.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from kombu import Connection

from core.bus.topology import Topology


class PublishError(RuntimeError):
    """The broker refused (nacked) or did not confirm a batch in time; publish it again."""


JSON = "application/json"
NDJSON = "application/x-ndjson"  # several envelopes of one type and tenant, one per line
EVENT_IDS_HEADER = "x-ledgerbridge-event-ids"


@dataclass(frozen=True)
class Outgoing:
    """One message: a single event (JSON) or several of the same routing key (JSON lines)."""

    routing_key: str
    body: str
    message_id: str
    event_ids: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        return NDJSON if len(self.event_ids) > 1 else JSON


def message_bodies(content_type: str | None, body: bytes | str) -> list[bytes | str]:
    """The event envelopes a message carries."""
    if content_type == NDJSON:
        separator = b"\n" if isinstance(body, bytes) else "\n"
        return [line for line in body.split(separator) if line.strip()]  # type: ignore[arg-type]
    return [body]


class BatchPublisher:
    """Publishes to the events exchange (notifications to theirs) on its own channel of ``connection``."""

    def __init__(self, connection: Connection, topology: Topology, confirm_timeout: float = 30.0):
        self.connection = connection
        self.confirm_timeout = confirm_timeout
        self.channel = connection.channel()
        topology.declare(self.channel)
        self.topology = topology
        self.confirms = connection.transport.driver_type == "amqp"
        self._next_tag = 1
        self._unconfirmed: set[int] = set()
        self._nacked = 0
        if self.confirms:
            self.channel.confirm_select()
            self.channel.events["basic_ack"].add(self._on_ack)
            self.channel.events["basic_nack"].add(self._on_nack)

    def _settle(self, tag: int, multiple: bool) -> None:
        if multiple:
            self._unconfirmed = {t for t in self._unconfirmed if t > tag}
        else:
            self._unconfirmed.discard(tag)

    def _on_ack(self, delivery_tag: int, multiple: bool) -> None:
        self._settle(delivery_tag, multiple)

    def _on_nack(self, delivery_tag: int, multiple: bool) -> None:
        self._nacked += 1
        self._settle(delivery_tag, multiple)

    def publish(self, messages: Iterable[Outgoing]) -> int:
        """Publish ``messages`` persistently; return how many once the broker confirmed all."""
        count = 0
        channel = self.channel
        for message in messages:
            # The transport channel's own API (what kombu's Producer calls underneath), without the
            # Producer's per-message serialisation and retry wrapping: the body is JSON text already.
            headers = {EVENT_IDS_HEADER: list(message.event_ids)} if len(message.event_ids) > 1 else {}
            prepared = channel.prepare_message(
                message.body.encode("utf-8"), 0, message.content_type, "utf-8", headers,
                {"delivery_mode": 2, "message_id": message.message_id})
            channel.basic_publish(prepared, exchange=self.topology.exchange_for(message.routing_key),
                                  routing_key=message.routing_key)
            if self.confirms:
                self._unconfirmed.add(self._next_tag)
                self._next_tag += 1
            count += 1
        self._wait_for_confirms()
        return count

    def _wait_for_confirms(self) -> None:
        if not self.confirms:
            return
        deadline = time.monotonic() + self.confirm_timeout
        while self._unconfirmed:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PublishError(f"{len(self._unconfirmed)} message(s) not confirmed by the broker in time")
            try:
                self.connection.drain_events(timeout=min(remaining, 1.0))
            except TimeoutError:
                continue
        if self._nacked:
            nacked, self._nacked = self._nacked, 0
            raise PublishError(f"the broker refused {nacked} message(s)")

    def close(self) -> None:
        try:
            self.channel.close()
        except Exception:  # noqa: BLE001 — closing a dead channel
            pass
