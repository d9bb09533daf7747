"""What the source tests send and serve: the staff form's fields for a new source, a Mastodon
status as the API serializes it, and helpers to watch the sockets a test opens."""

from __future__ import annotations

import socket
from typing import Any

import pytest


def new_source_form(url: str, **values: Any) -> dict[str, Any]:
    """The "add a source" form's fields for a Mastodon source following #haulright."""
    return {
        "name": "Masto",
        "kind": "mastodon",
        "url": url,
        "queries": "#haulright",
        "poll_interval_seconds": 300,
        "enabled": "on",
        **values,
    }


def mastodon_status(
    n: int = 1001, html: str = "<p>Haulright lost my booking</p>"
) -> dict[str, Any]:
    """The fields of a Mastodon status the connector reads."""
    return {
        "id": str(n),
        "uri": f"https://mastodon.example/users/dana/statuses/{n}",
        "url": f"https://mastodon.example/@dana/{n}",
        "created_at": "2026-11-30T09:00:00.000Z",
        "content": html,
        "visibility": "public",
        "account": {"acct": "dana@truckers.social", "username": "dana", "display_name": "Dana"},
    }


def record_connects(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every address a socket of this test tries to connect to (the network guard of
    tests/conftest.py still applies)."""
    seen: list[Any] = []
    guarded = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> Any:
        seen.append(address)
        return guarded(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return seen


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = int(probe.getsockname()[1])
    probe.close()
    return port
