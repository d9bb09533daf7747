"""Writes of the listening app: sources, terms and rules; polling; the widget's posts."""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from sayso.conversations.models import Priority
from sayso.core import outbound
from sayso.core.encryption import SecretUnreadable, reseal, seal
from sayso.core.models import Organization, Team
from sayso.core.services import audit_record
from sayso.intelligence.analysis.spam_feedback import DecidedItem
from sayso.intelligence.models import INTENT_LABELS, DecidedKind, Sentiment
from sayso.listening.connectors import FetchedItem, FetchResult, SourceError, fetch
from sayso.listening.models import (
    ListenTerm,
    Mention,
    Outcome,
    RoutingRule,
    Source,
    SourceKind,
    TermKind,
)
from sayso.listening.pipeline import IngestReport, Intake, items_ingest, items_intake

logger = logging.getLogger("sayso.listening")
MIN_POLL_SECONDS = 60
MAX_CREDENTIAL_CHARS = 1000
SOURCE_FIELDS = (
    "name",
    "kind",
    "url",
    "queries",
    "account",
    "allowed_origins",
    "enabled",
    "poll_interval_seconds",
)


def _clean_origins(text: str) -> str:
    origins = []
    for line in (text or "").splitlines():
        line = line.strip().rstrip("/")
        if not line:
            continue
        parts = urlsplit(line)
        if parts.scheme not in {"http", "https"} or not parts.hostname or parts.path:
            raise ValidationError(
                f"“{line}” is not a site origin like https://www.example.com (scheme, host and "
                "port only)."
            )
        origins.append(f"{parts.scheme}://{parts.netloc.lower()}")
    return "\n".join(dict.fromkeys(origins))


def _validate_source(values: dict[str, Any]) -> dict[str, Any]:
    kind = values.get("kind")
    if kind not in SourceKind.values:
        raise ValidationError(f"Unknown kind of source “{kind}”.")
    name = " ".join(str(values.get("name") or "").split())[:120]
    if not name:
        raise ValidationError("A source needs a name.")
    url = str(values.get("url") or "").strip()
    if kind != SourceKind.WIDGET:
        if not url:
            raise ValidationError(
                {
                    SourceKind.RSS: "Give the feed's address.",
                    SourceKind.MASTODON: "Give the Mastodon server's address "
                    "(https://mastodon.social).",
                    SourceKind.BLUESKY: "Give the Bluesky service's address "
                    "(https://public.api.bsky.app, or your PDS to read mentions).",
                }[SourceKind(kind)]
            )
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise ValidationError(f"“{url}” is not a web address.") from None
        refusal = outbound.host_refusal(urlsplit(url).hostname or "")
        if refusal:
            raise ValidationError(refusal)
    if values.get("credential_env"):
        raise ValidationError(CREDENTIAL_ENV_GONE)
    queries = "\n".join(
        q.strip() for q in str(values.get("queries") or "").splitlines() if q.strip()
    )
    account = str(values.get("account") or "").strip()
    if kind in {SourceKind.MASTODON, SourceKind.BLUESKY} and not queries and not account:
        raise ValidationError("Give hashtags or words to follow, or the account to watch.")
    origins = _clean_origins(str(values.get("allowed_origins") or ""))
    if kind == SourceKind.WIDGET and not origins:
        raise ValidationError("List the sites allowed to show the widget (one origin a line).")
    interval = int(values.get("poll_interval_seconds") or 300)
    if interval < MIN_POLL_SECONDS:
        raise ValidationError(f"Poll at most once a minute ({MIN_POLL_SECONDS} seconds or more).")
    return {
        "name": name,
        "kind": kind,
        "url": url if kind != SourceKind.WIDGET else "",
        "queries": queries,
        "account": account[:200],
        "allowed_origins": origins if kind == SourceKind.WIDGET else "",
        "enabled": bool(values.get("enabled", True)),
        "poll_interval_seconds": interval,
    }


CREDENTIAL_ENV_GONE = (
    "Sources no longer name an environment variable for their credential: enter the access "
    "token or app password itself (“credential”); Sayso stores it encrypted and never shows it "
    "again."
)


