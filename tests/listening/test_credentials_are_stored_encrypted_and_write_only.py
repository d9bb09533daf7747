"""A source's credential is stored encrypted (the column never holds it in clear), is never
shown again (the page shows whether one is set and its last characters; the password field
stays empty), is kept when the field is left empty, replaced when typed, removed when asked,
survives a key rotation, and is what the connector sends."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from sayso.core.models import Role
from sayso.listening.models import Source, SourceKind, TermKind
from sayso.listening.services import source_create, source_poll, term_add
from tests import factories
from tests.listening.sources import mastodon_status, new_source_form
from tests.listening.stand_in import Reply, StandIn

TOKEN = "kM3x0-Hq2TnLw8cVbR4yZp1sD7fG9jA6uE5oI0tYqW"
NEW_TOKEN = "Zz9-new-token-after-rotation-0123456789ab"

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(org: Any) -> Any:
    return factories.make_member(org, Role.ADMIN, username="admin").user


def _raw_column(source: Source) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT credential FROM listening_source WHERE id = %s", [source.pk])
        return str(cursor.fetchone()[0])


def _mastodon(stand_in: StandIn) -> None:
    """A Mastodon-like server that answers only the right bearer token."""
    status = mastodon_status()

    def search(request: Any) -> Reply:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return Reply(401, {"error": "The access token is invalid"})
        return Reply(body={"accounts": [], "statuses": [status], "hashtags": []})

    stand_in.route("/api/v2/search", search)


def _source(org: Any, stand_in: StandIn, **values: Any) -> Source:
    fields: dict[str, Any] = {
        "name": "Masto",
        "kind": SourceKind.MASTODON,
        "url": stand_in.url,
        "queries": "haulright",
        "credential": TOKEN,
    }
    fields.update(values)
    return source_create(organization=org, **fields)


def test_the_column_holds_the_credential_encrypted(
    org: Any, stand_in: StandIn, settings: Any
) -> None:
    source = _source(org, stand_in)
    raw = _raw_column(source)
    assert raw and TOKEN not in raw and TOKEN[-12:] not in raw
    key = settings.SAYSO_ENCRYPTION_KEY.split(",")[0]
    assert Fernet(key.encode()).decrypt(raw.encode()) == TOKEN.encode()
    assert source.credential_masked == "••••" + TOKEN[-4:]


def test_the_connector_sends_the_stored_credential(org: Any, stand_in: StandIn) -> None:
    term_add(organization=org, kind=TermKind.BRAND, term="Haulright")
    _mastodon(stand_in)
    source = _source(org, stand_in)

    result = source_poll(source=Source.objects.get(pk=source.pk))

    assert result.ok and result.report.stored == 1
    (call,) = stand_in.calls("/api/v2/search")
    assert call.headers["authorization"] == f"Bearer {TOKEN}"


def test_the_page_never_shows_the_credential_and_keeps_replaces_or_removes_it(
    org: Any, admin: Any, stand_in: StandIn
) -> None:
    client = Client()
    client.force_login(admin)
    created = client.post(
        reverse("source-new", kwargs={"org": org.slug}),
        new_source_form(stand_in.url, credential=TOKEN),
    )
    assert created.status_code == 302
    source = Source.objects.get(organization=org)
    detail = reverse("source-detail", kwargs={"org": org.slug, "pk": source.pk})
    page = client.get(detail).content.decode()
    assert TOKEN not in page and TOKEN[:-4] not in page
    assert 'type="password" name="credential"' in page
    assert 'name="credential" value=' not in page
    assert "••••" + TOKEN[-4:] in page

    form = {"name": "Masto renamed", "url": stand_in.url, "queries": "haulright"}
    form["poll_interval_seconds"] = "300"
    form["enabled"] = "on"
    assert client.post(detail, {**form, "credential": ""}).status_code == 302
    source.refresh_from_db()
    assert source.name == "Masto renamed" and source.credential_value() == TOKEN

    assert client.post(detail, {**form, "credential": NEW_TOKEN}).status_code == 302
    source.refresh_from_db()
    assert source.credential_value() == NEW_TOKEN

    assert client.post(detail, {**form, "clear_credential": "on"}).status_code == 302
    source.refresh_from_db()
    assert source.credential == ""
    assert "Remove the stored credential" not in client.get(detail).content.decode()


def test_a_feed_takes_no_credential(org: Any) -> None:
    with pytest.raises(ValidationError, match="takes no credential"):
        source_create(
            organization=org,
            name="Blog",
            kind=SourceKind.RSS,
            url="https://blog.example.com/feed",
            credential=TOKEN,
        )


def test_credentials_survive_a_key_rotation(org: Any, stand_in: StandIn, settings: Any) -> None:
    old_key = settings.SAYSO_ENCRYPTION_KEY
    source = _source(org, stand_in)
    settings.SAYSO_ENCRYPTION_KEY = f"{Fernet.generate_key().decode()},{old_key}"

    assert Source.objects.get(pk=source.pk).credential_value() == TOKEN
    other = _source(org, stand_in, name="Second", credential=NEW_TOKEN)
    settings.SAYSO_ENCRYPTION_KEY = old_key  # the new key is needed for what it sealed
    assert Source.objects.get(pk=source.pk).credential_value() == TOKEN
    assert "unreadable" in Source.objects.get(pk=other.pk).credential_masked
