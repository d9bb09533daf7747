"""The demo organization's selling process, an open intent and a deal (``sayso demo``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sayso.core.models import Organization
from sayso.customers.models import Customer
from sayso.deals import intents, process, services

STAGES = [
    (
        "Enquiry",
        "You tell us what you need: truck size, dates, route. We answer the same day.",
        "same day",
        "Nothing.",
    ),
    (
        "Quote",
        "A written price with everything in it: mileage, insurance, fuel policy.",
        "1 day",
        "Nothing: a quote binds only us.",
    ),
    (
        "Reservation",
        "We hold a truck of that size for your dates at the depot you chose.",
        "same day",
        "Nothing until 48 hours before pick-up; then the first day's rent.",
    ),
    (
        "Contract",
        "For regular or long rentals: a schedule, a monthly invoice, one contact person.",
        "2 to 3 days",
        "Nothing before you sign; then one month's notice.",
    ),
    ("Pick-up", "Keys, a walk around the truck, and off you go.", "30 minutes", "The rent due."),
]
PROMISES = [
    "No calls after a quote unless you ask.",
    "A quote holds for 7 days at the price written on it.",
    "We never pass your details to another company.",
]


def load_demo_selling(
    *, org: Organization, dana: Customer, elena: Customer, owner: Any, now: datetime
) -> None:
    for name, what, duration, cost in STAGES:
        process.stage_create(
            organization=org,
            name=name,
            what_happens=what,
            usual_duration=duration,
            cost_to_leave=cost,
        )
    for text in PROMISES:
        process.promise_add(organization=org, text=text)
    trucks = intents.category_add(organization=org, name="Truck rental")
    intents.category_add(organization=org, name="Moving supplies")
    intents.intent_publish(
        organization=org,
        customer=dana,
        title="A 16 ft truck, Denver → Austin",
        details="One way, about 900 miles",
        category_id=trucks.pk,
        window_start=(now + timedelta(days=20)).date(),
        window_end=(now + timedelta(days=22)).date(),
        budget="900",
        deadline=now + timedelta(days=10),
    )
    contract = org.selling_stages.get(name="Contract")
    services.deal_create(
        organization=org,
        customer=elena,
        title="Monthly trucks for Petrova Moving",
        actor=owner,
        stage_id=contract.pk,
        value="4800",
        expected_on=(now + timedelta(days=7)).date(),
        next_step="Agree the monthly schedule (calls before 10 am)",
    )
