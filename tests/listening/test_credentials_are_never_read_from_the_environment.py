"""Issue 19, finding 1: an admin could name any environment variable of the server as a
source's credential (``credential_env: "DATABASE_URL"``) and have its value sent to the
source's URL. Sources no longer name variables, through the service, the form or the API, and
no environment value is ever sent."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from sayso.core.models import Role
from sayso.listening.models import Source, SourceKind, TermKind
from sayso.listening.services import source_create, source_poll, source_update, term_add
from tests import factories
from tests.listening.sources import mastodon_status, new_source_form
from tests.listening.stand_in import Reply, StandIn

DATABASE_URL = "postgres://sayso:hunter2-db-password@db.internal:5432/sayso"

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(org: Any) -> Any:
    return factories.make_member(org, Role.ADMIN, username="admin").user


@pytest.fixture
def server_secrets(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", DATABASE_URL)
    monkeypatch.setenv("SAYSO_SECRET_KEY", "the-server-secret-key")
    return DATABASE_URL


def _timeline(stand_in: StandIn) -> None:
    stand_in.route("/api/v1/timelines/tag/haulright", Reply(body=[mastodon_status()]))


def _everything_sent(stand_in: StandIn) -> str:
    return "\n".join(
        f"{r.method} {r.path} {r.query} {r.headers} {r.body!r}" for r in stand_in.requests
    )


def test_the_service_refuses_a_credential_variable(org: Any, server_secrets: str) -> None:
    with pytest.raises(ValidationError, match="no longer name an environment variable"):
        source_create(
            organization=org,
            name="Masto",
            kind=SourceKind.MASTODON,
            url="https://mastodon.example",
            queries="#haulright",
            credential_env="DATABASE_URL",
        )
    assert not Source.objects.exists()
    source = source_create(
        organization=org,
        name="Masto",
        kind=SourceKind.MASTODON,
        url="https://mastodon.example",
        queries="#haulright",
    )
    with pytest.raises(ValidationError, match="no longer name an environment variable"):
        source_update(source=source, credential_env="SAYSO_SECRET_KEY")
    source.refresh_from_db()
    assert source.credential == ""


def test_the_form_takes_no_variable_name_and_no_env_value_is_sent(
    org: Any, admin: Any, stand_in: StandIn, server_secrets: str
) -> None:
    term_add(organization=org, kind=TermKind.BRAND, term="Haulright")
    _timeline(stand_in)
    client = Client()
    client.force_login(admin)
    response = client.post(
        reverse("source-new", kwargs={"org": org.slug}),
        new_source_form(stand_in.url, credential_env="DATABASE_URL"),
    )
    assert response.status_code == 302
    source = Source.objects.get(organization=org)
    assert source.credential == ""
    page = client.get(reverse("source-detail", kwargs={"org": org.slug, "pk": source.pk}))
    assert "credential_env" not in page.content.decode()
    assert "Credential variable" not in page.content.decode()

    assert source_poll(source=source).ok

    sent = _everything_sent(stand_in)
    assert stand_in.requests and "authorization" not in stand_in.requests[0].headers
    assert "hunter2-db-password" not in sent and "the-server-secret-key" not in sent


def test_a_missing_variable_no_longer_tells_which_variables_exist(
    org: Any, stand_in: StandIn, server_secrets: str
) -> None:
    # The old error named the variable and said whether it was set: a probe of the server's
    # environment. A source now has its own credential or none.
    source = source_create(
        organization=org,
        name="Masto",
        kind=SourceKind.MASTODON,
        url=stand_in.url,
        queries="haulright",
    )
    result = source_poll(source=source)
    assert not result.ok
    assert "environment" not in result.error
    assert "enter an access token" in result.error
    assert stand_in.requests == []
