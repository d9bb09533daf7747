"""The staff page of dead letters: an organization's admins see and retry their own, nobody
else's; a site superuser sees every organization's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from sayso.core.models import DeadLetter, Role
from tests import factories
from tests.core.engine_tasks import fails_fast


@pytest.fixture
def embedded(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "sayso.core.task_engine.embedded.EmbeddedBackend"}}


@pytest.mark.django_db(transaction=True)
def test_admin_sees_and_retries_own_dead_letters_only(
    org: Any, other_org: Any, admin_user: Any, outsider: Any, embedded: None, tmp_path: Path
) -> None:
    mine, theirs = tmp_path / "mine", tmp_path / "theirs"
    mine.mkdir(), theirs.mkdir()
    fails_fast.enqueue(str(mine), organization_id=org.pk)
    fails_fast.enqueue(str(theirs), organization_id=other_org.pk)
    call_command("worker", "--batch", "--no-scheduler", verbosity=0)
    own = DeadLetter.objects.get(organization=org)
    other = DeadLetter.objects.get(organization=other_org)

    client = Client()
    client.force_login(admin_user)
    page = client.get(f"/staff/{org.slug}/tasks/dead/").content.decode()
    assert str(mine) in page and "the receiving service said no" in page
    assert str(theirs) not in page
    # Another organization's dead letter is not found through this organization's page.
    assert client.post(f"/staff/{org.slug}/tasks/dead/{other.pk}/retry/").status_code == 404

    response = client.post(f"/staff/{org.slug}/tasks/dead/{own.pk}/retry/")
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.retried_at is not None and own.retried_by == admin_user
    # A second click changes nothing.
    client.post(f"/staff/{org.slug}/tasks/dead/{own.pk}/retry/")
    call_command("worker", "--batch", "--no-scheduler", verbosity=0)
    assert len((mine / "attempts").read_text().splitlines()) == 3
    assert len((theirs / "attempts").read_text().splitlines()) == 2

    outsider_client = Client()
    outsider_client.force_login(outsider)
    assert (
        str(mine)
        not in outsider_client.get(f"/staff/{other_org.slug}/tasks/dead/").content.decode()
    )


@pytest.mark.django_db(transaction=True)
def test_agents_cannot_see_dead_letters_and_superusers_see_all(
    org: Any, other_org: Any, agent: Any, embedded: None, tmp_path: Path
) -> None:
    fails_fast.enqueue(str(tmp_path), organization_id=other_org.pk)
    call_command("worker", "--batch", "--no-scheduler", verbosity=0)
    client = Client()
    client.force_login(agent)
    assert client.get(f"/staff/{org.slug}/tasks/dead/").status_code == 403

    root = factories.make_member(org, Role.ADMIN, username="root").user
    root.is_superuser = True
    root.save()
    client.force_login(root)
    page = client.get(f"/staff/{org.slug}/tasks/dead/").content.decode()
    assert str(tmp_path) in page and "Rival Vans" in page


@pytest.mark.django_db(transaction=True)
def test_api_lists_and_retries_the_tokens_organizations_dead_letters(
    org: Any, admin_user: Any, embedded: None, tmp_path: Path
) -> None:
    from sayso.core.services import api_token_create

    fails_fast.enqueue(str(tmp_path), organization_id=org.pk)
    call_command("worker", "--batch", "--no-scheduler", verbosity=0)
    membership = admin_user.memberships.get(organization=org)
    _, raw = api_token_create(
        membership=membership, name="ops", scopes=["tasks:read", "tasks:write"]
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    listed = client.get("/api/v1/tasks/dead").json()
    assert [d["task"] for d in listed] == ["tests.core.engine_tasks.fails_fast"]
    assert listed[0]["attempts"] == 2
    first = client.post(f"/api/v1/tasks/dead/{listed[0]['id']}/retry").json()
    second = client.post(f"/api/v1/tasks/dead/{listed[0]['id']}/retry").json()
    assert (first, second) == ({"retried": True}, {"retried": False})
    assert client.post("/api/v1/tasks/dead/999999/retry").status_code == 404
