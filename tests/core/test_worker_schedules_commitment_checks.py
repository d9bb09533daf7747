"""`sayso worker` enqueues the periodic commitment check on the database queue and runs it;
`sayso tick` runs the same check (and the other periodic work) once, for cron."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from sayso.conversations import commitments
from sayso.conversations.models import Commitment, CommitmentStatus
from sayso.core.models import Role
from sayso.notifications.models import Alert, AlertKind
from tests import factories


@pytest.fixture
def database_queue(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "sayso.core.task_engine.embedded.EmbeddedBackend"}}


@pytest.fixture(autouse=True)
def _restore_signal_handlers() -> Iterator[None]:
    """The worker installs its own SIGINT/SIGTERM handlers; give pytest its own back."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def overdue_commitment(org: Any) -> Commitment:
    lead = factories.make_member(org, Role.MANAGER, username="lead").user
    owner = factories.make_member(org, Role.AGENT, username="owner", reports_to=lead).user
    case = factories.make_case(org, subject="Truck reservation", assignee=owner)
    return commitments.commitment_make(
        case=case,
        owner=owner,
        description="Call back by 5 pm",
        due_at=timezone.now() - timedelta(minutes=5),
        actor=owner,
        allow_past=True,
    )


@pytest.mark.django_db(transaction=True)
def test_worker_batch_enqueues_the_periodic_check_and_breaches_overdue_commitments(
    org: Any, database_queue: None
) -> None:
    commitment = overdue_commitment(org)

    call_command("worker", "--batch", verbosity=0)

    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.BREACHED
    check = DBTaskResult.objects.get(task_path="sayso.conversations.tasks.check_commitments")
    assert check.status == "SUCCESSFUL"
    assert check.return_value == [0, 1]
    # The breach alerts' emails were queued after commit and sent by the same batch.
    assert sorted(
        Alert.objects.filter(kind=AlertKind.COMMITMENT_BREACHED).values_list(
            "recipient__username", flat=True
        )
    ) == ["lead", "owner"]
    assert sorted(address for message in mail.outbox for address in message.to) == [
        "lead@staff.test",
        "owner@staff.test",
    ]


@pytest.mark.django_db(transaction=True)
def test_worker_batch_run_twice_alerts_once(org: Any, database_queue: None) -> None:
    overdue_commitment(org)

    call_command("worker", "--batch", verbosity=0)
    call_command("worker", "--batch", verbosity=0)

    # The second run falls in the same scheduler period: the check is not enqueued again.
    assert (
        DBTaskResult.objects.filter(
            task_path="sayso.conversations.tasks.check_commitments", status="SUCCESSFUL"
        ).count()
        == 1
    )
    assert Alert.objects.count() == 2
    assert len(mail.outbox) == 2


@pytest.mark.django_db(transaction=True)
def test_worker_without_the_scheduler_does_not_check_commitments(
    org: Any, database_queue: None
) -> None:
    commitment = overdue_commitment(org)

    call_command("worker", "--batch", "--no-scheduler", verbosity=0)

    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.OPEN
    assert not DBTaskResult.objects.filter(
        task_path="sayso.conversations.tasks.check_commitments"
    ).exists()


@pytest.mark.django_db
def test_tick_breaches_overdue_commitments_and_reports_it(
    org: Any, django_capture_on_commit_callbacks: Any
) -> None:
    commitment = overdue_commitment(org)
    out = StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("tick", stdout=out)

    assert out.getvalue().splitlines()[0] == "Reminded 0 commitment owner(s); 1 breach(es)."
    assert "Sent 0 digest(s)." in out.getvalue()
    assert "Queued polls of 0 listening source(s)." in out.getvalue()
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.BREACHED
    assert len(mail.outbox) == 2

    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("tick", stdout=out)
    assert out.getvalue().splitlines()[0] == "Reminded 0 commitment owner(s); 0 breach(es)."
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_tick_reminds_the_owner_of_a_commitment_due_soon(
    org: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SAYSO_COMMITMENT_REMINDER_MINUTES = 60
    owner = factories.make_member(org, Role.AGENT, username="owner").user
    factories.make_commitment(factories.make_case(org), owner, hours=0.5)
    out = StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("tick", stdout=out)

    assert out.getvalue().splitlines()[0] == "Reminded 1 commitment owner(s); 0 breach(es)."
    assert [message.to for message in mail.outbox] == [["owner@staff.test"]]
