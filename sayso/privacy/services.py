"""Export and erasure of one customer's personal data (issue 24, "what you know about me").

- ``personal_data_collect``: the export document, one section per registered provider.
- ``export_build``: that document, the customer's messages as mbox and their card as vCard,
  in one zip.
- ``erasure_request`` / ``erasure_cancel``: a request waits ``SAYSO_ERASURE_WAIT_DAYS``,
  cancellable by the customer or staff; ``erasures_run_due`` (a periodic task) then runs
  ``erasure_perform``: every provider's erase step and a generic scrub of every text column,
  in one transaction per customer.
"""

from __future__ import annotations

import io
import json
import mailbox
import re
import zipfile
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import vobject
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone

from sayso.core.models import AuditEntry, Organization
from sayso.core.services import audit_record
from sayso.core.task_engine import task_by_path
from sayso.customers.models import Customer, Identity, IdentityKind, TimelineKind
from sayso.customers.services import timeline_record
from sayso.notifications.models import MailKind
from sayso.notifications.outbox import mail_queue
from sayso.privacy.models import (
    ErasureRequest,
    ErasureStatus,
    ExportStatus,
    PersonalDataExport,
)
from sayso.privacy.providers.conversations import customer_messages
from sayso.privacy.registry import ErasureContext, providers

SCHEMA = "sayso.personal-data/1"
MARKER = "[erased]"
# Apps whose tables hold no customer's data (users, sessions, content types, the task queue's
# own bookkeeping) and are left out of the generic scrub.
_NOT_SCRUBBED_APPS = {"auth", "contenttypes", "sessions", "admin"}
_MIN_TERM = 3


# --- export ---------------------------------------------------------------------------------


# progress(done, total, step): how far a long export is (``export_prepare`` records it).
Progress = Callable[[int, int, str], None]


def personal_data_collect(
    *, customer: Customer, progress: Progress | None = None
) -> dict[str, Any]:
    """Everything the organization holds about the customer, as one JSON-ready document;
    ``progress`` is told before each section."""
    organization = customer.organization
    registered = list(providers())
    sections: dict[str, Any] = {}
    for done, provider in enumerate(registered):
        if progress is not None:
            progress(done, len(registered) + 1, provider.title)
        sections[provider.name] = {
            "title": provider.title,
            "schema_version": provider.schema_version,
            "data": provider.collect(customer),
        }
    return {
        "schema": SCHEMA,
        "generated_at": timezone.now().isoformat(),
        "organization": {"slug": organization.slug, "name": organization.name},
        "sections": sections,
    }


def _message_id(message: Any, domain: str) -> str:
    value = message.external_id.strip()
    if re.fullmatch(r"<[^<>\s]+@[^<>\s]+>", value):
        return value
    return f"<sayso-message-{message.pk}@{domain}>"


def _primary_email(customer: Customer) -> str:
    identity = (
        Identity.objects.filter(customer=customer, kind=IdentityKind.EMAIL)
        .order_by("-verified_at", "created_at")
        .first()
    )
    return identity.value if identity is not None else ""


def messages_mbox(*, customer: Customer) -> bytes:
    """The customer's messages (internal notes never) as an mbox of RFC 5322 messages: each
    with Date, From, To, Subject, Message-ID, and In-Reply-To the previous one of its case."""
    organization = customer.organization
    domain = f"{organization.slug}.sayso.invalid"
    org_address = f"{organization.name} <support@{domain}>"
    customer_address = (
        f"{customer.display_name} <{_primary_email(customer) or 'customer@' + domain}>"
    )
    previous: dict[int, str] = {}
    buffer = io.BytesIO()
    for message in customer_messages(customer):
        mail = EmailMessage()
        inbound = message.direction == "inbound"
        mail["From"] = customer_address if inbound else org_address
        mail["To"] = org_address if inbound else customer_address
        mail["Date"] = format_datetime(message.sent_at)
        mail["Subject"] = message.subject or message.case.subject
        mail["Message-ID"] = _message_id(message, domain)
        if message.case_id in previous:
            mail["In-Reply-To"] = previous[message.case_id]
            mail["References"] = previous[message.case_id]
        mail["X-Sayso-Case"] = str(message.case.number)
        mail["X-Sayso-Channel"] = message.channel
        mail.set_content(message.body)
        previous[message.case_id] = mail["Message-ID"]
        from_line = f"From {'customer' if inbound else 'support'}@{domain} "
        from_line += message.sent_at.strftime("%a %b %d %H:%M:%S %Y")
        mbox_message = mailbox.mboxMessage(mail)
        mbox_message.set_from(from_line[5:])
        buffer.write(mbox_message.as_bytes(unixfrom=True))
        buffer.write(b"\n")
    return buffer.getvalue()


