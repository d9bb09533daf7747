"""Every status recorded from a real Mastodon 4 server (Mastodon.py's test cassettes, in
../shared/data/mastodon/cassettes) through the Mastodon connector's reading of a status and the
ingest pipeline: one customer per account, however its handle is written and whatever the
status's visibility (direct messages and private mentions join their author's customer).

The server ran at ``http://localhost:3000``: a single-label host with a port, which the handle
normalizer once refused, so that every status became a customer of its own (issue 20)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from sayso.customers.models import Customer, Identity, IdentityKind
from sayso.listening.connectors import mastodon as connector
from sayso.listening.models import Mention
from sayso.listening.pipeline import items_ingest
from sayso.listening.services import source_create

CASSETTES = (
    Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "mastodon" / "cassettes"
)

pytestmark = pytest.mark.skipif(not CASSETTES.is_dir(), reason="../shared/data is not beside")


def _bodies(text: str) -> list[Any]:
    """The JSON documents of one recorded answer: the body itself, or each ``data:`` line of
    a streaming answer."""
    try:
        return [json.loads(text)]
    except ValueError:
        pass
    found = []
    for line in text.splitlines():
        if line.startswith("data:"):
            try:
                found.append(json.loads(line[5:]))
            except ValueError:
                continue
    # A streamed status is itself a JSON string inside the event.
    return [json.loads(f) if isinstance(f, str) and f.startswith("{") else f for f in found]


def _statuses(node: Any, into: dict[str, dict[str, Any]]) -> None:
    if isinstance(node, dict):
        if isinstance(node.get("account"), dict) and "content" in node and node.get("id"):
            into.setdefault(str(node["id"]), node)
        for value in node.values():
            _statuses(value, into)
    elif isinstance(node, list):
        for value in node:
            _statuses(value, into)


def recorded_statuses() -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(CASSETTES.glob("*.yaml")):
        recorded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for exchange in recorded.get("interactions") or []:
            body = (exchange.get("response") or {}).get("body") or {}
            text = body.get("string")
            if isinstance(text, bytes):
                text = text.decode("utf-8", "replace")
            if isinstance(text, str) and text:
                for document in _bodies(text):
                    _statuses(document, found)
    return list(found.values())


def _account_key(account: dict[str, Any]) -> tuple[str, str]:
    """An account as the recordings name it: its username and the server of its profile."""
    parts = urlsplit(account["url"])
    acct = account["acct"].lower()
    if "@" in acct:
        user, _, server = acct.partition("@")
        return user, server
    return acct, parts.netloc.lower()


@pytest.mark.django_db
def test_every_recorded_account_is_one_customer(org: Any) -> None:
    statuses = recorded_statuses()
    assert len(statuses) > 200
    accounts = {_account_key(s["account"]) for s in statuses}
    accounts |= {_account_key(s["reblog"]["account"]) for s in statuses if s.get("reblog")}
    directs = [s for s in statuses if s.get("visibility") in {"direct", "private"}]
    assert len(accounts) >= 3 and len(directs) >= 10
    source = source_create(
        organization=org,
        name="Local Mastodon",
        kind="mastodon",
        url="https://mastodon.example",
        queries="#mastodonpy",
    )
    items = [connector._item(s, "mastodon.example", direct=True) for s in statuses]
    kept = [item for item in items if item is not None]
    assert len(kept) > 200

    report = items_ingest(source=source, items=kept)

    assert report.failed == 0, report.errors
    stored = Mention.objects.filter(source=source)
    assert stored.count() == len({item.external_id for item in kept})
    # Every status has its author's customer: one per account, direct messages included.
    assert not stored.filter(customer__isnull=True).exists()
    assert set(
        Identity.objects.filter(organization=org, kind=IdentityKind.MASTODON).values_list(
            "value", flat=True
        )
    ) == {f"@{user}@{server}" for user, server in accounts}
    assert Customer.objects.filter(organization=org).count() == len(accounts)
    for status in directs:
        item = connector._item(status, "mastodon.example", direct=True)
        if item is None:  # nothing to read in it (an empty status)
            continue
        mention = stored.get(external_id=item.external_id)
        user, server = _account_key(status["account"])
        assert mention.customer is not None
        assert mention.customer.identities.filter(value=f"@{user}@{server}").exists()
