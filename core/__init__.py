"""ledgerbridge core: local ledger, events, outbox, message bus, worker and CLI."""

__version__ = "0.1.0"