def contact_vcard(*, customer: Customer) -> str:
    """The customer's contact card (vCard 3.0, written by the ``vobject`` library)."""
    card = vobject.vCard()
    card.add("fn").value = customer.display_name
    card.add("n").value = vobject.vcard.Name(family="", given=customer.display_name)
    card.add("nickname").value = customer.public_name
    for identity in Identity.objects.filter(customer=customer).order_by("created_at", "id"):
        if identity.kind == IdentityKind.EMAIL:
            card.add("email").value = identity.value
        elif identity.kind == IdentityKind.PHONE:
            card.add("tel").value = identity.value
        elif identity.kind == IdentityKind.URL:
            card.add("url").value = identity.value
        elif identity.kind in (IdentityKind.MASTODON, IdentityKind.BLUESKY):
            card.add("x-socialprofile").value = identity.value
            card.contents["x-socialprofile"][-1].type_param = identity.kind
    card.add("note").value = f"Exported from {customer.organization.name} (Sayso)"
    return str(card.serialize())


def export_build(*, customer: Customer, actor: Any = None, by_customer: bool = False) -> bytes:
    """The whole export as a zip (``export_archive``), recorded on the customer's timeline."""
    data = export_archive(customer=customer)
    export_record(customer=customer, actor=actor, by_customer=by_customer)
    return data


def export_archive(*, customer: Customer, progress: Progress | None = None) -> bytes:
    """The zip: ``personal-data.json``, ``messages.mbox``, ``contact.vcf`` and a README."""
    document = personal_data_collect(customer=customer, progress=progress)
    if progress is not None:
        progress(1, 1, "Messages and contact card")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("personal-data.json", json.dumps(document, indent=2, ensure_ascii=False))
        archive.writestr("messages.mbox", messages_mbox(customer=customer))
        archive.writestr("contact.vcf", contact_vcard(customer=customer))
        archive.writestr(
            "README.txt",
            "Everything " + customer.organization.name + " holds about you, as Sayso exported it.\n"
            "personal-data.json: schema sayso.personal-data/1 (docs/customer-control.md).\n"
            "messages.mbox: your messages, readable by any mail program.\n"
            "contact.vcf: your contact card.\n",
        )
    return buffer.getvalue()


def export_record(*, customer: Customer, actor: Any = None, by_customer: bool = False) -> None:
    """Put an export on the customer's timeline (they see who took a copy of their data)."""
    timeline_record(
        customer=customer,
        kind=TimelineKind.DATA_EXPORTED,
        summary="Personal data exported" + (" by the customer" if by_customer else " by staff"),
        customer_visible=True,
        actor=actor,
    )


# --- correction ------------------------------------------------------------------------------

NAME_CORRECTED = "privacy.name_corrected"


def display_name_correct(*, customer: Customer, display_name: str) -> Customer:
    """The customer corrects the name the team knows them by. The former name is kept in the
    audit log (staff see who changed what), and erasure removes it with the current one."""
    from sayso.customers.services import customer_update

    former = customer.display_name
    with transaction.atomic():
        customer = customer_update(customer=customer, display_name=display_name)
        if customer.display_name != former:
            audit_record(
                organization=customer.organization,
                actor=None,
                action=NAME_CORRECTED,
                obj=customer,
                data={"by": "customer", "from": former, "to": customer.display_name},
            )
    return customer


# --- large exports, in the background --------------------------------------------------------