def _clean_credential(kind: str, values: dict[str, Any]) -> str | None:
    """The new credential in clear; "" to remove it; None to keep what is stored."""
    secret = values.get("credential")
    secret = "" if secret is None else str(secret).strip()
    if secret:
        if kind not in {SourceKind.MASTODON, SourceKind.BLUESKY}:
            raise ValidationError(
                f"A {SourceKind(kind).label} source takes no credential."
                if kind in SourceKind.values
                else "This source takes no credential."
            )
        if len(secret) > MAX_CREDENTIAL_CHARS:
            raise ValidationError(
                f"The credential is too long ({MAX_CREDENTIAL_CHARS:,} characters at most)."
            )
        if any(ch.isspace() or not ch.isprintable() for ch in secret):
            raise ValidationError(
                "The credential cannot contain spaces, line breaks or control characters."
            )
        return secret
    return "" if values.get("clear_credential") else None


def source_create(*, organization: Organization, actor: Any = None, **values: Any) -> Source:
    cleaned = _validate_source(values)
    secret = _clean_credential(cleaned["kind"], values)
    try:
        with transaction.atomic():
            source = Source.objects.create(
                organization=organization,
                created_by=actor,
                next_poll_at=timezone.now(),
                credential=seal(secret) if secret else "",
                **cleaned,
            )
            audit_record(
                organization=organization,
                actor=actor,
                action="source.create",
                obj=source,
                data={
                    "kind": source.kind,
                    "name": source.name,
                    "credential": source.has_credential,
                },
            )
    except IntegrityError:
        raise ValidationError(f"There is already a source named “{cleaned['name']}”.") from None
    return source


def source_update(*, source: Source, actor: Any = None, **values: Any) -> Source:
    """Change a source. ``credential``: a new one ("" or None keeps the stored one);
    ``clear_credential=True`` removes it."""
    if values.get("credential_env"):
        raise ValidationError(CREDENTIAL_ENV_GONE)
    merged = {name: getattr(source, name) for name in SOURCE_FIELDS}
    merged.update({k: v for k, v in values.items() if k in SOURCE_FIELDS})
    merged["kind"] = source.kind  # a source does not change kind
    cleaned = _validate_source(merged)
    secret = _clean_credential(source.kind, values)
    address_changed = cleaned["url"] != source.url or cleaned["queries"] != source.queries
    for name, value in cleaned.items():
        setattr(source, name, value)
    credential_changed = secret is not None and (secret or source.credential)
    if secret is not None:
        source.credential = seal(secret) if secret else ""
    if address_changed or credential_changed:
        # A new address or query starts from scratch: the old cursor means nothing there.
        source.cursor = {}
        source.failure_count = 0
        source.last_error = ""
    if source.enabled and source.next_poll_at is None:
        source.next_poll_at = timezone.now()
    try:
        with transaction.atomic():
            source.save()
            audit_record(
                organization=source.organization,
                actor=actor,
                action="source.update",
                obj=source,
                data={
                    "name": source.name,
                    **({"credential": "changed"} if credential_changed else {}),
                },
            )
    except IntegrityError:
        raise ValidationError(f"There is already a source named “{source.name}”.") from None
    return source


@transaction.atomic
def source_delete(*, source: Source, actor: Any = None) -> None:
    audit_record(
        organization=source.organization,
        actor=actor,
        action="source.delete",
        obj=source,
        data={"name": source.name, "kind": source.kind},
    )
    source.delete()


@dataclass
class ConnectionTest:
    ok: bool
    error: str = ""
    items: list[FetchedItem] = field(default_factory=list)


@dataclass(frozen=True)
class ResealReport:
    resealed: int
    unreadable: list[Source]


def source_credentials_reseal() -> ResealReport:
    """Every stored source credential, of every organization, sealed again with the newest key
    of ``SAYSO_ENCRYPTION_KEY`` (the operator's step of a key rotation, ``sayso
    reseal-credentials``: docs/deploy.md). A credential that no configured key opens is left
    as it is and reported; one row is written at a time, so an interrupted run can be run
    again."""
    resealed, unreadable = 0, []
    for source in Source.objects.exclude(credential="").order_by("pk").iterator():
        try:
            token = reseal(source.credential)
        except SecretUnreadable:
            unreadable.append(source)
            continue
        Source.objects.filter(pk=source.pk, credential=source.credential).update(credential=token)
        resealed += 1
    return ResealReport(resealed=resealed, unreadable=unreadable)


