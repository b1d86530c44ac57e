"""HTTP clients for the tests.

Every test server speaks plain HTTP on the loopback interface, but httpx builds a TLS context for
each client by default, and loading the system's certificate store costs about 75 ms: more than
most tests take. The clients share one context instead.
"""

from __future__ import annotations

import ssl
from typing import Any

import httpx

_TLS = ssl.create_default_context()


def http_client(base_url: str, **options: Any) -> httpx.Client:
    """An httpx client for `base_url` (30 s timeout unless given)."""
    options.setdefault("timeout", 30)
    return httpx.Client(base_url=base_url, verify=_TLS, **options)


def http_get(url: str, **options: Any) -> httpx.Response:
    """One GET in a client of its own (the `httpx.get` shortcut, without a new TLS context)."""
    with http_client("", **options) as client:
        return client.get(url)