# Above this many messages an export is built by a task and downloaded when ready.
EXPORT_SYNC_MAX_MESSAGES = 2000


def export_is_large(*, customer: Customer) -> bool:
    limit = getattr(settings, "SAYSO_EXPORT_SYNC_MAX_MESSAGES", EXPORT_SYNC_MAX_MESSAGES)
    return bool(customer_messages(customer).count() > limit)


def export_start(
    *, customer: Customer, actor: Any = None, by_customer: bool = False
) -> PersonalDataExport:
    """Start a background export (for the customer in the portal, ``by_customer``, or for
    staff); one already being prepared for the same side is returned as is."""
    # Enqueued by name: services never import their app's tasks (docs/architecture.md).
    export_build_task = task_by_path("sayso.privacy.tasks.export_build_task")
    preparing = PersonalDataExport.objects.filter(
        customer=customer, status=ExportStatus.PREPARING, by_customer=by_customer
    ).first()
    if preparing is not None:
        return preparing
    with transaction.atomic():
        export = PersonalDataExport.objects.create(
            organization_id=customer.organization_id,
            customer=customer,
            by_customer=by_customer,
            by_user=actor if actor is not None and actor.is_authenticated else None,
        )
        transaction.on_commit(lambda: export_build_task.enqueue(export.pk))
    return export


def export_prepare(*, export_id: int) -> PersonalDataExport | None:
    """Build a background export (the task's work; running it twice builds once). Its
    progress is written as it goes (each write commits at once, so the page asking sees it),
    then the archive and the timeline entry in one transaction."""
    export = PersonalDataExport.objects.select_related("customer").filter(pk=export_id).first()
    if export is None or export.status != ExportStatus.PREPARING:
        return export

    def progress(done: int, total: int, step: str) -> None:
        percent = min(99, int(100 * done / max(total, 1)))
        PersonalDataExport.objects.filter(pk=export_id, status=ExportStatus.PREPARING).update(
            progress=percent, step=step[:120], updated_at=timezone.now()
        )

    try:
        data = export_archive(customer=export.customer, progress=progress)
        with transaction.atomic():
            export_record(
                customer=export.customer, actor=export.by_user, by_customer=export.by_customer
            )
            export.archive = data
            export.size = len(data)
            export.status = ExportStatus.READY
            export.ready_at = timezone.now()
            export.progress = 100
            export.step = ""
            export.save(
                update_fields=[
                    "archive",
                    "size",
                    "status",
                    "ready_at",
                    "progress",
                    "step",
                    "updated_at",
                ]
            )
    except Exception as exc:
        PersonalDataExport.objects.filter(pk=export.pk).update(
            status=ExportStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:500]
        )
        raise
    return export


# --- erasure: request and cancel ------------------------------------------------------------


def erasure_open(*, customer: Customer) -> ErasureRequest | None:
    return (
        ErasureRequest.objects.filter(
            organization_id=customer.organization_id,
            customer=customer,
            status__in=[ErasureStatus.PENDING, ErasureStatus.FAILED],
        )
        .order_by("-created_at")
        .first()
    )


def receipt_url(erasure: ErasureRequest) -> str:
    path = reverse(
        "privacy-erasure-receipt",
        kwargs={"org": erasure.organization.slug, "receipt_id": erasure.receipt_id},
    )
    return f"{settings.SAYSO_BASE_URL}{path}"