def source_test(*, source: Source) -> ConnectionTest:
    """Fetch once from the start, store nothing: the first items, or why they could not be
    read (a failed connection always in the same words: ``outbound.UNREACHABLE``)."""
    if not source.polled:
        return ConnectionTest(False, "The widget is not fetched: it posts to Sayso.")
    result = _fetched(source, cursor={})
    if isinstance(result, SourceError):
        return ConnectionTest(False, result.message)
    return ConnectionTest(True, "", result.items[:10])


@dataclass
class PollResult:
    source_id: int
    ok: bool
    report: IngestReport
    error: str = ""
    not_modified: bool = False


def _backoff(source: Source, failures: int, retry_after: float | None, permanent: bool) -> float:
    base = max(source.poll_interval_seconds, MIN_POLL_SECONDS)
    delay = base * (2 ** min(failures, 10))
    if permanent:
        delay = max(delay, 3600)
    if retry_after is not None:
        delay = max(retry_after, MIN_POLL_SECONDS)
    return float(min(delay, settings.SAYSO_LISTENING_MAX_BACKOFF_SECONDS))


def _record_failure(source: Source, error: SourceError, now: datetime) -> None:
    failures = source.failure_count + 1
    delay = _backoff(source, failures - 1, error.retry_after, error.permanent)
    Source.objects.filter(pk=source.pk).update(
        failure_count=F("failure_count") + 1,
        last_error=error.message[:1000],
        last_error_at=now,
        last_polled_at=now,
        next_poll_at=now + timedelta(seconds=delay),
    )
    source.refresh_from_db()


def _fetched(source: Source, cursor: dict[str, Any] | None = None) -> FetchResult | SourceError:
    """What the source has after its cursor (or ``cursor``), or why it could not be read (no
    database work: ``sources_poll`` runs this in a helper thread)."""
    if cursor is None:
        cursor = dict(source.cursor or {})
    try:
        return fetch(source, cursor, timeout=settings.SAYSO_LISTENING_TIMEOUT_SECONDS)
    except SourceError as exc:
        return exc
    except Exception as exc:  # a connector bug must not stop the other sources
        logger.exception("Polling source %s failed", source.pk)
        return SourceError(f"Sayso failed to read this source ({type(exc).__name__}: {exc}).")


def source_poll(
    *,
    source: Source,
    now: datetime | None = None,
    ingest: Callable[..., IngestReport] | None = None,
) -> PollResult:
    """Fetch new items from ``source`` and store them; then, and only then, save its cursor.

    Errors never raise: they are recorded on the source (``last_error``, ``failure_count``)
    and the next poll is pushed back (doubling with each failure, or ``Retry-After``)."""
    return _stored(source, _fetched(source), now or timezone.now(), ingest)


def _stored(
    source: Source,
    fetched: FetchResult | SourceError,
    now: datetime,
    ingest: Callable[..., IngestReport] | None = None,
) -> PollResult:
    ingest = ingest or items_ingest
    if isinstance(fetched, SourceError):
        _record_failure(source, fetched, now)
        return PollResult(source.pk, False, IngestReport(), fetched.message)
    try:
        report = ingest(source=source, items=fetched.items)
    except Exception as exc:  # the cursor stays: the next poll fetches these items again
        logger.exception("Storing the items of source %s failed", source.pk)
        error = SourceError(f"Sayso failed to store this source's items ({type(exc).__name__}).")
        _record_failure(source, error, now)
        return PollResult(source.pk, False, IngestReport(), error.message)
    Source.objects.filter(pk=source.pk).update(
        cursor=fetched.cursor,
        failure_count=0,
        last_error="",
        last_polled_at=now,
        last_success_at=now,
        next_poll_at=now + timedelta(seconds=source.poll_interval_seconds),
    )
    source.refresh_from_db()
    return PollResult(source.pk, True, report, not_modified=fetched.not_modified)


# A source and its fetch, running in ``sources_poll``'s helper thread.
_Fetching = tuple[Source, "Future[FetchResult | SourceError]"]


