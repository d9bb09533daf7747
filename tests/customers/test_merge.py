from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict

from sayso.conversations.models import Case, Commitment, Message
from sayso.customers import services
from sayso.customers.models import Customer, CustomerMerge, Identity, IdentityKind, TimelineEvent
from sayso.customers.selectors import merge_suggestions
from tests import factories


def _snapshot(org: Any) -> dict[str, dict[int, dict[str, Any]]]:
    rows: dict[str, dict[int, dict[str, Any]]] = {}
    for model in (Customer, Identity, Case, Message, Commitment, TimelineEvent):
        rows[model.__name__] = {
            obj.pk: {k: v for k, v in model_to_dict(obj).items() if k != "updated_at"}
            for obj in model.objects.filter(organization=org)
        }
    return rows


@pytest.mark.django_db
def test_merge_moves_everything_and_unmerge_restores_every_row(org: Any, agent: Any) -> None:
    a = factories.make_customer(
        org, "Ann Smith", "ann@example.com", mastodon="@ann@mastodon.social"
    )
    b = factories.make_customer(org, "A. Smith", "ann.smith@work.example")
    case_a = factories.make_case(org, a, subject="Truck booking")
    case_b = factories.make_case(org, b, subject="Invoice question")
    factories.make_commitment(case_b, agent)
    factories.inbound(org, case_b, "Any news?", external_id="<m1@example.com>")
    before = _snapshot(org)

    merge = services.customer_merge(source=b, target=a, actor=agent)

    b.refresh_from_db()
    assert b.merged_into == a
    for model in (Identity, Case, Message, Commitment):
        assert not model.objects.filter(customer=b).exists(), model
    assert set(Case.objects.filter(customer=a)) == {case_a, case_b}
    assert TimelineEvent.objects.filter(customer=a, kind="merge").exists()

    services.customer_unmerge(merge=merge, actor=agent)

    after = _snapshot(org)
    # Every row that existed before the merge is back exactly as it was; the only new rows
    # are the timeline entries recording the merge and its undoing.
    for name, rows in before.items():
        for pk, fields in rows.items():
            assert after[name][pk] == fields, (name, pk)
    new_events = set(after["TimelineEvent"]) - set(before["TimelineEvent"])
    kinds = sorted(TimelineEvent.objects.filter(pk__in=new_events).values_list("kind", flat=True))
    assert kinds == ["merge", "unmerge", "unmerge"]
    merge.refresh_from_db()
    assert merge.undone_at is not None


@pytest.mark.django_db
def test_merge_across_organizations_is_refused_and_changes_nothing(
    org: Any, other_org: Any
) -> None:
    a = factories.make_customer(org)
    b = factories.make_customer(other_org)
    with pytest.raises(ValidationError, match="different organizations"):
        services.customer_merge(source=b, target=a)
    b.refresh_from_db()
    assert b.merged_into is None
    assert not CustomerMerge.objects.exists()


@pytest.mark.django_db
def test_merge_refuses_same_customer_and_already_merged(org: Any) -> None:
    a = factories.make_customer(org)
    b = factories.make_customer(org)
    c = factories.make_customer(org)
    with pytest.raises(ValidationError):
        services.customer_merge(source=a, target=a)
    services.customer_merge(source=b, target=a)
    with pytest.raises(ValidationError, match="already merged"):
        services.customer_merge(source=b, target=c)


@pytest.mark.django_db
def test_unmerge_twice_is_refused(org: Any) -> None:
    a = factories.make_customer(org)
    b = factories.make_customer(org)
    merge = services.customer_merge(source=b, target=a)
    services.customer_unmerge(merge=merge)
    with pytest.raises(ValidationError, match="already undone"):
        services.customer_unmerge(merge=merge)


@pytest.mark.django_db
def test_shared_identity_value_suggests_a_merge(org: Any, other_org: Any) -> None:
    a = factories.make_customer(org, "Ann", "ann@example.com", phone="+1 555 010 0200")
    b = factories.make_customer(org, "Annie", "annie@example.com")
    services.identity_add(customer=b, kind=IdentityKind.PHONE, value="+1 (555) 010-0200")
    factories.make_customer(other_org, "Ann elsewhere", "x@example.com", phone="+15550100200")

    suggestions = merge_suggestions(organization=org)

    assert len(suggestions) == 1
    assert suggestions[0].kind == "phone"
    assert set(suggestions[0].customers) == {a, b}
    services.customer_merge(source=b, target=a)
    assert merge_suggestions(organization=org) == []
