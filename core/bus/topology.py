"""Exchanges, queues and routing keys: the broker layout, declared in one place.

Host apps publish an event envelope (JSON, ``content_type=application/json``) to the topic
exchange ``ledgerbridge.events`` with routing key ``<type>.<tenant>``, persistent
(``delivery_mode=2``). The ``ledgerbridge.inbound`` queue takes every host event type; it has a
single active consumer so a tenant's events are applied in the order they were published, while
other workers stand by. Unroutable messages (an unknown type) and messages the broker dead-letters
land in ``ledgerbridge.deadletter`` through the ``ledgerbridge.dlx`` exchange; the worker moves them
into the dead-letter table with their reason.
"""

from __future__ import annotations

from kombu import Exchange, Queue, binding

from core.events.schemas import EVENT_TYPES

EVENTS = Exchange("ledgerbridge.events", type="topic", durable=True,
                  arguments={"alternate-exchange": "ledgerbridge.dlx"})
DEAD_LETTER_EXCHANGE = Exchange("ledgerbridge.dlx", type="topic", durable=True)

INTERNAL_TYPES = ("sync-requested",)

_queue_args = {"x-dead-letter-exchange": DEAD_LETTER_EXCHANGE.name}

INBOUND = Queue(
    "ledgerbridge.inbound",
    bindings=[binding(EVENTS, routing_key=f"{event_type}.*") for event_type in EVENT_TYPES],
    durable=True,
    queue_arguments={**_queue_args, "x-single-active-consumer": True},
)
SYNC = Queue(
    "ledgerbridge.sync",
    bindings=[binding(EVENTS, routing_key="sync-requested.*")],
    durable=True,
    queue_arguments=_queue_args,
)
DEAD_LETTERS = Queue("ledgerbridge.deadletter", exchange=DEAD_LETTER_EXCHANGE, routing_key="#", durable=True)

ALL_QUEUES = (INBOUND, SYNC, DEAD_LETTERS)


def declare_all(channel) -> None:
    """Declare exchanges, queues and bindings (idempotent)."""
    DEAD_LETTER_EXCHANGE(channel).declare()
    EVENTS(channel).declare()
    for queue in ALL_QUEUES:
        queue(channel).declare()