def sources_poll(
    source_ids: Sequence[int], *, claim: bool = False
) -> Iterator[tuple[Source, PollResult]]:
    """``source_poll`` each source in turn, keeping the encoder and the database busy across
    sources as well as within one:

    - the next source is fetched in a helper thread while the items of the one before are
      analyzed and stored: a source's fetch (the network, parsing) no longer waits for the one
      before to be stored, nor leaves the encoder idle;
    - once a source's last chunk is analyzed, the next source's first chunk (already fetched)
      is picked out and analyzed while that last chunk is stored (``items_ingest``'s
      ``ahead``), instead of each source's first analysis and last storing running alone.

    ``claim``: take each source with ``source_claim`` first (the continuous listener, beside
    workers polling the same sources); one that is not due any more is skipped. Yields each
    polled source with its result."""

    def take(source_id: int) -> Source | None:
        if claim:
            return source_claim(source_id=source_id)
        return Source.objects.select_related("organization").filter(pk=source_id).first()

    pending = list(source_ids)
    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="sayso-fetch") as fetcher,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="sayso-enrich") as enricher,
    ):

        def next_fetch() -> _Fetching | None:
            while pending:
                source = take(pending.pop(0))
                if source is not None:
                    return source, fetcher.submit(_fetched, source)
            return None

        # The next source's first steps, started during the current source's last chunk.
        started: dict[int, Intake] = {}

        def ahead(following: _Fetching | None) -> None:
            if following is None or not following[1].done():
                return  # still on the network: its first chunk waits for its own turn
            source, fetching = following
            fetched = fetching.result()
            if isinstance(fetched, SourceError) or not fetched.items:
                return
            try:
                # A savepoint: a failed read must not spoil a transaction around the caller.
                with transaction.atomic():
                    started[source.pk] = items_intake(
                        source=source, items=fetched.items, helper=enricher
                    )
            except Exception:  # its own turn does the same again and records what failed
                logger.exception("Reading ahead of source %s failed", source.pk)

        upcoming = next_fetch()
        while upcoming is not None:
            source, fetching = upcoming
            fetched = fetching.result()
            upcoming = next_fetch()
            ingest = partial(
                items_ingest,
                intake=started.pop(source.pk, None),
                helper=enricher,
                ahead=partial(ahead, upcoming),
            )
            yield source, _stored(source, fetched, timezone.now(), ingest)


def sources_due(
    *, now: datetime | None = None, organization: Organization | None = None
) -> list[int]:
    now = now or timezone.now()
    due = Source.objects.filter(enabled=True, next_poll_at__lte=now).exclude(kind=SourceKind.WIDGET)
    if organization is not None:
        due = due.filter(organization=organization)
    return list(due.order_by("next_poll_at", "id").values_list("id", flat=True))


def source_claim(*, source_id: int, now: datetime | None = None) -> Source | None:
    """Take a due source for polling: pushes its next poll back so that a second worker (or
    the next scheduler tick) does not poll it at the same time. None when not due."""
    now = now or timezone.now()
    lease = now + timedelta(seconds=max(settings.SAYSO_LISTENING_TIMEOUT_SECONDS * 30, 300))
    claimed = Source.objects.filter(pk=source_id, enabled=True, next_poll_at__lte=now).update(
        next_poll_at=lease
    )
    if not claimed:
        return None
    return Source.objects.select_related("organization").get(pk=source_id)


# Terms ---------------------------------------------------------------------------------------


def term_add(*, organization: Organization, kind: str, term: str, actor: Any = None) -> ListenTerm:
    if kind not in TermKind.values:
        raise ValidationError(f"Unknown kind of term “{kind}”.")
    term = " ".join((term or "").split())
    if len(term.lstrip("@")) < 2:
        raise ValidationError("A term needs at least two characters.")
    if len(term) > 120:
        raise ValidationError("A term is at most 120 characters.")
    existing = ListenTerm.objects.filter(organization=organization, term__iexact=term).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return ListenTerm.objects.create(organization=organization, kind=kind, term=term)
    except IntegrityError:
        return ListenTerm.objects.get(organization=organization, term__iexact=term)