def erasure_request(
    *,
    customer: Customer,
    by_customer: bool,
    actor: Any = None,
    channel: str = "",
    now: datetime | None = None,
) -> ErasureRequest:
    """Ask for the customer's erasure, due after the waiting period; asking again while one
    waits returns that one. The customer is emailed a receipt (with the link to cancel)."""
    if customer.erased_at is not None:
        raise ValidationError("This customer's personal data is already erased.")
    if customer.merged_into_id is not None:
        raise ValidationError("This customer is merged into another: ask for that one.")
    now = now or timezone.now()
    existing = erasure_open(customer=customer)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            erasure = ErasureRequest.objects.create(
                organization_id=customer.organization_id,
                customer=customer,
                due_at=now + timedelta(days=settings.SAYSO_ERASURE_WAIT_DAYS),
                by_customer=by_customer,
                by_user=actor if actor is not None and actor.is_authenticated else None,
                channel=channel[:40],
            )
            timeline_record(
                customer=customer,
                kind=TimelineKind.ERASURE_REQUESTED,
                summary=f"Erasure requested, due {erasure.due_at:%Y-%m-%d}",
                customer_visible=True,
                actor=actor,
                data={"receipt_id": str(erasure.receipt_id)},
            )
            audit_record(
                organization=customer.organization,
                actor=actor,
                action="privacy.erasure_requested",
                obj=erasure,
                data={"customer_id": customer.pk, "due_at": erasure.due_at.isoformat()},
            )
            _receipt_mail(erasure, customer)
    except IntegrityError:
        # Two requests at once: the other one won.
        found = erasure_open(customer=customer)
        if found is None:
            raise
        return found
    return erasure


def _receipt_mail(erasure: ErasureRequest, customer: Customer) -> None:
    address = _primary_email(customer)
    if not address:
        return
    organization = customer.organization
    portal = reverse("privacy-my-data", kwargs={"org": organization.slug})
    mail_queue(
        kind=MailKind.SIGN_IN,
        organization=organization,
        to=address,
        key=f"erasure-receipt:{erasure.receipt_id}",
        subject=f"Your request to erase your data at {organization.name}",
        body=(
            f"Hello,\n\n{organization.name} received a request to erase your personal data "
            f"(receipt {erasure.receipt_id}).\n\nIt will be carried out on "
            f"{erasure.due_at:%Y-%m-%d}. Until then you can cancel it on "
            f"{settings.SAYSO_BASE_URL}{portal}\n\nYour receipt, which will also say when the "
            f"erasure is done: {receipt_url(erasure)}\n\nThis address is erased with the rest; "
            "no further email will follow.\n"
        ),
    )


def erasure_cancel(
    *,
    erasure: ErasureRequest,
    actor: Any = None,
    by_customer: bool = False,
    now: datetime | None = None,
) -> ErasureRequest:
    """Cancel a request still waiting; a done or cancelled one is refused."""
    with transaction.atomic():
        erasure = ErasureRequest.objects.select_for_update().get(pk=erasure.pk)
        if erasure.status not in (ErasureStatus.PENDING, ErasureStatus.FAILED):
            raise ValidationError(f"This request is {erasure.get_status_display().lower()}.")
        erasure.status = ErasureStatus.CANCELLED
        erasure.cancelled_at = now or timezone.now()
        erasure.save(update_fields=["status", "cancelled_at", "updated_at"])
        who = "the customer" if by_customer else "staff"
        timeline_record(
            customer=erasure.customer,
            kind=TimelineKind.ERASURE_CANCELLED,
            summary=f"Erasure request cancelled by {who}",
            customer_visible=True,
            actor=actor,
        )
        audit_record(
            organization=erasure.organization,
            actor=actor,
            action="privacy.erasure_cancelled",
            obj=erasure,
            data={"customer_id": erasure.customer_id, "by_customer": by_customer},
        )
    return erasure


# --- erasure: carrying it out ---------------------------------------------------------------


def erasure_terms(*, customers: list[Customer]) -> list[str]:
    """What identifies the person in text: every identity value, claimed address and name."""
    from sayso.customers.models import IdentityClaim

    ids = [customer.pk for customer in customers]
    terms = set(Identity.objects.filter(customer_id__in=ids).values_list("value", flat=True))
    terms |= set(IdentityClaim.objects.filter(contact_id__in=ids).values_list("value", flat=True))
    for customer in customers:
        terms |= {customer.display_name, customer.public_name}
    corrections = AuditEntry.objects.filter(
        action=NAME_CORRECTED,
        object_type=Customer._meta.label,
        object_id__in=[str(pk) for pk in ids],
    ).values_list("data", flat=True)
    for data in corrections:
        terms |= {str(data.get("from", "")), str(data.get("to", ""))}
    for name in list(terms):
        words = name.split()
        # "Dana W. Whitfield" is also written "Dana Whitfield".
        if len(words) > 2 and "@" not in name:
            terms.add(f"{words[0]} {words[-1]}")
    for value in list(terms):
        if value.startswith("@") or value.startswith(("http://", "https://")):
            terms.add(value.split("://", 1)[-1].lstrip("@").rstrip("/"))
    return sorted((t.strip() for t in terms if len(t.strip()) >= _MIN_TERM), key=len, reverse=True)


