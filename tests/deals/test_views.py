"""The web pages of intents, offers, the selling process and deals: the customer's portal pages,
the staff queue and pages, the public process page; bad input answered with a clear 4xx."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sayso.customers.models import TimelineKind
from sayso.deals import intents, process, services
from sayso.deals.models import Deal, DealStatus, Intent, IntentStatus, SellingStage
from sayso.notifications.models import Alert
from tests import factories

pytestmark = pytest.mark.django_db

WHEN = "%Y-%m-%dT%H:%M"


def _portal(org: Any, customer: Any) -> Client:
    client = Client()
    session = client.session
    session[f"portal-customer:{org.pk}"] = customer.pk
    session.save()
    return client


def _staff(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(**extra: Any) -> dict[str, Any]:
    data = {
        "title": "A 16 ft truck, Denver → Austin",
        "budget": "900",
        "currency": "USD",
        "reply_channel": "email",
        "visibility": "organization",
        "deadline": (timezone.localtime() + timedelta(days=3)).strftime(WHEN),
        "submission_id": "c" * 32,
    }
    data.update(extra)
    return data


def test_a_customer_publishes_an_intent_in_the_portal(org: Any, customer: Any) -> None:
    client = _portal(org, customer)
    assert client.get("/o/haulright/intents/new/").status_code == 200
    response = client.post("/o/haulright/intents/new/", _form())
    intent = Intent.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/o/haulright/intents/{intent.pk}/"
    client.post("/o/haulright/intents/new/", _form())  # a double click
    assert Intent.objects.count() == 1
    page = client.get(f"/o/haulright/intents/{intent.pk}/")
    assert "A 16 ft truck" in page.content.decode() and "No offers yet" in page.content.decode()
    assert "A 16 ft truck" in client.get("/o/haulright/intents/").content.decode()


def test_a_deadline_in_the_past_is_a_400_that_says_so(org: Any, customer: Any) -> None:
    past = (timezone.localtime() - timedelta(hours=1)).strftime(WHEN)
    response = _portal(org, customer).post("/o/haulright/intents/new/", _form(deadline=past))
    assert response.status_code == 400
    assert "deadline must be in the future" in response.content.decode()
    assert not Intent.objects.exists()


def test_another_customers_intent_is_not_found(org: Any, customer: Any) -> None:
    intent = intents.intent_publish(
        organization=org,
        customer=customer,
        title="Mine",
        deadline=timezone.now() + timedelta(days=1),
    )
    eve = factories.make_customer(org, "Eve", "eve@example.com")
    client = _portal(org, eve)
    assert client.get(f"/o/haulright/intents/{intent.pk}/").status_code == 404
    assert client.post(f"/o/haulright/intents/{intent.pk}/withdraw/").status_code == 404
    intent.refresh_from_db()
    assert intent.status == IntentStatus.OPEN


def test_the_customer_edits_and_withdraws_their_intent(org: Any, customer: Any) -> None:
    client = _portal(org, customer)
    client.post("/o/haulright/intents/new/", _form())
    intent = Intent.objects.get()
    # The edit form starts from what the customer set.
    page = client.get(f"/o/haulright/intents/{intent.pk}/edit/").content.decode()
    assert 'value="A 16 ft truck, Denver → Austin"' in page and 'value="900' in page
    response = client.post(
        f"/o/haulright/intents/{intent.pk}/edit/", _form(title="A 20 ft truck", budget="1100")
    )
    assert response.status_code == 302
    intent.refresh_from_db()
    assert intent.title == "A 20 ft truck" and intent.budget == 1100
    client.post(f"/o/haulright/intents/{intent.pk}/withdraw/")
    intent.refresh_from_db()
    assert intent.status == IntentStatus.WITHDRAWN
    assert client.post(f"/o/haulright/intents/{intent.pk}/edit/", _form()).status_code == 400


def test_the_staff_queue_filters_and_answers(
    org: Any, customer: Any, agent: Any, other_org: Any
) -> None:
    intents.category_add(organization=org, name="Trucks")
    soon = intents.intent_publish(
        organization=org,
        customer=customer,
        title="Soon truck",
        budget="500",
        deadline=timezone.now() + timedelta(hours=10),
    )
    intents.intent_publish(
        organization=org,
        customer=customer,
        title="Later truck",
        budget="5000",
        deadline=timezone.now() + timedelta(days=20),
    )
    rita = factories.make_customer(other_org, "Rita", "rita@rival.test")
    intents.intent_publish(
        organization=other_org,
        customer=rita,
        title="Rival's secret",
        deadline=timezone.now() + timedelta(days=1),
    )
    client = _staff(agent)
    page = client.get("/staff/haulright/sales/intents/").content.decode()
    assert "Soon truck" in page and "Later truck" in page and "Rival's secret" not in page
    cheap = client.get("/staff/haulright/sales/intents/?budget_max=1000").content.decode()
    assert "Soon truck" in cheap and "Later truck" not in cheap
    urgent = client.get("/staff/haulright/sales/intents/?deadline_within=1").content.decode()
    assert "Soon truck" in urgent and "Later truck" not in urgent
    junk = client.get("/staff/haulright/sales/intents/?budget_min=abc&deadline_within=x")
    assert junk.status_code == 200

    valid = (timezone.localtime() + timedelta(days=2)).strftime(WHEN)
    response = client.post(
        f"/staff/haulright/sales/intents/{soon.pk}/",
        {"price": "480", "currency": "USD", "terms": "", "valid_until": valid},
    )
    assert response.status_code == 302
    unanswered = client.get("/staff/haulright/sales/intents/?answered=no").content.decode()
    assert "Soon truck" not in unanswered and "Later truck" in unanswered
    bad = client.post(
        f"/staff/haulright/sales/intents/{soon.pk}/",
        {"price": "-1", "currency": "USD", "valid_until": valid},
    )
    assert bad.status_code == 400


def test_the_selling_process_is_edited_by_admins_and_published(
    org: Any, agent: Any, admin_user: Any
) -> None:
    refused = _staff(agent).post(
        "/staff/haulright/sales/process/", {"action": "stage-add", "name": "Quote"}
    )
    assert refused.status_code == 403
    admin = _staff(admin_user)
    for name in ("Enquiry", "Quote"):
        admin.post(
            "/staff/haulright/sales/process/",
            {"action": "stage-add", "name": name, "cost_to_leave": "Nothing"},
        )
    quote = SellingStage.objects.get(name="Quote")
    admin.post(
        "/staff/haulright/sales/process/",
        {"action": "stage-update", "pk": quote.pk, "name": "Quote", "position": "1"},
    )
    admin.post(
        "/staff/haulright/sales/process/",
        {"action": "promise-add", "text": "No calls after a quote unless you ask."},
    )
    missing = admin.post(
        "/staff/haulright/sales/process/", {"action": "stage-delete", "pk": "999999"}
    )
    assert missing.status_code == 404
    public = Client().get("/o/haulright/how-we-sell/").content.decode()
    assert public.index("Quote") < public.index("Enquiry")
    assert "No calls after a quote unless you ask." in public


def test_the_customer_pauses_a_deal_and_its_owner_is_alerted(
    org: Any, customer: Any, agent: Any
) -> None:
    stage = process.stage_create(organization=org, name="Reservation")
    deal = services.deal_create(
        organization=org, customer=customer, title="Truck", actor=agent, next_step="Call"
    )
    client = _portal(org, customer)
    page = client.get(f"/o/haulright/deals/{deal.pk}/").content.decode()
    assert stage.name in page and "Call" in page
    client.post(f"/o/haulright/deals/{deal.pk}/pause/", {"reason": "Moving later"})
    deal.refresh_from_db()
    assert deal.status == DealStatus.PAUSED and deal.status_reason == "Moving later"
    alert = Alert.objects.get(recipient=agent)
    assert "paused" in alert.text
    client.post(f"/o/haulright/deals/{deal.pk}/withdraw/")
    deal.refresh_from_db()
    assert deal.status == DealStatus.WITHDRAWN
    assert customer.timeline.filter(kind=TimelineKind.DEAL_WITHDRAWN).exists()
    eve = factories.make_customer(org, "Eve", "eve@example.com")
    assert _portal(org, eve).get(f"/o/haulright/deals/{deal.pk}/").status_code == 404


def test_staff_move_a_deal_and_make_a_promise_in_it(org: Any, customer: Any, agent: Any) -> None:
    process.stage_create(organization=org, name="Reservation")
    pickup = process.stage_create(organization=org, name="Pick-up")
    deal = services.deal_create(organization=org, customer=customer, title="Truck", actor=agent)
    client = _staff(agent)
    client.post(
        f"/staff/haulright/sales/deals/{deal.pk}/",
        {"action": "move", "stage": pickup.pk, "next_step": "Hand over keys"},
    )
    due = (timezone.localtime() + timedelta(days=2)).strftime(WHEN)
    client.post(
        f"/staff/haulright/sales/deals/{deal.pk}/",
        {"action": "promise", "description": "Hold the truck until Friday", "due_at": due},
    )
    deal = Deal.objects.get()
    assert deal.stage == pickup and deal.next_step == "Hand over keys"
    assert deal.case is not None
    assert deal.case.commitments.get().description == "Hold the truck until Friday"
    unknown = client.post(f"/staff/haulright/sales/deals/{deal.pk}/", {"action": "explode"})
    assert unknown.status_code == 400
    page = client.get(f"/staff/haulright/sales/deals/{deal.pk}/").content.decode()
    assert "Hold the truck until Friday" in page


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_list_pages_take_as_many_queries_for_many_rows_as_for_one(
    org: Any, customer: Any, agent: Any
) -> None:
    """The staff intents queue and deals list, and the customer's intents and deals: the same
    number of queries whatever the number of rows."""
    process.stage_create(organization=org, name="Reservation")
    staff, portal = _staff(agent), _portal(org, customer)
    pages = [
        (staff, "/staff/haulright/sales/intents/"),
        (staff, "/staff/haulright/sales/deals/"),
        (portal, "/o/haulright/intents/"),
        (portal, "/o/haulright/deals/"),
    ]

    def add(n: int) -> None:
        for i in range(n):
            intent = intents.intent_publish(
                organization=org,
                customer=customer,
                title=f"Truck {i}",
                deadline=timezone.now() + timedelta(days=1 + i),
            )
            intents.offer_make(
                organization=org,
                intent=intent,
                author=agent,
                price="100",
                currency="USD",
                valid_until=timezone.now() + timedelta(days=3),
            )
            services.deal_create(
                organization=org, customer=customer, title=f"Deal {i}", actor=agent
            )

    add(1)
    few = [_queries(client, url) for client, url in pages]
    add(6)
    many = [_queries(client, url) for client, url in pages]
    assert many == few
