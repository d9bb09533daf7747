"""Writes for an organization's selling process: its stages, in order, and the promises it
makes every customer. One transaction each."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from sayso.core.models import Organization
from sayso.core.services import audit_record
from sayso.deals.checks import clean_line, clean_text
from sayso.deals.models import Deal, SellingPromise, SellingStage


def _stage_fields(
    *, name: str, what_happens: str, usual_duration: str, cost_to_leave: str
) -> dict[str, str]:
    return {
        "name": clean_line(name, field="A stage's name", maximum=120, required=True),
        "what_happens": clean_text(what_happens, field="What happens", maximum=2000),
        "usual_duration": clean_line(usual_duration, field="The usual duration", maximum=120),
        "cost_to_leave": clean_line(cost_to_leave, field="What it costs to leave", maximum=300),
    }


def _unique_stage_name(organization: Organization, name: str, exclude: int | None = None) -> None:
    same = SellingStage.objects.filter(organization=organization, name__iexact=name)
    if exclude is not None:
        same = same.exclude(pk=exclude)
    if same.exists():
        raise ValidationError(f"There is already a stage called “{name}”.")


@transaction.atomic
def stage_create(
    *,
    organization: Organization,
    name: str,
    what_happens: str = "",
    usual_duration: str = "",
    cost_to_leave: str = "",
    position: int | None = None,
    actor: Any = None,
) -> SellingStage:
    """Add a stage (at the end unless ``position`` says where, counted from 1)."""
    fields = _stage_fields(
        name=name,
        what_happens=what_happens,
        usual_duration=usual_duration,
        cost_to_leave=cost_to_leave,
    )
    _unique_stage_name(organization, fields["name"])
    last = SellingStage.objects.filter(organization=organization).aggregate(m=Max("position"))
    stage = SellingStage.objects.create(
        organization=organization, position=(last["m"] or 0) + 1, **fields
    )
    if position is not None:
        stage_move(stage=stage, position=position)
    if actor is not None:
        audit_record(organization=organization, actor=actor, action="stage.create", obj=stage)
    stage.refresh_from_db()
    return stage


@transaction.atomic
def stage_update(*, stage: SellingStage, actor: Any = None, **changes: Any) -> SellingStage:
    """Change a stage's name, description, usual duration, cost to leave or ``position``."""
    position = changes.pop("position", None)
    current = {
        "name": stage.name,
        "what_happens": stage.what_happens,
        "usual_duration": stage.usual_duration,
        "cost_to_leave": stage.cost_to_leave,
    }
    unknown = set(changes) - set(current)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    fields = _stage_fields(**{**current, **{k: v for k, v in changes.items() if v is not None}})
    _unique_stage_name(stage.organization, fields["name"], exclude=stage.pk)
    for name, value in fields.items():
        setattr(stage, name, value)
    stage.save()
    if position is not None:
        stage_move(stage=stage, position=position)
    if actor is not None:
        audit_record(organization=stage.organization, actor=actor, action="stage.update", obj=stage)
    stage.refresh_from_db()
    return stage


def stage_move(*, stage: SellingStage, position: int) -> None:
    """Put a stage at ``position`` (1 = first) and number the others around it."""
    stages = [s for s in SellingStage.objects.filter(organization=stage.organization) if s != stage]
    index = max(0, min(int(position) - 1, len(stages)))
    stages.insert(index, stage)
    for number, item in enumerate(stages, start=1):
        if item.position != number:
            SellingStage.objects.filter(pk=item.pk).update(position=number)


@transaction.atomic
def stage_delete(*, stage: SellingStage, actor: Any = None) -> None:
    """Remove a stage no deal is in."""
    if Deal.objects.filter(stage=stage).exists():
        raise ValidationError(f"Deals are in the stage “{stage.name}”: move them first.")
    if actor is not None:
        audit_record(organization=stage.organization, actor=actor, action="stage.delete", obj=stage)
    organization = stage.organization
    stage.delete()
    for number, item in enumerate(SellingStage.objects.filter(organization=organization), 1):
        SellingStage.objects.filter(pk=item.pk).update(position=number)


@transaction.atomic
def promise_add(*, organization: Organization, text: str, actor: Any = None) -> SellingPromise:
    clean = clean_line(text, field="A promise", maximum=300, required=True)
    last = SellingPromise.objects.filter(organization=organization).aggregate(m=Max("position"))
    promise = SellingPromise.objects.create(
        organization=organization, text=clean, position=(last["m"] or 0) + 1
    )
    if actor is not None:
        audit_record(organization=organization, actor=actor, action="promise.add", obj=promise)
    return promise


@transaction.atomic
def promise_remove(*, promise: SellingPromise, actor: Any = None) -> None:
    if actor is not None:
        audit_record(
            organization=promise.organization, actor=actor, action="promise.remove", obj=promise
        )
    promise.delete()
