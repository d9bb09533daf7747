"""Every write of the webhooks app: endpoints (create, change, rotate the secret, delete), the
delivery of one attempt, "send again", the test event, and pruning the log.

Delivery (docs/webhooks.md): each delivery is tried on the Standard Webhooks schedule
(``RETRY_SCHEDULE``: at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h after each
failure). An attempt first *claims* its delivery with a conditional UPDATE that commits before
the request starts (a lease of the timeout and a margin), so two workers never send it at
once, and a worker that dies mid-request leaves a delivery that is tried again when the lease
has passed, with the same ``webhook-id``: receivers make their handling idempotent by that id.
The schedule lives in the delivery rows, not in the task engine, so it holds on any engine.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import secrets
import time
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from sayso.core import outbound
from sayso.core.encryption import SecretUnreadable, seal, unseal
from sayso.core.models import Membership, Organization, Role
from sayso.core.services import audit_record
from sayso.webhooks.events import (
    TEST,
    deliveries_queue,
    envelope,
    event_type_known,
    new_webhook_id,
    queue_deliveries,
)
from sayso.webhooks.models import (
    Attempt,
    AttemptOutcome,
    Delivery,
    DeliveryStatus,
    Endpoint,
    Event,
)

logger = logging.getLogger("sayso.webhooks")

# The Standard Webhooks retry schedule: the wait before each attempt (the first at once).
RETRY_SCHEDULE = (
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_ATTEMPTS = len(RETRY_SCHEDULE)
# How much of an answer the log keeps.
RESPONSE_KEPT_BYTES = 1024
# A rotated-out secret still signs (beside the new one) this long.
ROTATION_OVERLAP = timedelta(hours=24)
# The claim of an attempt outlives its timeout by this much.
LEASE_MARGIN = timedelta(seconds=10)
DESCRIPTION_MAX = 500
URL_MAX = 2000
USER_AGENT = "Sayso-Webhooks/1 (+https://standardwebhooks.com)"
INTERRUPTED = "The worker stopped before an answer was recorded; tried again with the same id."


def _timeout() -> float:
    return float(getattr(settings, "SAYSO_WEBHOOK_TIMEOUT_SECONDS", 15))


def _disable_after() -> timedelta:
    return timedelta(days=float(getattr(settings, "SAYSO_WEBHOOK_DISABLE_AFTER_DAYS", 5)))


# --- endpoints -------------------------------------------------------------------------------


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise ValidationError({"url": "Give the address to send events to."})
    if len(url) > URL_MAX:
        raise ValidationError({"url": f"The address is longer than {URL_MAX} characters."})
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError on a port out of range)
    except ValueError:
        raise ValidationError({"url": "This is not a web address."}) from None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValidationError({"url": "The address must start with https:// (or http://)."})
    if parts.username or parts.password:
        raise ValidationError({"url": "Put no user name or password in the address."})
    refusal = outbound.host_refusal(parts.hostname)
    if refusal:
        raise ValidationError({"url": refusal})
    return url


def _clean_types(event_types: list[str] | None) -> list[str]:
    cleaned: list[str] = []
    for name in event_types or []:
        name = (name or "").strip()
        if not event_type_known(name) or name == TEST:
            raise ValidationError({"event_types": f"Unknown event type “{name[:60]}”."})
        if name not in cleaned:
            cleaned.append(name)
    return sorted(cleaned)


def _clean_description(description: str) -> str:
    description = " ".join((description or "").split())
    if len(description) > DESCRIPTION_MAX:
        raise ValidationError(
            {"description": f"The description is {DESCRIPTION_MAX} characters at most."}
        )
    return description


@transaction.atomic
def endpoint_create(
    *,
    organization: Organization,
    url: str,
    description: str = "",
    event_types: list[str] | None = None,
    enabled: bool = True,
    actor: Any = None,
) -> tuple[Endpoint, str]:
    """A new endpoint and its secret (returned once: only its sealed form is kept)."""
    secret = new_secret()
    endpoint = Endpoint.objects.create(
        organization=organization,
        url=_clean_url(url),
        description=_clean_description(description),
        event_types=_clean_types(event_types),
        secret_sealed=seal(secret),
        enabled=enabled,
        disabled_reason="" if enabled else "Created disabled.",
        disabled_at=None if enabled else timezone.now(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        organization=organization, actor=actor, action="webhook.endpoint_create", obj=endpoint
    )
    return endpoint, secret


@transaction.atomic
def endpoint_update(
    *,
    endpoint: Endpoint,
    actor: Any = None,
    url: str | None = None,
    description: str | None = None,
    event_types: list[str] | None = None,
    enabled: bool | None = None,
) -> Endpoint:
    """Change what is given. Enabling an endpoint clears its reason and its failure streak;
    disabling one by hand cancels its pending deliveries."""
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    if url is not None:
        endpoint.url = _clean_url(url)
    if description is not None:
        endpoint.description = _clean_description(description)
    if event_types is not None:
        endpoint.event_types = _clean_types(event_types)
    if enabled is not None and enabled != endpoint.enabled:
        if enabled:
            endpoint.enabled = True
            endpoint.disabled_reason = ""
            endpoint.disabled_at = None
            endpoint.failing_since = None
        else:
            _disable(endpoint, reason="Disabled by staff.")
    endpoint.save()
    audit_record(
        organization=endpoint.organization,
        actor=actor,
        action="webhook.endpoint_update",
        obj=endpoint,
    )
    return endpoint


@transaction.atomic
def endpoint_secret_rotate(*, endpoint: Endpoint, actor: Any = None) -> tuple[Endpoint, str]:
    """A new secret (returned once); the old one signs beside it for ``ROTATION_OVERLAP``."""
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    secret = new_secret()
    endpoint.previous_secret_sealed = endpoint.secret_sealed
    endpoint.previous_secret_expires_at = timezone.now() + ROTATION_OVERLAP
    endpoint.secret_sealed = seal(secret)
    endpoint.save()
    audit_record(
        organization=endpoint.organization,
        actor=actor,
        action="webhook.secret_rotate",
        obj=endpoint,
    )
    return endpoint, secret


@transaction.atomic
def endpoint_delete(*, endpoint: Endpoint, actor: Any = None) -> None:
    audit_record(
        organization=endpoint.organization,
        actor=actor,
        action="webhook.endpoint_delete",
        obj=endpoint,
        data={"url": endpoint.url},
    )
    endpoint.delete()


def _disable(endpoint: Endpoint, *, reason: str, now: datetime | None = None) -> None:
    """Disable (in memory; the caller saves) and cancel what was still to be sent."""
    endpoint.enabled = False
    endpoint.disabled_reason = reason[:500]
    endpoint.disabled_at = now or timezone.now()
    Delivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.CANCELLED,
        reason="The endpoint was disabled.",
        finished_at=endpoint.disabled_at,
        next_attempt_at=None,
        lease_until=None,
    )


def _tell_admins(endpoint: Endpoint) -> None:
    """Mail the organization's admins that an endpoint was disabled (through the outbox: sent
    after commit by the background engine, retried while the mail server is away)."""
    organization = endpoint.organization
    path = f"/staff/{organization.slug}/webhooks/{endpoint.pk}/"
    admins = Membership.objects.filter(
        organization=organization, role=Role.ADMIN, is_active=True, user__is_active=True
    ).select_related("user")
    for membership in admins:
        if membership.user.email:
            _mail(
                organization=organization,
                to=membership.user.email,
                key=f"webhook-disabled:{endpoint.pk}:{endpoint.disabled_at:%Y%m%d%H%M%S%f}:"
                f"{membership.user_id}",
                subject=f"[{organization.name}] Webhook endpoint disabled: {endpoint.url[:120]}",
                body=(
                    f"Sayso stopped sending events to {endpoint.url}\n\n"
                    f"Why: {endpoint.disabled_reason}\n\n"
                    f"Enable it again, once it answers, on {settings.SAYSO_BASE_URL}{path}\n"
                ),
            )


def _mail(*, organization: Organization, to: str, key: str, subject: str, body: str) -> None:
    try:
        from sayso.notifications.outbox import mail_queue
    except ImportError:  # an installation without the outbox: sent after commit
        from django.core.mail import send_mail

        transaction.on_commit(lambda: send_mail(subject, body, None, [to], fail_silently=True))
        return
    mail_queue(kind="alert", key=key, organization=organization, to=to, subject=subject, body=body)


# --- events of one endpoint ------------------------------------------------------------------


@transaction.atomic
def endpoint_send_test(*, endpoint: Endpoint, actor: Any = None) -> Delivery:
    """ "Send test event": a ``webhook.test`` event to this endpoint alone (enabled or not)."""
    now = timezone.now()
    event = Event.objects.create(
        organization_id=endpoint.organization_id,
        webhook_id=new_webhook_id(),
        event_type=TEST,
        payload=envelope(
            event_type=TEST,
            data={
                "endpoint_id": endpoint.pk,
                "message": "A test event from Sayso: your endpoint receives signed events.",
            },
            occurred_at=now,
        ),
    )
    delivery = Delivery.objects.create(
        organization_id=endpoint.organization_id,
        endpoint=endpoint,
        event=event,
        next_attempt_at=now,
    )
    deliveries_queue([delivery.pk])
    return delivery


@transaction.atomic
def delivery_resend(*, delivery: Delivery, actor: Any = None) -> Delivery:
    """ "Send again": a new delivery of the same event (the same ``webhook-id``), from the
    first attempt of the schedule."""
    endpoint = delivery.endpoint
    if not endpoint.enabled and delivery.event.event_type != TEST:
        raise ValidationError("The endpoint is disabled: enable it before sending again.")
    again = Delivery.objects.create(
        organization_id=delivery.organization_id,
        endpoint=endpoint,
        event=delivery.event,
        next_attempt_at=timezone.now(),
        resend_of=delivery,
    )
    deliveries_queue([again.pk])
    return again


# --- one attempt -----------------------------------------------------------------------------


def _claim(delivery_id: int, now: datetime) -> Delivery | None:
    """Take the delivery for one attempt if it is due and nobody holds it (committed before
    the request starts)."""
    lease = timedelta(seconds=_timeout()) + LEASE_MARGIN
    with transaction.atomic():
        claimed = (
            Delivery.objects.filter(
                pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
            )
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
            .update(
                lease_until=now + lease,
                attempt_count=F("attempt_count") + 1,
                last_attempt_at=now,
                updated_at=now,
            )
        )
        if not claimed:
            return None
        delivery = Delivery.objects.select_related("endpoint", "event", "organization").get(
            pk=delivery_id
        )
        Attempt.objects.filter(delivery=delivery, outcome=AttemptOutcome.SENDING).update(
            outcome=AttemptOutcome.INTERRUPTED, error=INTERRUPTED
        )
        return delivery


def delivery_held_until(*, delivery_id: int) -> datetime | None:
    """When the lease on a pending delivery ends, if an attempt holds it now."""
    lease = (
        Delivery.objects.filter(
            pk=delivery_id, status=DeliveryStatus.PENDING, lease_until__gt=timezone.now()
        )
        .values_list("lease_until", flat=True)
        .first()
    )
    return lease + timedelta(seconds=1) if lease is not None else None


def _signature(endpoint: Endpoint, webhook_id: str, sent_at: datetime, body: str) -> str:
    """``webhook-signature``: with the secret, and during a rotation with the old one too."""
    secrets_in_use = [unseal(endpoint.secret_sealed)]
    if (
        endpoint.previous_secret_sealed
        and endpoint.previous_secret_expires_at
        and endpoint.previous_secret_expires_at > timezone.now()
    ):
        with contextlib.suppress(SecretUnreadable):
            secrets_in_use.append(unseal(endpoint.previous_secret_sealed))
    return " ".join(
        Webhook(secret).sign(msg_id=webhook_id, timestamp=sent_at, data=body)
        for secret in secrets_in_use
    )


class _Answer:
    def __init__(self) -> None:
        self.status: int | None = None
        self.headers: dict[str, str] = {}
        self.body = ""
        self.error = ""


def _post(url: str, headers: dict[str, str], body: bytes) -> _Answer:
    """One POST through the outbound policy, no redirects followed, at most the timeout from
    start to the last byte read; keeps the first KB of the answer."""
    answer = _Answer()
    timeout = _timeout()
    policy = replace(outbound.Policy.from_settings(), total_seconds=timeout)
    try:
        with (
            outbound.client(timeout=timeout, follow_redirects=False, policy=policy) as client,
            client.stream("POST", url, headers=headers, content=body) as response,
        ):
            answer.status = response.status_code
            answer.headers = {k: v[:500] for k, v in list(response.headers.items())[:50]}
            kept = b""
            for chunk in response.iter_raw():
                kept += chunk
                if len(kept) >= RESPONSE_KEPT_BYTES:
                    break
            answer.body = kept[:RESPONSE_KEPT_BYTES].decode("utf-8", "replace")
    except outbound.OutboundError as exc:
        answer.error = exc.message
    except httpx.TimeoutException:
        answer.error = f"No answer within {timeout:g} seconds."
    except httpx.HTTPError as exc:
        answer.error = (
            outbound.UNREACHABLE
            if outbound.connection_failed(exc)
            else f"The request failed: {exc}"[:500]
        )
    return answer


def delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> Attempt | None:
    """Make the next attempt of a delivery if it is due and free (None otherwise): sign, POST,
    record the answer, and schedule the next attempt, succeed, or give up."""
    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    endpoint, event = delivery.endpoint, delivery.event
    if not endpoint.enabled and event.event_type != TEST:
        with transaction.atomic():
            Delivery.objects.filter(pk=delivery.pk).update(
                status=DeliveryStatus.CANCELLED,
                reason="The endpoint was disabled.",
                finished_at=now,
                next_attempt_at=None,
                lease_until=None,
            )
        return None
    sent_at = timezone.now()
    try:
        signature = _signature(endpoint, event.webhook_id, sent_at, event.payload)
    except SecretUnreadable as exc:
        signature = ""
        unreadable = str(exc)
    else:
        unreadable = ""
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": event.webhook_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signature,
    }
    attempt = Attempt.objects.create(
        organization_id=delivery.organization_id,
        delivery=delivery,
        number=delivery.attempt_count,
        started_at=sent_at,
        request_url=endpoint.url,
        # The signature is a secret's proof: the log shows that one was sent, not its value.
        request_headers={**headers, "webhook-signature": "v1,…" if signature else ""},
    )
    started = time.monotonic()
    if unreadable:
        answer = _Answer()
        answer.error = unreadable
    else:
        answer = _post(endpoint.url, headers, event.payload.encode())
    duration = int((time.monotonic() - started) * 1000)
    _record(delivery, attempt, answer, duration, now)
    return attempt


@transaction.atomic
def _record(
    delivery: Delivery, attempt: Attempt, answer: _Answer, duration: int, now: datetime
) -> None:
    ok = answer.status is not None and 200 <= answer.status < 300
    gone = answer.status == 410
    attempt.outcome = AttemptOutcome.SUCCEEDED if ok else AttemptOutcome.FAILED
    attempt.duration_ms = duration
    attempt.response_status = answer.status
    attempt.response_headers = answer.headers
    attempt.response_body = answer.body
    attempt.error = (
        answer.error or ("" if ok else f"The endpoint answered HTTP {answer.status}.")
    )[:500]
    updated = Attempt.objects.filter(pk=attempt.pk, outcome=AttemptOutcome.SENDING).update(
        outcome=attempt.outcome,
        duration_ms=duration,
        response_status=answer.status,
        response_headers=answer.headers,
        response_body=answer.body,
        error=attempt.error,
    )
    if not updated:
        return  # another worker took the delivery over after this one's lease ran out
    endpoint = Endpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
    fields: dict[str, Any] = {"lease_until": None, "updated_at": timezone.now()}
    disable_reason = ""
    if ok:
        fields.update(status=DeliveryStatus.SUCCEEDED, finished_at=now, next_attempt_at=None)
        if endpoint.failing_since is not None:
            endpoint.failing_since = None
            endpoint.save(update_fields=["failing_since", "updated_at"])
    else:
        if endpoint.failing_since is None:
            endpoint.failing_since = now
            endpoint.save(update_fields=["failing_since", "updated_at"])
        if gone:
            fields.update(
                status=DeliveryStatus.FAILED,
                finished_at=now,
                next_attempt_at=None,
                reason="The endpoint answered 410 Gone.",
            )
            disable_reason = (
                "The endpoint answered 410 Gone: it asks for no more events. Enable it again "
                "if that was a mistake."
            )
        elif delivery.attempt_count >= MAX_ATTEMPTS:
            fields.update(
                status=DeliveryStatus.FAILED,
                finished_at=now,
                next_attempt_at=None,
                reason=f"All {MAX_ATTEMPTS} attempts failed; the last: {attempt.error}"[:500],
            )
            if (
                delivery.event.event_type != TEST
                and endpoint.failing_since <= now - _disable_after()
            ):
                disable_reason = (
                    f"Every attempt failed since {endpoint.failing_since:%Y-%m-%d %H:%M %Z} "
                    f"(the last: {attempt.error})"
                )
        else:
            fields["next_attempt_at"] = now + RETRY_SCHEDULE[delivery.attempt_count]
    Delivery.objects.filter(pk=delivery.pk).update(**fields)
    if disable_reason and endpoint.enabled:
        _disable(endpoint, reason=disable_reason, now=now)
        endpoint.save()
        audit_record(
            organization=endpoint.organization,
            actor=None,
            action="webhook.endpoint_disabled",
            obj=endpoint,
            data={"reason": endpoint.disabled_reason},
        )
        _tell_admins(endpoint)
    if "next_attempt_at" in fields and fields.get("status") is None:
        when = fields["next_attempt_at"]
        transaction.on_commit(lambda: _queue_later(delivery.pk, when))


def _queue_later(delivery_id: int, when: datetime) -> None:
    queue_deliveries([delivery_id], run_after=when)


# --- the periodic work -----------------------------------------------------------------------

# A delivery whose own task should have run this long ago is taken by the sweep.
SWEEP_GRACE = timedelta(seconds=30)
SWEEP_LIMIT = 500


def deliveries_due(*, now: datetime | None = None, grace: timedelta = SWEEP_GRACE) -> list[int]:
    """Pending deliveries overdue by ``grace`` and held by nobody (their task was lost with a
    worker, or the engine cannot run a task later)."""
    now = now or timezone.now()
    return list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now - grace)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:SWEEP_LIMIT]
    )


def deliveries_prune(*, now: datetime | None = None) -> int:
    """Delete finished deliveries (with their attempts) older than the log keeps, and events
    no delivery refers to any more; returns how many deliveries went."""
    now = now or timezone.now()
    keep = timedelta(days=float(getattr(settings, "SAYSO_WEBHOOK_LOG_DAYS", 30)))
    old = Delivery.objects.filter(created_at__lt=now - keep).exclude(status=DeliveryStatus.PENDING)
    count = 0
    while ids := list(old.values_list("pk", flat=True)[:1000]):
        with transaction.atomic():
            Delivery.objects.filter(resend_of__in=ids).update(resend_of=None)
            Attempt.objects.filter(delivery_id__in=ids).delete()
            count += Delivery.objects.filter(pk__in=ids).delete()[1].get("webhooks.Delivery", 0)
    Event.objects.filter(created_at__lt=now - keep, deliveries__isnull=True).delete()
    return count