def term_remove(*, term: ListenTerm, actor: Any = None) -> None:
    term.delete()


# Rules ---------------------------------------------------------------------------------------

RULE_FIELDS = (
    "name",
    "position",
    "enabled",
    "intent",
    "sentiment",
    "keyword",
    "source",
    "channel",
    "team",
    "priority",
)


def _validate_rule(organization: Organization, values: dict[str, Any]) -> dict[str, Any]:
    name = " ".join(str(values.get("name") or "").split())[:120]
    if not name:
        raise ValidationError("A rule needs a name.")
    intent = str(values.get("intent") or "")
    if intent and intent not in INTENT_LABELS:
        raise ValidationError(f"Unknown intent “{intent}”.")
    sentiment = str(values.get("sentiment") or "")
    if sentiment and sentiment not in Sentiment.values:
        raise ValidationError(f"Unknown sentiment “{sentiment}”.")
    priority = str(values.get("priority") or "")
    if priority and priority not in Priority.values:
        raise ValidationError(f"Unknown priority “{priority}”.")
    team = values.get("team")
    if team is not None and (not isinstance(team, Team) or team.organization_id != organization.pk):
        raise ValidationError("That team belongs to another organization.")
    source = values.get("source")
    if source is not None and (
        not isinstance(source, Source) or source.organization_id != organization.pk
    ):
        raise ValidationError("That source belongs to another organization.")
    channel = str(values.get("channel") or "")
    from sayso.conversations.models import Channel

    if channel and channel not in Channel.values:
        raise ValidationError(f"Unknown channel “{channel}”.")
    if team is None and not priority:
        raise ValidationError("A rule sets a team, a priority, or both.")
    return {
        "name": name,
        "position": int(values.get("position") or 0),
        "enabled": bool(values.get("enabled", True)),
        "intent": intent,
        "sentiment": sentiment,
        "keyword": " ".join(str(values.get("keyword") or "").split())[:120],
        "source": source,
        "channel": channel,
        "team": team,
        "priority": priority,
    }


def rule_create(*, organization: Organization, actor: Any = None, **values: Any) -> RoutingRule:
    cleaned = _validate_rule(organization, values)
    return RoutingRule.objects.create(organization=organization, **cleaned)


def rule_update(*, rule: RoutingRule, actor: Any = None, **values: Any) -> RoutingRule:
    merged = {name: getattr(rule, name) for name in RULE_FIELDS}
    merged.update({k: v for k, v in values.items() if k in RULE_FIELDS})
    for name, value in _validate_rule(rule.organization, merged).items():
        setattr(rule, name, value)
    rule.save()
    return rule


def rule_delete(*, rule: RoutingRule, actor: Any = None) -> None:
    rule.delete()


# The widget ----------------------------------------------------------------------------------

MAX_WIDGET_CHARS = 5000


def widget_source_for(*, organization: Organization, origin: str) -> Source | None:
    """The organization's enabled widget that allows ``origin``, if any."""
    origin = (origin or "").strip().rstrip("/").lower()
    if not origin:
        return None
    for source in Source.objects.filter(
        organization=organization, kind=SourceKind.WIDGET, enabled=True
    ).order_by("id"):
        if origin in source.origin_list():
            return source
    return None


