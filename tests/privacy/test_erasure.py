"""Erasure: after the waiting period nothing personal of the customer is left in any text
column; a failure midway changes nothing; a request can be cancelled while it waits."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from sayso.community.models import Comment, Vote
from sayso.consent.models import ConsentRecord
from sayso.conversations.models import Message
from sayso.core.models import AuditEntry
from sayso.customers.models import Customer, Identity
from sayso.notifications.models import OutgoingMail
from sayso.privacy import registry, services
from sayso.privacy.models import ErasureStatus
from tests.privacy.columns import occurrences, snapshot
from tests.privacy.conftest import BOB_EMAIL, DANA_EMAIL, NOTE, Seeded

pytestmark = pytest.mark.django_db


def _later(days: int = 15) -> Any:
    return timezone.now() + timedelta(days=days)


def test_erasure_leaves_no_personal_data_in_any_text_column(seeded: Seeded) -> None:
    terms = seeded.dana_terms()
    assert occurrences(terms, organization=seeded.org), "the seed holds Dana's data"
    erasure = services.erasure_request(customer=seeded.dana, by_customer=True)
    assert OutgoingMail.objects.filter(recipient=DANA_EMAIL).exists()  # the receipt

    assert services.erasures_run_due(now=timezone.now()) == {"done": 0, "failed": 0}
    assert services.erasures_run_due(now=_later()) == {"done": 1, "failed": 0}

    assert occurrences(terms, organization=seeded.org) == []
    erasure.refresh_from_db()
    assert erasure.status == ErasureStatus.DONE and erasure.summary["identities"] == 2
    dana = Customer.objects.get(pk=seeded.dana.pk)
    assert dana.erased_at is not None and dana.display_name == "Former customer"
    assert not Identity.objects.filter(customer=dana).exists()
    own = Message.objects.filter(customer=dana, direction="inbound")
    assert {m.body for m in own} == {"[erased]"}
    reply = Message.objects.get(customer=dana, direction="outbound", visibility="private")
    assert "refund is on its way" in reply.body and "Any news" not in reply.body
    # Consent kept as anonymized proof; votes and the public comment kept (policy "keep").
    assert ConsentRecord.objects.filter(customer=dana).count() == 1
    assert Vote.objects.filter(customer=dana).exists()
    assert Comment.objects.get(author=dana).body.startswith("I'd use this every month")
    assert AuditEntry.objects.filter(action="privacy.erasure_done").exists()
    # Bob's data and the other organization's customer with the same address are untouched.
    assert occurrences([BOB_EMAIL, "Bob Ostrander"], organization=seeded.org)
    assert Identity.objects.filter(customer=seeded.bob, value=BOB_EMAIL).exists()
    assert Identity.objects.filter(customer=seeded.twin, value=DANA_EMAIL).exists()
    assert Message.objects.filter(customer=seeded.bob).first().body.startswith("Hi, Bob here")
    # Nothing else anywhere (another organization's rows aside).
    assert [o for o in occurrences(terms) if not _of_other_org(o, seeded)] == []
    # Running again does nothing more.
    assert services.erasures_run_due(now=_later(16)) == {"done": 0, "failed": 0}


def _of_other_org(occurrence: str, seeded: Seeded) -> bool:
    from django.apps import apps

    field_label, pk = occurrence.split(":", 1)[0].rsplit("#", 1)
    model = apps.get_model(field_label.rsplit(".", 1)[0])
    row = model._default_manager.filter(pk=pk).first()
    return getattr(row, "organization_id", None) == seeded.other_org.pk or (
        model.__name__ == "Customer" and int(pk) == seeded.twin.pk
    )


@override_settings(SAYSO_ERASURE_PUBLIC_POSTS="remove")
def test_public_posts_are_removed_when_the_policy_says_so(seeded: Seeded) -> None:
    services.erasure_request(customer=seeded.dana, by_customer=True)
    services.erasures_run_due(now=_later())
    assert not Comment.objects.filter(author=seeded.dana).exists()
    assert Vote.objects.filter(customer=seeded.dana).exists()  # a vote is not a post


def test_a_failure_midway_changes_nothing(seeded: Seeded, monkeypatch: Any) -> None:
    erasure = services.erasure_request(customer=seeded.dana, by_customer=True)
    before = snapshot()
    intents = registry._providers["intents"]

    def fail(context: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setitem(registry._providers, "intents", dataclasses.replace(intents, erase=fail))
    assert services.erasures_run_due(now=_later()) == {"done": 0, "failed": 1}
    after = snapshot()
    erasure.refresh_from_db()
    assert erasure.status == ErasureStatus.FAILED and "disk full" in erasure.last_error
    changed = [label for label in before if before[label] != after[label]]
    assert changed == ["privacy.ErasureRequest"]
    # The next run, without the failure, erases.
    monkeypatch.setitem(registry._providers, "intents", intents)
    assert services.erasures_run_due(now=_later()) == {"done": 1, "failed": 0}
    assert occurrences(seeded.dana_terms(), organization=seeded.org) == []


def test_cancel_during_the_waiting_period(seeded: Seeded) -> None:
    erasure = services.erasure_request(customer=seeded.dana, by_customer=True)
    again = services.erasure_request(customer=seeded.dana, by_customer=True)
    assert again.pk == erasure.pk
    services.erasure_cancel(erasure=erasure, by_customer=True)
    assert services.erasures_run_due(now=_later()) == {"done": 0, "failed": 0}
    assert Identity.objects.filter(customer=seeded.dana, value=DANA_EMAIL).exists()
    with pytest.raises(ValidationError):
        services.erasure_cancel(erasure=erasure, by_customer=True)
    assert seeded.dana.timeline.filter(kind="erasure_cancelled").count() == 1
    # A new request may follow a cancelled one.
    assert services.erasure_request(customer=seeded.dana, by_customer=True).pk != erasure.pk


def test_internal_notes_of_an_erased_customer_lose_their_name(seeded: Seeded) -> None:
    services.erasure_request(customer=seeded.dana, by_customer=False, actor=seeded.manager)
    services.erasures_run_due(now=_later())
    note = Message.objects.get(customer=seeded.dana, visibility="internal")
    # The staff's own words stay; it held no full name or address of hers.
    assert note.body == NOTE


def test_the_periodic_task_is_declared_and_runs_due_erasures(seeded: Seeded) -> None:
    from sayso.core.scheduler import periodic_tasks
    from sayso.privacy.tasks import erasures_run_due

    paths = {task.module_path for task in periodic_tasks()}
    assert "sayso.privacy.tasks.erasures_run_due" in paths
    erasure = services.erasure_request(customer=seeded.dana, by_customer=True)
    assert erasures_run_due.call() == 0  # still waiting
    type(erasure).objects.filter(pk=erasure.pk).update(due_at=timezone.now())
    assert erasures_run_due.call() == 1
    assert Customer.objects.get(pk=seeded.dana.pk).erased_at is not None


def test_another_organization_is_never_touched(seeded: Seeded) -> None:
    """Not its customer with the same address, nor an organization named after her."""
    from sayso.core.models import Organization

    Organization.objects.filter(pk=seeded.other_org.pk).update(name="Dana Whitfield Consulting")
    services.erasure_request(customer=seeded.dana, by_customer=True)
    services.erasures_run_due(now=_later())
    assert Organization.objects.get(pk=seeded.other_org.pk).name == "Dana Whitfield Consulting"
    twin = Customer.objects.get(pk=seeded.twin.pk)
    assert twin.display_name == "Dana Whitfield" and twin.erased_at is None
