"""What the consent rows of the authorization matrices name: a decision of customer A (its
receipt) and a campaign, made the first time a row asks (inside the module's world, so they
are rolled back with it)."""

from __future__ import annotations

from typing import Any

from sayso.consent import services
from sayso.consent.models import Campaign, Choice, ConsentRecord, Method, Segment
from tests.authorization.world import World


def ann_receipt_id(w: World) -> str:
    record = ConsentRecord.objects.filter(customer=w.ann).order_by("id").first()
    if record is None:
        record = services.consent_record(
            customer=w.ann,
            channel="email",
            purpose="product_news",
            choice=Choice.GRANTED,
            method=Method.STAFF,
            location="staff",
            actor=w.users["agent"],
            note="Said yes on the phone",
        )
    return str(record.receipt_id)


def campaign_id(w: World) -> int:
    campaign = Campaign.objects.filter(organization=w.org).order_by("id").first()
    if campaign is None:
        campaign = services.campaign_create(
            organization=w.org,
            actor=w.users["manager"],
            name="Spring trucks",
            channel="email",
            purpose="sales",
            subject="Spring trucks",
            body="20% off",
            segment=Segment.LIST,
            customer_ids=[w.ann.pk],
        )
    return campaign.pk


def receipt_kwargs(w: World) -> dict[str, Any]:
    return {"receipt_id": ann_receipt_id(w)}
