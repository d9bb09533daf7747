"""Re-import of an export (``sayso.personal-data/1``) into an organization, e.g. a fresh
installation: the customer, their identities, consent history (with the notices shown) and
preferences, cases and messages. Everything in one transaction; an address already held by
a customer of the organization is refused, so that an import never makes a second record of
someone (merge them instead)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from sayso.consent.models import ConsentNotice, ConsentRecord, ContactPreferences
from sayso.conversations.models import Case, Message
from sayso.core.models import Organization
from sayso.customers.models import Customer, Identity, IdentityKind
from sayso.privacy.services import SCHEMA


def document_read(data: bytes) -> dict[str, Any]:
    """The export document from the zip the portal gives, or from its JSON alone."""
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                data = archive.read("personal-data.json")
        except (zipfile.BadZipFile, KeyError) as exc:
            raise ValidationError(f"Not a personal-data export: {exc}") from exc
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(f"Not JSON: {exc}") from exc
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        raise ValidationError(f"Not a {SCHEMA} document.")
    return document


def _section(document: dict[str, Any], name: str, default: Any) -> Any:
    section = document.get("sections", {}).get(name)
    return default if not isinstance(section, dict) else section.get("data", default)


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@transaction.atomic
def personal_data_import(*, organization: Organization, document: dict[str, Any]) -> Customer:
    profile = _section(document, "profile", {})
    identities = _section(document, "identities", [])
    known = [
        i["value"]
        for i in identities
        if Identity.objects.filter(
            organization=organization, kind=i["kind"], value=i["value"]
        ).exists()
    ]
    if known:
        raise ValidationError(f"Already a customer here with {', '.join(known)}: nothing imported.")
    customer = Customer.objects.create(
        organization=organization,
        display_name=profile.get("display_name") or "Imported customer",
        public_name=profile.get("public_name") or "Imported customer",
        public_name_chosen_at=_time(profile.get("public_name_chosen_at")),
        is_prospect=bool(profile.get("is_prospect")),
        created_at=_time(profile.get("created_at")) or datetime.now().astimezone(),
    )
    for i in identities:
        if i["kind"] not in IdentityKind.values:
            raise ValidationError(f"Unknown kind of identity: {i['kind']!r}.")
        Identity.objects.create(
            organization=organization,
            customer=customer,
            kind=i["kind"],
            value=i["value"],
            label=i.get("label", ""),
            verified_at=_time(i.get("verified_at")),
            created_at=_time(i.get("added_at")) or customer.created_at,
        )
    consent = _section(document, "consent", {})
    for record in consent.get("history", []):
        notice = None
        if record.get("notice_version"):
            notice, _ = ConsentNotice.objects.get_or_create(
                organization=organization,
                purpose=record["purpose"],
                version=record["notice_version"],
                defaults={"text": record.get("notice_text", "")},
            )
        ConsentRecord.objects.create(
            organization=organization,
            customer=customer,
            channel=record["channel"],
            purpose=record["purpose"],
            choice=record["choice"],
            notice=notice,
            method=record["method"],
            location=record.get("location", "import"),
            note=record.get("note", ""),
            by_customer=bool(record.get("by_customer")),
            created_at=_time(record.get("decided_at")) or customer.created_at,
        )
    preferences = consent.get("preferences")
    if preferences:
        ContactPreferences.objects.create(
            organization=organization,
            customer=customer,
            time_zone=preferences.get("time_zone") or "UTC",
            quiet_start=preferences.get("quiet_start"),
            quiet_end=preferences.get("quiet_end"),
            not_before=preferences.get("not_before"),
            max_per_week=preferences.get("max_per_week"),
        )
    number = Case.objects.filter(organization=organization).aggregate(n=Max("number"))["n"] or 0
    for case_data in _section(document, "cases", []):
        number += 1
        messages = case_data.get("messages", [])
        case = Case.objects.create(
            organization=organization,
            number=number,
            customer=customer,
            subject=case_data.get("subject", "")[:300],
            status=case_data.get("status", "open"),
            channel=case_data.get("channel", "web"),
            created_at=_time(case_data.get("opened_at")) or customer.created_at,
            resolved_at=_time(case_data.get("resolved_at")),
            last_message_at=_time(messages[-1]["sent_at"]) if messages else None,
        )
        for m in messages:
            Message.objects.create(
                organization=organization,
                case=case,
                customer=customer,
                direction=m["direction"],
                channel=m["channel"],
                visibility=m.get("visibility", "private"),
                subject=m.get("subject", ""),
                body=m.get("body", ""),
                external_id=m.get("external_id", ""),
                sent_at=_time(m["sent_at"]) or case.created_at,
            )
    return customer
