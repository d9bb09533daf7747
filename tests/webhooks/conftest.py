"""Webhook tests: a real HTTP receiver on 127.0.0.1 (``tests.listening.stand_in``) that checks
every request with the ``standardwebhooks`` library, as a receiver would."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from tests.listening.stand_in import Reply, Request, StandIn


@dataclass
class Receiver:
    """The stand-in server and what arrived at each path, verified with the endpoint's secret."""

    server: StandIn
    secrets: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.server.url + path

    def listen(self, path: str, secret: str, *answers: Reply) -> None:
        """Answer ``answers`` in turn (the last one from then on), 200 by default."""
        queue = list(answers) or [Reply(200, "ok")]
        self.secrets[path] = secret

        def answer(_request: Request) -> Reply:
            return queue.pop(0) if len(queue) > 1 else queue[0]

        self.server.route(path, answer)

    def received(self, path: str) -> list[dict[str, Any]]:
        """The bodies that arrived at ``path``, each verified by the standardwebhooks library
        against its headers (``Webhook.verify`` raises on a bad signature)."""
        bodies = []
        for request in self.server.calls(path):
            verified = Webhook(self.secrets[path]).verify(request.body, request.headers)
            assert verified == json.loads(request.body)
            bodies.append(verified)
        return bodies

    def types(self, path: str) -> list[str]:
        return [body["type"] for body in self.received(path)]


@pytest.fixture
def receiver(settings: Any) -> Iterator[Receiver]:
    # Sayso refuses loopback addresses unless an operator allows them.
    settings.SAYSO_OUTBOUND_ALLOW = ["127.0.0.1/32"]
    with StandIn() as server:
        yield Receiver(server)