def _text_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [
        field
        for field in model._meta.get_fields()
        if isinstance(field, (models.CharField, models.TextField, models.JSONField))
        and getattr(field, "concrete", False)
        and not field.primary_key
    ]


def _replace(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(MARKER, value)
    if isinstance(value, list):
        return [_replace(item, pattern) for item in value]
    if isinstance(value, dict):
        return {_replace(k, pattern): _replace(v, pattern) for k, v in value.items()}
    return value


def _has_organization(model: Any) -> bool:
    return any(f.name == "organization" for f in model._meta.concrete_fields)


def _of_organization(model: type[models.Model], organization: Organization) -> Any:
    """The model's rows of this organization: by its ``organization``, else through its first
    foreign key to a model that has one; a model with neither (rate counters, the task queue,
    login-attempt logs) is searched whole."""
    rows = model._default_manager.all()
    if model is Organization:
        return rows.filter(pk=organization.pk)
    if _has_organization(model):
        return rows.filter(organization=organization)
    for field in model._meta.concrete_fields:
        related = field.related_model if field.many_to_one else None
        if related is not None and related is not Organization and _has_organization(related):
            return rows.filter(**{f"{field.name}__organization": organization})
    return rows


def text_matches(
    *, organization: Organization, terms: list[str]
) -> list[tuple[type[models.Model], str, Any]]:
    """Every (model, field, primary key) whose text holds one of ``terms``, case-insensitive:
    every Char, Text and JSON column of every model in the organization (JSON read as text)."""
    found: list[tuple[type[models.Model], str, Any]] = []
    if not terms:
        return found
    for model in apps.get_models():
        if model._meta.app_label in _NOT_SCRUBBED_APPS or model._meta.proxy:
            continue
        base = _of_organization(model, organization)
        for field in _text_fields(model):
            if isinstance(field, models.JSONField):
                alias = f"_privacy_{field.name}"
                queryset = base.annotate(**{alias: Cast(field.name, models.TextField())})
                condition = Q()
                for term in terms:
                    escaped = json.dumps(term)[1:-1]
                    condition |= Q(**{f"{alias}__icontains": term})
                    condition |= Q(**{f"{alias}__icontains": escaped})
            else:
                queryset = base
                condition = Q()
                for term in terms:
                    condition |= Q(**{f"{field.name}__icontains": term})
            for pk in queryset.filter(condition).values_list("pk", flat=True):
                found.append((model, field.name, pk))
    return found


def personal_data_scrub(*, organization: Organization, terms: list[str]) -> int:
    """Replace every occurrence of ``terms`` in the organization's text columns by
    "[erased]"; returns how many values changed."""
    if not terms:
        return 0
    pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)
    changed = 0
    for model, field_name, pk in text_matches(organization=organization, terms=terms):
        value = model._default_manager.filter(pk=pk).values_list(field_name, flat=True).first()
        new = _replace(value, pattern)
        if isinstance(new, str):
            field = model._meta.get_field(field_name)
            max_length = getattr(field, "max_length", None)
            if max_length:
                new = new[:max_length]
        if new != value:
            model._default_manager.filter(pk=pk).update(**{field_name: new})
            changed += 1
    return changed


def _one_person(customer: Customer) -> list[Customer]:
    """The customer and every record merged into them (the same person)."""
    people = [customer]
    queue = [customer.pk]
    while queue:
        merged = list(Customer.objects.filter(merged_into_id__in=queue))
        people += merged
        queue = [c.pk for c in merged]
    return people