def widget_submit(
    *, source: Source, message: str, email: str = "", page: str = "", submission_id: str = ""
) -> IngestReport:
    """Store one message sent through the widget (idempotent on ``submission_id``, which the
    widget generates once per message, so a retried post is stored once).

    The email is a claim, not an identity: anyone can type anyone's address. The message
    never joins the customer who holds that address; it goes to an unverified contact (a
    prospect holding the address as ``EMAIL_CLAIMED``, the same contact for every message
    claiming it until it is confirmed), and a link is emailed to the address. Using the link
    merges the contact into the customer who holds the address (docs/listening.md, "Claimed
    addresses")."""
    from sayso.customers.models import IdentityKind
    from sayso.customers.services import UNVERIFIED_SUFFIX, identity_claim_send
    from sayso.listening.models import Mention

    text = (message or "").replace("\r\n", "\n").strip()
    if not text:
        raise ValidationError("Write a message first.")
    if len(text) > MAX_WIDGET_CHARS:
        raise ValidationError(f"The message is too long ({MAX_WIDGET_CHARS:,} characters at most).")
    email = (email or "").strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError(f"“{email}” is not a valid email address.") from None
    try:
        key = str(uuid.UUID(submission_id)) if submission_id else ""
    except ValueError:
        key = ""
    if not key:
        key = hashlib.sha256(f"{email}\n{text}".encode()).hexdigest()
    page = page[:1000] if page.startswith(("http://", "https://")) else ""
    item = FetchedItem(
        external_id=f"widget:{key}",
        text=text,
        url=page,
        author_name=f"{email}{UNVERIFIED_SUFFIX}" if email else "",
        author_kind=IdentityKind.EMAIL_CLAIMED if email else "",
        author_value=email,
        published_at=timezone.now(),
        direct=True,
    )
    report = items_ingest(source=source, items=[item])
    if report.stored:
        Source.objects.filter(pk=source.pk).update(last_success_at=timezone.now())
    if email and report.stored:
        # A link to the address, for a message that was stored as one (spam is held, and
        # nobody is emailed for it).
        for mention in Mention.objects.filter(
            pk__in=report.mention_ids, message__isnull=False
        ).select_related("customer", "customer__organization"):
            if mention.customer is not None:
                identity_claim_send(contact=mention.customer, value=email)
    return report


# Mentions ------------------------------------------------------------------------------------


def mention_open_case(*, mention: Any, actor: Any) -> Any:
    """Staff open a case from a kept mention (praise to thank, an idea to answer): the
    mention becomes the case's first message, exactly once."""
    from sayso.conversations.models import Visibility
    from sayso.conversations.services import message_receive
    from sayso.listening.models import Mention, Outcome
    from sayso.listening.pipeline import CHANNEL_OF, heard_headers, heard_text

    with transaction.atomic():
        mention = (
            Mention.objects.select_for_update(of=("self",))
            .select_related("source", "customer")
            .get(pk=mention.pk)
        )
        if mention.case_id is not None:
            return mention.case
        if mention.customer is None:
            raise ValidationError("This mention has no author to open a case for.")
        body = heard_text(mention.title, mention.text)
        message, created = message_receive(
            organization=mention.organization,
            customer=mention.customer,
            channel=CHANNEL_OF[SourceKind(mention.source.kind)],
            body=body[: settings.SAYSO_MAX_MESSAGE_CHARS],
            external_id=mention.external_id,
            subject=mention.title,
            sent_at=mention.published_at,
            visibility=Visibility.PUBLIC
            if mention.source.kind != SourceKind.WIDGET
            else Visibility.PRIVATE,
            headers=heard_headers(
                mention.source,
                mention.url,
                same_problem=False,
                opened_by=getattr(actor, "pk", None),
            ),
        )
        mention.case = message.case
        if created:
            mention.message = message
        mention.outcome = Outcome.OPENED
        mention.save(update_fields=["case", "message", "outcome", "updated_at"])
        audit_record(
            organization=mention.organization,
            actor=actor,
            action="mention.open_case",
            obj=mention,
            data={"case": message.case.number},
        )
    return message.case


def mention_spam_mark(organization: Organization, object_id: int, spam: bool) -> DecidedItem | None:
    """Staff say a mention is spam or not: its verdict follows (a kept mention marked as spam
    is counted as spam, a spam one released is kept); returns what the organization's spam
    filter learns from it (registered with the filter in ``ListeningConfig.ready``), None when
    there is no such mention."""
    mention = Mention.objects.filter(organization=organization, pk=object_id).first()
    if mention is None:
        return None
    changes: dict[str, Any] = {"is_spam": spam, "updated_at": timezone.now()}
    if spam and mention.outcome == Outcome.KEPT:
        changes["outcome"] = Outcome.SPAM
    elif not spam and mention.outcome == Outcome.SPAM:
        changes["outcome"] = Outcome.KEPT
    Mention.objects.filter(pk=mention.pk).update(**changes)
    text = f"{mention.title}\n\n{mention.text}".strip() if mention.title else mention.text
    return DecidedItem(DecidedKind.MENTION, mention.pk, text, mention.author_name, mention.url)
