"""Exchanges, queues and routing keys: the broker layout, declared in one place.

Host apps publish an event envelope (JSON, ``content_type=application/json``) to the topic
exchange ``<namespace>.events`` with routing key ``<type>.<tenant>``, persistent
(``delivery_mode=2``). The namespace is ``ledgerbridge`` unless ``[broker] namespace`` says
otherwise. The ``<namespace>.inbound`` queue takes every host event type; it has a single active
consumer so a tenant's events are applied in the order they were published, while other workers
stand by. Unroutable messages (an unknown type) and messages the broker dead-letters land in
``<namespace>.deadletter`` through the ``<namespace>.dlx`` exchange; the worker moves them into
the dead-letter table with their reason.

What ledgerbridge tells the world (``reconciliation-completed``, ``push-failed``, ...) goes to the
topic exchange ``<namespace>.notifications`` with the same ``<type>.<tenant>`` routing keys; host
apps bind their own queues to it (nothing is kept when no queue is bound).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from kombu import Exchange, Queue, binding

from core.events.schemas import EVENT_TYPES, NOTIFICATION_TYPES

DEFAULT_NAMESPACE = "ledgerbridge"


@dataclass(frozen=True)
class Topology:
    namespace: str
    events: Exchange
    notifications: Exchange
    dead_letter_exchange: Exchange
    inbound: Queue
    sync: Queue
    dead_letters: Queue

    @property
    def queues(self) -> tuple[Queue, ...]:
        return (self.inbound, self.sync, self.dead_letters)

    def declare(self, channel: Any) -> None:
        """Declare exchanges, queues and bindings (idempotent)."""
        self.dead_letter_exchange(channel).declare()
        self.events(channel).declare()
        self.notifications(channel).declare()
        for queue in self.queues:
            queue(channel).declare()

    def delete(self, channel: Any) -> None:
        """Remove everything :meth:`declare` made (tests, decommissioning)."""
        for queue in self.queues:
            queue(channel).delete()
        self.events(channel).delete()
        self.notifications(channel).delete()
        self.dead_letter_exchange(channel).delete()

    def exchange_for(self, routing_key: str) -> str:
        """Notifications go to their own exchange; everything else to the events exchange."""
        return self.notifications.name if is_notification(routing_key) else self.events.name


@lru_cache(maxsize=None)
def topology(namespace: str = DEFAULT_NAMESPACE) -> Topology:
    dlx = Exchange(f"{namespace}.dlx", type="topic", durable=True)
    events = Exchange(f"{namespace}.events", type="topic", durable=True, arguments={"alternate-exchange": dlx.name})
    queue_args = {"x-dead-letter-exchange": dlx.name}
    return Topology(
        namespace=namespace,
        events=events,
        notifications=Exchange(f"{namespace}.notifications", type="topic", durable=True),
        dead_letter_exchange=dlx,
        inbound=Queue(f"{namespace}.inbound",
                      bindings=[binding(events, routing_key=f"{event_type}.*") for event_type in EVENT_TYPES],
                      durable=True, queue_arguments={**queue_args, "x-single-active-consumer": True}),
        sync=Queue(f"{namespace}.sync", bindings=[binding(events, routing_key="sync-requested.*")],
                   durable=True, queue_arguments=queue_args),
        dead_letters=Queue(f"{namespace}.deadletter", exchange=dlx, routing_key="#", durable=True),
    )


def is_notification(routing_key: str) -> bool:
    return routing_key.split(".", 1)[0] in NOTIFICATION_TYPES