def erasure_perform(*, erasure: ErasureRequest, now: datetime | None = None) -> ErasureRequest:
    """Erase now, in one transaction: each provider's step, then the generic scrub, then the
    request's anonymous record and an audit entry. Raises (and changes nothing) on failure."""
    now = now or timezone.now()
    with transaction.atomic():
        erasure = ErasureRequest.objects.select_for_update().get(pk=erasure.pk)
        if erasure.status == ErasureStatus.DONE:
            return erasure
        if erasure.status == ErasureStatus.CANCELLED:
            raise ValidationError("This request was cancelled.")
        customer = erasure.customer
        people = _one_person(customer)
        terms = erasure_terms(customers=people)
        emails = list(
            Identity.objects.filter(
                customer__in=people, kind__in=[IdentityKind.EMAIL, IdentityKind.EMAIL_CLAIMED]
            ).values_list("value", flat=True)
        )
        context = ErasureContext(
            customers=people,
            public_posts=settings.SAYSO_ERASURE_PUBLIC_POSTS,
            emails=emails,
            marker=MARKER,
        )
        summary: dict[str, int] = {}
        for provider in providers():
            if provider.erase is not None:
                summary.update(provider.erase(context))
        summary["text_values_scrubbed"] = personal_data_scrub(
            organization=erasure.organization, terms=terms
        )
        Customer.objects.filter(pk__in=[p.pk for p in people]).update(erased_at=now)
        summary["portal_sessions_ended"] = portal_sessions_end(
            organization=erasure.organization, customers=people
        )
        erasure.status = ErasureStatus.DONE
        erasure.done_at = now
        erasure.attempts += 1
        erasure.last_error = ""
        erasure.summary = summary
        erasure.save()
        audit_record(
            organization=erasure.organization,
            actor=None,
            action="privacy.erasure_done",
            obj=erasure,
            data={"customer_id": customer.pk, "summary": summary},
        )
    return erasure


def portal_sessions_end(*, organization: Organization, customers: list[Customer]) -> int:
    """Sign every browser signed in to the portal as one of ``customers`` out of this
    organization's portal (every page, not only My data). Sessions are rows in the database
    (Django's ``db`` or ``cached_db`` engine): each one holding the customer loses that key and
    nothing else (the same browser's staff sign-in or another organization's portal stays).
    With another engine the sessions cannot be listed; the portal then refuses an erased
    customer on their next request (``customers.portal_session``). Returns how many ended."""
    from importlib import import_module

    from django.contrib.sessions.models import Session

    engine = import_module(settings.SESSION_ENGINE)
    store_class = getattr(engine, "SessionStore", None)
    if store_class is None or not issubclass(
        getattr(store_class, "get_model_class", lambda: None)() or object, Session
    ):
        return 0
    key = f"portal-customer:{organization.pk}"
    ids = {customer.pk for customer in customers}
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        data = session.get_decoded()
        if data.get(key) not in ids:
            continue
        del data[key]
        store = store_class(session_key=session.session_key)
        Session.objects.filter(pk=session.pk).update(session_data=store.encode(data))
        if hasattr(engine, "caches"):  # cached_db: its cached copy goes too
            engine.caches[settings.SESSION_CACHE_ALIAS].delete(store.cache_key)
        ended += 1
    return ended


def erasures_run_due(*, now: datetime | None = None) -> dict[str, int]:
    """Carry out every request whose waiting period is over; a failure is recorded on its
    request (nothing of the erasure kept) and retried on the next run."""
    now = now or timezone.now()
    due = ErasureRequest.objects.filter(
        status__in=[ErasureStatus.PENDING, ErasureStatus.FAILED], due_at__lte=now
    ).order_by("due_at", "id")
    done = failed = 0
    for erasure in list(due):
        try:
            erasure_perform(erasure=erasure, now=now)
            done += 1
        except Exception as exc:  # recorded on the request, retried next run
            failed += 1
            ErasureRequest.objects.filter(pk=erasure.pk).update(
                status=ErasureStatus.FAILED,
                attempts=models.F("attempts") + 1,
                last_error=f"{type(exc).__name__}: {exc}"[:500],
            )
    return {"done": done, "failed": failed}
