"""Issue 19, finding 2 (SSRF): a source may not point Sayso's server at loopback, private,
link-local or metadata addresses (nor redirect it there), and "Test connection" answers the
same for a closed port and an open one, so it cannot map an internal host.

The allow-list is unset here (Sayso's default) except where a test says otherwise."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from sayso.core import outbound
from sayso.core.models import Role
from sayso.listening.models import Source, SourceKind
from sayso.listening.services import source_create, source_poll, source_test
from tests import factories
from tests.listening.feeds import atom
from tests.listening.sources import closed_port, record_connects
from tests.listening.stand_in import Reply, StandIn

pytestmark = pytest.mark.django_db

INTERNAL = [
    "http://127.0.0.1:{port}/feed",
    "http://localhost:{port}/feed",
    "http://10.0.0.1/feed",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/feed",
    "http://[::ffff:127.0.0.1]:{port}/feed",
    "http://metadata.google.internal/computeMetadata/v1/",
]


@pytest.fixture
def internal(settings: Any) -> StandIn:
    """A server on 127.0.0.1 standing in for an internal host; loopback is not allowed."""
    settings.SAYSO_OUTBOUND_ALLOW = []
    with StandIn() as server:
        server.route("/feed", Reply(body=atom([{"id": "1", "html": "internal"}])))
        server.route("/", Reply(body="<!doctype html><html>admin console</html>"))
        yield server


@pytest.fixture
def attempts(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    return record_connects(monkeypatch)


@pytest.fixture
def admin(org: Any) -> Any:
    return factories.make_member(org, Role.ADMIN, username="admin").user


def _port(server: StandIn) -> int:
    return int(server.server.server_address[1])


def _stored(org: Any, kind: str, url: str, **values: Any) -> Source:
    """A source saved before this check existed (or by a name resolving inside later)."""
    return Source.objects.create(
        organization=org, name=f"{kind} {url}", kind=kind, url=url, **values
    )


@pytest.mark.parametrize("template", INTERNAL)
def test_internal_addresses_are_refused_when_a_source_is_added(
    template: str, org: Any, internal: StandIn
) -> None:
    url = template.format(port=_port(internal))
    with pytest.raises(ValidationError, match="does not fetch from"):
        source_create(organization=org, name="Feed", kind=SourceKind.RSS, url=url)
    with pytest.raises(ValidationError, match="does not fetch from"):
        source_create(
            organization=org, name="Masto", kind=SourceKind.MASTODON, url=url, queries="#x"
        )
    assert not Source.objects.exists()


@pytest.mark.parametrize("kind", [SourceKind.RSS, SourceKind.MASTODON, SourceKind.BLUESKY])
@pytest.mark.parametrize("template", INTERNAL)
def test_a_stored_source_at_an_internal_address_is_never_fetched(
    kind: str, template: str, org: Any, internal: StandIn, attempts: list[Any]
) -> None:
    source = _stored(org, kind, template.format(port=_port(internal)), queries="#haulright")

    result = source_poll(source=source)

    assert not result.ok
    assert result.error == outbound.UNREACHABLE
    assert attempts == [] and internal.requests == []


@pytest.mark.parametrize("kind", [SourceKind.RSS, SourceKind.MASTODON, SourceKind.BLUESKY])
def test_a_redirect_to_an_internal_address_is_refused(
    kind: str, org: Any, stand_in: StandIn, attempts: list[Any]
) -> None:
    # The stand-in (127.0.0.1, allowed) sends every request to the metadata service.
    metadata = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"
    paths = ("/feed", "/api/v1/timelines/tag/haulright", "/xrpc/app.bsky.feed.searchPosts")
    for path in paths:
        stand_in.route(path, Reply(302, headers={"Location": metadata}))
    url = f"{stand_in.url}/feed" if kind == SourceKind.RSS else stand_in.url
    source = source_create(
        organization=org, name="Redirects", kind=kind, url=url, queries="#haulright"
    )

    result = source_poll(source=source)

    assert not result.ok and result.error == outbound.UNREACHABLE
    assert stand_in.requests[-1].path in paths  # the redirect, then nothing more
    assert all(address[0] == "127.0.0.1" for address in attempts)


def test_test_connection_answers_the_same_for_a_closed_and_an_open_port(
    org: Any, admin: Any, internal: StandIn
) -> None:
    open_page = _stored(org, SourceKind.RSS, f"http://127.0.0.1:{_port(internal)}/")
    open_feed = _stored(org, SourceKind.RSS, f"http://127.0.0.1:{_port(internal)}/feed")
    shut = _stored(org, SourceKind.RSS, f"http://127.0.0.1:{closed_port()}/")
    client = Client()
    client.force_login(admin)

    answers = {
        source.pk: client.post(
            reverse("source-test", kwargs={"org": org.slug, "pk": source.pk})
        ).content.decode()
        for source in (open_page, open_feed, shut)
    }

    assert len(set(answers.values())) == 1
    (answer,) = set(answers.values())
    assert "admin console" not in answer and "internal" not in answer.replace(
        outbound.UNREACHABLE, ""
    )
    assert internal.requests == []


def test_an_allowed_host_that_refuses_gives_the_same_message(
    org: Any, stand_in: StandIn, settings: Any
) -> None:
    # With 127.0.0.1 allowed (the stand_in fixture), a closed port there is not described
    # either: "refused" and "not allowed" read the same.
    source = source_create(
        organization=org,
        name="Down",
        kind=SourceKind.RSS,
        url=f"http://127.0.0.1:{closed_port()}/feed",
    )

    test = source_test(source=source)

    assert not test.ok and test.error == outbound.UNREACHABLE


def test_an_address_httpx_cannot_parse_is_a_clear_error_not_a_500(
    org: Any, admin: Any, internal: StandIn, attempts: list[Any]
) -> None:
    # Octal 127.0.0.1: Django's URL check lets it through, httpx refuses to parse it.
    source = _stored(org, SourceKind.RSS, "http://0177.0.0.1/feed")
    client = Client()
    client.force_login(admin)

    response = client.post(reverse("source-test", kwargs={"org": org.slug, "pk": source.pk}))

    assert response.status_code == 200
    assert "not one Sayso can read" in response.content.decode()
    assert attempts == []
