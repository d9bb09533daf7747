"""The API of intents, offers, stages and deals: the guard's door, clear 4xx for bad input, and
one organization never seeing another's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sayso.core.models import Role
from sayso.customers.models import TimelineKind
from sayso.deals import intents, process, services
from sayso.deals.models import Deal, DealStatus, Intent, IntentVisibility, Offer, SellingStage
from tests import factories
from tests.api.conftest import Api, make_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client: Any, org: Any, agent: Any) -> Api:
    return Api(client, make_token(agent, org))


@pytest.fixture
def admin_api(client: Any, org: Any, admin_user: Any) -> Api:
    return Api(client, make_token(admin_user, org))


def _later(**delta: float) -> str:
    return (timezone.now() + timedelta(**delta)).isoformat()


def _intent(org: Any, customer: Any, **extra: Any) -> Intent:
    return intents.intent_publish(
        organization=org,
        customer=customer,
        title="40 seats by March, annual billing",
        budget="12000",
        deadline=timezone.now() + timedelta(days=2),
        **extra,
    )


def test_lists_and_reads_the_intents_visible_to_the_organization(
    api: Api, org: Any, other_org: Any, customer: Any
) -> None:
    intent = _intent(org, customer)
    rival_customer = factories.make_customer(other_org, "Rita", "rita@rival.test")
    _intent(other_org, rival_customer)

    listed = api.get("/intents")
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert [i["id"] for i in items] == [intent.pk]
    assert items[0]["own_customer"] is True
    assert items[0]["customer_name"] == "Ada Lovelace"
    assert api.get(f"/intents/{intent.pk}").json()["title"] == intent.title
    assert api.get("/intents", answered="true").json()["items"] == []
    assert api.get("/intents", budget_min="20000").json()["items"] == []


def test_another_organizations_intent_shows_the_public_name_only(
    api: Api, org: Any, other_org: Any
) -> None:
    intents.category_add(organization=org, name="Seats")
    theirs = intents.category_add(organization=other_org, name="seats")
    rita = factories.make_customer(other_org, "Rita Rival", "rita@rival.test")
    intent = _intent(other_org, rita, category_id=theirs.pk, visibility=IntentVisibility.CATEGORY)
    body = api.get(f"/intents/{intent.pk}").json()
    assert body["own_customer"] is False
    assert body["customer_id"] is None
    assert body["customer_name"] == rita.public_name
    assert "rita@rival.test" not in api.get("/intents").content.decode()


def test_an_unknown_category_filter_is_422(api: Api) -> None:
    response = api.get("/intents", category="Submarines")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "category"]


def test_an_offer_goes_through_the_guard(api: Api, org: Any, customer: Any) -> None:
    intent = _intent(org, customer)
    response = api.post(
        f"/intents/{intent.pk}/offers",
        {"price": "11500", "currency": "usd", "terms": "Annual", "valid_until": _later(days=9)},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "sent"
    assert body["currency"] == "USD"
    assert [o["id"] for o in api.get(f"/intents/{intent.pk}/offers").json()["items"]] == [
        body["id"]
    ]
    assert customer.timeline.filter(kind=TimelineKind.OFFER_RECEIVED).count() == 1


def test_a_retried_offer_with_the_same_key_is_one_offer(api: Api, org: Any, customer: Any) -> None:
    intent = _intent(org, customer)
    body = {"price": "100", "valid_until": _later(days=1), "idempotency_key": "k-1"}
    first = api.post(f"/intents/{intent.pk}/offers", body)
    second = api.post(f"/intents/{intent.pk}/offers", body)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert Offer.objects.count() == 1


def test_an_offer_on_a_closed_intent_is_409_with_the_reason(
    api: Api, org: Any, customer: Any
) -> None:
    intent = _intent(org, customer)
    intents.intents_close_due(now=intent.deadline)
    response = api.post(
        f"/intents/{intent.pk}/offers", {"price": "100", "valid_until": _later(days=1)}
    )
    assert response.status_code == 409
    assert "closed on" in response.json()["detail"]
    # The attempt is recorded, blocked, and the customer sees it on their timeline.
    assert Offer.objects.get().status == "blocked"
    assert customer.timeline.filter(kind=TimelineKind.OUTREACH_BLOCKED).exists()
    assert not customer.timeline.filter(kind=TimelineKind.OFFER_RECEIVED).exists()


@pytest.mark.parametrize(
    "valid_until", ["2001-01-01T00:00:00Z", "2999-01-01T09:00:00"], ids=["past", "naive"]
)
def test_a_validity_in_the_past_or_without_zone_is_422(
    api: Api, org: Any, customer: Any, valid_until: str
) -> None:
    intent = _intent(org, customer)
    response = api.post(
        f"/intents/{intent.pk}/offers", {"price": "100", "valid_until": valid_until}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "valid_until"
    assert not Offer.objects.exists()


def test_a_zero_price_is_422(api: Api, org: Any, customer: Any) -> None:
    intent = _intent(org, customer)
    response = api.post(
        f"/intents/{intent.pk}/offers", {"price": "0", "valid_until": _later(days=1)}
    )
    assert response.status_code == 422


def test_another_organizations_intent_is_404(api: Api, other_org: Any) -> None:
    rita = factories.make_customer(other_org, "Rita", "rita@rival.test")
    intent = _intent(other_org, rita)
    assert api.get(f"/intents/{intent.pk}").status_code == 404
    response = api.post(
        f"/intents/{intent.pk}/offers", {"price": "100", "valid_until": _later(days=1)}
    )
    assert response.status_code == 404
    assert not Offer.objects.exists()


def test_only_admins_write_stages(api: Api, admin_api: Api, org: Any) -> None:
    assert api.post("/selling/stages", {"name": "Enquiry"}).status_code == 403
    created = admin_api.post("/selling/stages", {"name": "Enquiry", "usual_duration": "same day"})
    assert created.status_code == 201
    quote = admin_api.post("/selling/stages", {"name": "Quote", "position": 1})
    assert quote.status_code == 201
    names = [s["name"] for s in api.get("/selling/stages").json()]
    assert names == ["Quote", "Enquiry"]
    stage_id = created.json()["id"]
    patched = admin_api.patch(f"/selling/stages/{stage_id}", {"cost_to_leave": "Nothing"})
    assert patched.json()["cost_to_leave"] == "Nothing"
    assert admin_api.post("/selling/stages", {"name": "quote"}).status_code == 400
    assert admin_api.delete(f"/selling/stages/{stage_id}").status_code == 204
    assert SellingStage.objects.count() == 1


def test_deals_open_move_pause_and_withdraw(api: Api, org: Any, customer: Any, agent: Any) -> None:
    first = process.stage_create(organization=org, name="Quote")
    second = process.stage_create(organization=org, name="Contract")
    created = api.post(
        "/deals",
        {"customer_id": customer.pk, "title": "40 seats", "value": "11500", "currency": "eur"},
    )
    assert created.status_code == 201, created.content
    deal = created.json()
    assert deal["stage"]["id"] == first.pk and deal["owner"]["id"] == agent.pk
    assert deal["currency"] == "EUR"
    moved = api.post(f"/deals/{deal['id']}/stage", {"stage_id": second.pk, "next_step": "Sign"})
    assert moved.json()["stage"]["name"] == "Contract"
    assert moved.json()["next_step"] == "Sign"
    paused = api.post(f"/deals/{deal['id']}/pause", {"reason": "Budget review"})
    assert paused.json()["status"] == DealStatus.PAUSED
    assert api.post(f"/deals/{deal['id']}/stage", {"stage_id": first.pk}).status_code == 400
    assert api.post(f"/deals/{deal['id']}/resume").json()["status"] == DealStatus.ACTIVE
    assert api.post(f"/deals/{deal['id']}/withdraw").json()["status"] == DealStatus.WITHDRAWN
    assert api.post(f"/deals/{deal['id']}/withdraw").status_code == 200  # idempotent
    kinds = set(customer.timeline.values_list("kind", flat=True))
    assert {
        TimelineKind.DEAL_OPENED,
        TimelineKind.DEAL_STAGE,
        TimelineKind.DEAL_PAUSED,
        TimelineKind.DEAL_RESUMED,
        TimelineKind.DEAL_WITHDRAWN,
    } <= kinds
    assert [d["id"] for d in api.get("/deals", status="withdrawn").json()["items"]] == [deal["id"]]


def test_an_unknown_stage_is_422(api: Api, org: Any, other_org: Any, customer: Any) -> None:
    theirs = process.stage_create(organization=other_org, name="Theirs")
    response = api.post("/deals", {"customer_id": customer.pk, "title": "x", "stage_id": theirs.pk})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "stage_id"
    assert not Deal.objects.exists()


def test_a_promise_in_a_deal_is_a_commitment_on_its_case(
    api: Api, org: Any, customer: Any, agent: Any
) -> None:
    deal = services.deal_create(organization=org, customer=customer, title="Truck", actor=agent)
    response = api.post(
        f"/deals/{deal.pk}/promises",
        {"description": "Hold the truck until Friday", "due_at": _later(days=2)},
    )
    assert response.status_code == 201, response.content
    deal.refresh_from_db()
    assert deal.case is not None
    assert response.json()["case_number"] == deal.case.number
    assert deal.case.commitments.get().owner == agent
    again = api.post(
        f"/deals/{deal.pk}/promises", {"description": "Call back", "due_at": _later(days=1)}
    )
    assert again.json()["case_number"] == deal.case.number  # one case per deal


def test_deals_of_another_organization_are_404(api: Api, other_org: Any) -> None:
    rival = factories.make_member(other_org, Role.AGENT).user
    rita = factories.make_customer(other_org, "Rita", "rita@rival.test")
    deal = services.deal_create(organization=other_org, customer=rita, title="x", actor=rival)
    assert api.get(f"/deals/{deal.pk}").status_code == 404
    assert api.post(f"/deals/{deal.pk}/pause").status_code == 404
    assert api.get("/deals").json()["items"] == []
