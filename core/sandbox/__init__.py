"""Vendor-neutral building blocks for the accounting-package sandboxes (local API emulators).

- :mod:`.clock` — an injectable clock, so tests can jump time;
- :mod:`.faults` — a fault plan (outages, latency, resets, canned error responses) and its ASGI
  middleware, controlled from code, an admin endpoint or a JSON/TOML file;
- :mod:`.oauth` — an OAuth2 authorization server (code + PKCE, refresh rotation with grace,
  revocation) with an in-memory token store;
- :mod:`.ratelimit` — windowed per-tenant and per-app counters;
- :mod:`.transport` — an httpx ASGI transport that turns sandbox faults into httpx errors;
- :mod:`.serve` — run an ASGI app on loopback, in the foreground or in a thread.

Each vendor sandbox (``plugins/<vendor>/sandbox``) composes these with its own wire format.
"""
