from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from sayso.core.models import AuditEntry, Membership, Role
from tests import factories


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_admin_invites_a_new_person_who_chooses_a_password(
    org: Any, admin_user: Any, run_on_commit: Any
) -> None:
    url = reverse("members", kwargs={"org": org.slug})
    with run_on_commit(execute=True):
        response = _client(admin_user).post(
            url, {"email": "New.Agent@Haulright.example", "name": "Nia Agent", "role": "agent"}
        )
    assert response.status_code == 302
    membership = Membership.objects.get(organization=org, user__email="new.agent@haulright.example")
    assert membership.role == Role.AGENT
    assert not membership.user.has_usable_password()
    link = re.search(r"http://testserver(/staff/reset/[^\s]+/)", mail.outbox[-1].body)
    assert link is not None
    client = Client()
    page = client.get(link.group(1), follow=True)
    assert "Choose a password" in page.text
    response = client.post(
        page.redirect_chain[-1][0] if page.redirect_chain else link.group(1),
        {"new_password1": "a-long-new-password-42", "new_password2": "a-long-new-password-42"},
    )
    assert response.status_code == 302
    signed_in = Client().post(
        "/staff/login/",
        {"username": membership.user.username, "password": "a-long-new-password-42"},
    )
    assert signed_in.status_code == 302 and signed_in["Location"] == "/staff/"
    assert AuditEntry.objects.filter(action="membership.invite").exists()


@pytest.mark.django_db
def test_adding_an_existing_account_sends_no_invite(
    org: Any, admin_user: Any, other_org: Any
) -> None:
    person = factories.make_member(other_org, Role.AGENT, username="shared").user
    response = _client(admin_user).post(
        reverse("members", kwargs={"org": org.slug}), {"email": person.email, "role": "manager"}
    )
    assert response.status_code == 302
    assert Membership.objects.get(organization=org, user=person).role == Role.MANAGER
    assert mail.outbox == []
    again = _client(admin_user).post(
        reverse("members", kwargs={"org": org.slug}), {"email": person.email, "role": "agent"}
    )
    assert again.status_code == 400
    assert "already staff" in again.text


@pytest.mark.django_db
def test_only_admins_manage_staff(org: Any, agent: Any, manager: Any, outsider: Any) -> None:
    url = reverse("members", kwargs={"org": org.slug})
    assert _client(agent).get(url).status_code == 403
    assert _client(manager).get(url).status_code == 403
    assert _client(outsider).get(url).status_code == 404
    member = Membership.objects.get(organization=org, user=agent)
    update = reverse("member-update", kwargs={"org": org.slug, "pk": member.pk})
    assert _client(agent).post(update, {"role": "admin", "is_active": "on"}).status_code == 403
    member.refresh_from_db()
    assert member.role == Role.AGENT


@pytest.mark.django_db
def test_admin_changes_role_team_and_manager_and_deactivates(
    org: Any, admin_user: Any, agent: Any, manager: Any
) -> None:
    from sayso.core.services import team_create

    team = team_create(organization=org, name="Depot")
    member = Membership.objects.get(organization=org, user=agent)
    update = reverse("member-update", kwargs={"org": org.slug, "pk": member.pk})
    client = _client(admin_user)
    client.post(
        update,
        {"role": "manager", "team": str(team.pk), "reports_to": str(manager.pk), "is_active": "on"},
    )
    member.refresh_from_db()
    assert (member.role, member.team, member.reports_to) == (Role.MANAGER, team, manager)
    client.post(update, {"role": "manager"})  # unchecked "active" box
    member.refresh_from_db()
    assert member.is_active is False
    agent_client = _client(agent)
    assert agent_client.get(reverse("inbox", kwargs={"org": org.slug})).status_code == 404


@pytest.mark.django_db
def test_the_last_admin_cannot_be_demoted_or_removed(org: Any, admin_user: Any) -> None:
    member = Membership.objects.get(organization=org, user=admin_user)
    update = reverse("member-update", kwargs={"org": org.slug, "pk": member.pk})
    response = _client(admin_user).post(update, {"role": "agent", "is_active": "on"}, follow=True)
    assert "at least one admin" in response.text
    member.refresh_from_db()
    assert member.role == Role.ADMIN and member.is_active


@pytest.mark.django_db
def test_members_of_another_organization_cannot_be_edited(
    org: Any, admin_user: Any, outsider: Any, other_org: Any
) -> None:
    theirs = Membership.objects.get(organization=other_org, user=outsider)
    update = reverse("member-update", kwargs={"org": org.slug, "pk": theirs.pk})
    assert _client(admin_user).post(update, {"role": "agent"}).status_code == 404
    bad = _client(admin_user).post(
        reverse("members", kwargs={"org": org.slug}), {"email": "not-an-email", "role": "agent"}
    )
    assert bad.status_code == 400
