"""Re-import of an export (``sayso.personal-data/1``) into an organization, e.g. a fresh
installation: everything the export holds that is the customer's — their identities, consent
history (with the notices shown) and preferences, cases and messages, commitments, intents with
their offers, deals, public posts (ideas, comments, questions, answers, reviews), votes and
follows. Everything in one transaction.

- **New ids.** Rows get this installation's ids and numbers; what one row says of another is
  matched by what names it: an export's idea number maps to the idea re-created from it (or an
  idea of the same title here), a deal's stage to the stage of the same name, a review's product
  to the product of the same name, a commitment's case to the case re-created from it.
- **Idempotent.** The import is recorded (audit entry ``privacy.imported`` naming the source
  organization and customer); importing the same export again finds that customer and adds only
  what is missing, so running it twice changes nothing the second time.
- **One record per person.** An address held by another customer of the organization refuses
  the whole import (merge them instead).

What is the organization's rather than the customer's is not re-created: contact attempts, the
analysis of their messages (recomputed here), the timeline (rebuilt by what happens next). A
comment, answer, vote or follow on something that is not here (another customer's idea) is
left out and reported.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone

from sayso.community.common import digest
from sayso.community.models import (
    Answer,
    Category,
    Comment,
    Follow,
    Idea,
    Product,
    Question,
    Review,
    Vote,
)
from sayso.consent.models import ConsentNotice, ConsentRecord, ContactPreferences
from sayso.conversations.models import Case, Commitment, Message
from sayso.core.markup import render_markdown
from sayso.core.models import AuditEntry, Membership, Organization, Role
from sayso.core.services import audit_record
from sayso.customers.models import Customer, Identity, IdentityKind
from sayso.deals.models import Deal, Intent, Offer, SellingStage
from sayso.privacy.services import SCHEMA

IMPORTED = "privacy.imported"


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


@dataclass
class ImportReport:
    """What an import did: the customer, how many rows of each kind it added (none on a
    repeated import), and what it left out because it names something not here."""

    customer: Customer
    repeated: bool = False
    added: Counter[str] = field(default_factory=Counter)
    left_out: list[str] = field(default_factory=list)


def _section(document: dict[str, Any], name: str, default: Any) -> Any:
    section = document.get("sections", {}).get(name)
    return default if not isinstance(section, dict) else section.get("data", default)


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _decimal(value: Any) -> Decimal | None:
    return Decimal(value) if value not in (None, "") else None


class _Importer:
    def __init__(self, organization: Organization, report: ImportReport, now: datetime) -> None:
        self.organization = organization
        self.report = report
        self.customer = report.customer
        self.now = now
        self.ideas: dict[int, Idea] = {}  # the export's idea number -> the idea here
        self.questions: dict[int, Question] = {}
        self.cases: dict[int, Case] = {}

    def once(self, model: type[models.Model], lookup: dict[str, Any], **defaults: Any) -> Any:
        """The row ``lookup`` finds, or a new one (counted): what makes a repeat change nothing."""
        found = model._default_manager.filter(**lookup).first()
        if found is not None:
            return found
        self.report.added[model._meta.model_name or model.__name__] += 1
        return model._default_manager.create(**lookup, **defaults)

    def left_out(self, what: str) -> None:
        self.report.left_out.append(what)

    def next_number(self, model: type[models.Model]) -> int:
        largest = model._default_manager.filter(organization=self.organization).aggregate(
            n=Max("number")
        )["n"]
        return int(largest or 0) + 1

    # --- the customer ------------------------------------------------------------------------

    def identities(self, identities: list[dict[str, Any]]) -> None:
        for i in identities:
            if i["kind"] not in IdentityKind.values:
                raise ValidationError(f"Unknown kind of identity: {i['kind']!r}.")
            self.once(
                Identity,
                {"organization": self.organization, "kind": i["kind"], "value": i["value"]},
                customer=self.customer,
                label=i.get("label", ""),
                verified_at=_time(i.get("verified_at")),
                created_at=_time(i.get("added_at")) or self.customer.created_at,
            )

    def consent(self, consent: dict[str, Any]) -> None:
        for record in consent.get("history", []):
            notice = None
            if record.get("notice_version"):
                notice, _ = ConsentNotice.objects.get_or_create(
                    organization=self.organization,
                    purpose=record["purpose"],
                    version=record["notice_version"],
                    defaults={"text": record.get("notice_text", "")},
                )
            self.once(
                ConsentRecord,
                {
                    "organization": self.organization,
                    "customer": self.customer,
                    "channel": record["channel"],
                    "purpose": record["purpose"],
                    "choice": record["choice"],
                    "created_at": _time(record.get("decided_at")) or self.customer.created_at,
                },
                notice=notice,
                method=record["method"],
                location=record.get("location", "import"),
                note=record.get("note", ""),
                by_customer=bool(record.get("by_customer")),
            )
        preferences = consent.get("preferences")
        if preferences:
            self.once(
                ContactPreferences,
                {"customer": self.customer},
                organization=self.organization,
                time_zone=preferences.get("time_zone") or "UTC",
                quiet_start=preferences.get("quiet_start"),
                quiet_end=preferences.get("quiet_end"),
                not_before=preferences.get("not_before"),
                max_per_week=preferences.get("max_per_week"),
            )

    # --- cases and commitments ---------------------------------------------------------------

    def cases_and_commitments(self, cases: list[dict[str, Any]], commitments: list[Any]) -> None:
        for case_data in cases:
            messages = case_data.get("messages", [])
            opened = _time(case_data.get("opened_at")) or self.customer.created_at
            lookup = {
                "organization": self.organization,
                "customer": self.customer,
                "subject": case_data.get("subject", "")[:300],
                "created_at": opened,
            }
            case = Case.objects.filter(**lookup).first() or self.once(
                Case,
                lookup,
                number=self.next_number(Case),  # this installation's numbers, never the export's
                status=case_data.get("status", "open"),
                channel=case_data.get("channel", "web"),
                resolved_at=_time(case_data.get("resolved_at")),
                last_message_at=_time(messages[-1]["sent_at"]) if messages else None,
            )
            if case_data.get("number") is not None:
                self.cases[int(case_data["number"])] = case
            for m in messages:
                self.once(
                    Message,
                    {
                        "case": case,
                        "direction": m["direction"],
                        "sent_at": _time(m["sent_at"]) or case.created_at,
                        "body": m.get("body", ""),
                    },
                    organization=self.organization,
                    customer=self.customer,
                    channel=m["channel"],
                    visibility=m.get("visibility", "private"),
                    subject=m.get("subject", ""),
                    external_id=m.get("external_id", ""),
                )
        owner = self.commitment_owner()
        for c in commitments:
            case = self.cases.get(int(c.get("case_number") or 0))
            if case is None or owner is None:
                why = "no case" if case is None else "no staff member here to own it"
                self.left_out(f"commitment “{c.get('description', '')}” ({why})")
                continue
            self.once(
                Commitment,
                {
                    "case": case,
                    "description": c.get("description", "")[:500],
                    "due_at": _time(c.get("due_at")),
                },
                organization=self.organization,
                customer=self.customer,
                owner=owner,
                status=c.get("status", "open"),
                closed_at=_time(c.get("closed_at")),
            )

    def commitment_owner(self) -> Any:
        """The organization's longest-standing admin (then manager) owns imported promises."""
        for role in (Role.ADMIN, Role.MANAGER, Role.AGENT):
            membership = (
                Membership.objects.filter(organization=self.organization, role=role)
                .select_related("user")
                .order_by("created_at", "id")
                .first()
            )
            if membership is not None:
                return membership.user
        return None

    # --- intents, offers, deals --------------------------------------------------------------

    def intents(self, intents: list[dict[str, Any]]) -> None:
        for data in intents:
            intent = self.once(
                Intent,
                {
                    "organization": self.organization,
                    "customer": self.customer,
                    "title": data.get("title", "")[:200],
                    "created_at": _time(data.get("published_at")) or self.now,
                },
                description=data.get("description", ""),
                category_text=data.get("category", "")[:120],
                details=data.get("details", "")[:500],
                window_start=data.get("window_start"),
                window_end=data.get("window_end"),
                budget=_decimal(data.get("budget")),
                currency=data.get("currency") or "USD",
                reply_channel=data.get("reply_channel") or "email",
                deadline=_time(data.get("deadline")) or self.now,
                visibility=data.get("visibility") or "organization",
                status=data.get("status") or "closed",
            )
            for offer in data.get("offers", []):
                self.once(
                    Offer,
                    {
                        "intent": intent,
                        "price": _decimal(offer.get("price")),
                        "currency": offer.get("currency") or "USD",
                        "valid_until": _time(offer.get("valid_until")),
                    },
                    organization=self.organization,
                    author=None,
                    terms=offer.get("terms", ""),
                    status=offer.get("status") or "sent",
                    decided_at=_time(offer.get("decided_at")),
                )

    def deals(self, deals: list[dict[str, Any]]) -> None:
        for data in deals:
            stage = None
            if data.get("stage"):
                stage = SellingStage.objects.filter(
                    organization=self.organization, name=data["stage"]
                ).first()
                if stage is None:
                    self.left_out(f"the stage “{data['stage']}” of deal “{data.get('title')}”")
            self.once(
                Deal,
                {
                    "organization": self.organization,
                    "customer": self.customer,
                    "title": data.get("title", "")[:200],
                    "created_at": _time(data.get("opened_at")) or self.now,
                },
                stage=stage,
                status=data.get("status") or "active",
                value=_decimal(data.get("value")),
                currency=data.get("currency") or "USD",
                expected_on=data.get("expected_on"),
                next_step=data.get("next_step", "")[:300],
            )

    # --- public posts, votes, follows --------------------------------------------------------

    def hidden_at(self, data: dict[str, Any]) -> datetime | None:
        return (_time(data.get("posted_at")) or self.now) if data.get("hidden") else None

    def idea_named(self, number: Any, title: Any) -> Idea | None:
        if number is not None and int(number) in self.ideas:
            return self.ideas[int(number)]
        return Idea.objects.filter(organization=self.organization, title=title or "").first()

    def numbered_post(self, model: type[models.Model], data: dict[str, Any], **extra: Any) -> Any:
        """An idea or question of the customer's: found by title and time, or re-created with
        this organization's next number."""
        lookup = {
            "organization": self.organization,
            "author": self.customer,
            "title": data["title"],
            "created_at": _time(data.get("posted_at")) or self.now,
        }
        return model._default_manager.filter(**lookup).first() or self.once(
            model,
            lookup,
            number=self.next_number(model),
            body=data.get("body", ""),
            hidden_at=self.hidden_at(data),
            **extra,
        )

    def posts(self, posts: dict[str, Any]) -> None:
        org = self.organization
        for data in posts.get("ideas", []):
            self.ideas[int(data["number"])] = self.numbered_post(Idea, data)
        for data in posts.get("questions", []):
            body_html = str(render_markdown(data.get("body", "")))
            self.questions[int(data["number"])] = self.numbered_post(
                Question, data, body_html=body_html
            )
        for data in posts.get("reviews", []):
            product = None
            if data.get("product"):
                product = Product.objects.filter(organization=org, name=data["product"]).first()
                if product is None:
                    self.left_out(f"a review of “{data['product']}” (no such product here)")
                    continue
            self.once(
                Review,
                {
                    "organization": org,
                    "customer": self.customer,
                    "product": product,
                    "title": data.get("title", ""),
                    "created_at": _time(data.get("posted_at")) or self.now,
                },
                rating=int(data.get("rating") or 5),
                body=data.get("body", ""),
                hidden_at=self.hidden_at(data),
            )
        for data in posts.get("answers", []):
            number = data.get("question_number")
            question = self.questions.get(int(number)) if number is not None else None
            question = (
                question
                or Question.objects.filter(organization=org, title=data.get("question", "")).first()
            )
            if question is None:
                self.left_out(f"an answer to “{data.get('question', '')}” (not here)")
                continue
            self.thread_post(Answer, data, question=question)
        for data in posts.get("comments", []):
            target = self.comment_target(data.get("on") or {})
            if target is None:
                self.left_out(f"a comment on “{(data.get('on') or {}).get('title', '')}”")
                continue
            self.thread_post(Comment, data, **target)

    def thread_post(self, model: type[models.Model], data: dict[str, Any], **on: Any) -> Any:
        """An answer or comment of the customer's on ``on`` (its question, or what it is a
        comment on): found by its body and time, or re-created, visible or hidden as it was."""
        body = data.get("body", "")
        return self.once(
            model,
            {
                "author": self.customer,
                "body": body,
                "created_at": _time(data.get("posted_at")) or self.now,
                **on,
            },
            organization=self.organization,
            body_html=str(render_markdown(body)),
            body_digest=digest(body),
            state="hidden" if data.get("hidden") else "visible",
        )

    def comment_target(self, on: dict[str, Any]) -> dict[str, Any] | None:
        kind, org = on.get("kind"), self.organization
        if kind == "idea":
            idea = self.idea_named(on.get("number"), on.get("title"))
            return {"idea": idea} if idea is not None else None
        if kind == "review":
            reviews = Review.objects.filter(organization=org, title=on.get("title", ""))
            if on.get("product"):
                reviews = reviews.filter(product__name=on["product"])
            else:
                reviews = reviews.filter(product__isnull=True)
            review = reviews.order_by("id").first()
            return {"review": review} if review is not None else None
        if kind in ("roadmap_item", "changelog_entry"):
            # The comment's own foreign key names the model: no import of the roadmap app.
            model = Comment._meta.get_field(kind).related_model
            assert isinstance(model, type) and issubclass(model, models.Model)
            found = model._default_manager.filter(organization=org, title=on.get("title")).first()
            return {kind: found} if found is not None else None
        return None

    def votes_and_follows(self, data: dict[str, Any]) -> None:
        for vote in data.get("votes", []):
            idea = self.idea_named(vote.get("idea_number"), vote.get("idea"))
            if idea is None:
                self.left_out(f"a vote for “{vote.get('idea', '')}” (not here)")
                continue
            self.once(
                Vote,
                {"idea": idea, "customer": self.customer},
                organization=self.organization,
                created_at=_time(vote.get("at")) or self.now,
            )
        for follow in data.get("follows", []):
            subject = self.follow_subject(follow)
            if subject is None:
                self.left_out(f"following “{follow.get('subject', '')}” (not here)")
                continue
            self.once(
                Follow,
                {"customer": self.customer, "subject": subject},
                organization=self.organization,
                delivery=follow.get("delivery") or "immediate",
                created_at=_time(follow.get("since")) or self.now,
            )

    def follow_subject(self, follow: dict[str, Any]) -> str | None:
        about = follow.get("about")
        subject = str(follow.get("subject", ""))
        if about is None:
            # A subject without an id ("ideas": every new idea) means the same here.
            return subject if subject and not subject.partition(":")[2] else None
        kind, org = about.get("kind"), self.organization
        found: Any = None
        if kind == "idea":
            found = self.idea_named(about.get("number"), about.get("title"))
        elif kind == "question":
            number = about.get("number")
            found = self.questions.get(int(number)) if number is not None else None
            if found is None:
                found = Question.objects.filter(organization=org, title=about.get("title", ""))
                found = found.first()
        elif kind == "review":
            found = self.comment_target({**about, "kind": "review"})
            found = found["review"] if found else None
        elif kind == "category":
            found = Category.objects.filter(organization=org, name=about.get("name", "")).first()
        elif kind == "person" and about.get("name") == self.customer.public_name:
            found = self.customer
        return f"{kind}:{found.pk}" if found is not None else None

    def counts_refresh(self) -> None:
        """The counters the community pages show, for the ideas and questions touched."""
        for idea in {idea.pk: idea for idea in self.ideas.values()}.values():
            Idea.objects.filter(pk=idea.pk).update(
                vote_count=Vote.objects.filter(idea=idea).count(),
                comment_count=Comment.objects.filter(idea=idea, state="visible").count(),
            )
        voted = Vote.objects.filter(customer=self.customer).values_list("idea_id", flat=True)
        for idea_id in set(voted) - {idea.pk for idea in self.ideas.values()}:
            Idea.objects.filter(pk=idea_id).update(
                vote_count=Vote.objects.filter(idea_id=idea_id).count()
            )
        for question in self.questions.values():
            Question.objects.filter(pk=question.pk).update(
                answer_count=Answer.objects.filter(question=question, state="visible").count()
            )


def _source(document: dict[str, Any]) -> str:
    organization = document.get("organization") or {}
    profile = _section(document, "profile", {})
    return f"{organization.get('slug', '')}:{profile.get('id', '')}"


def _earlier(organization: Organization, source: str) -> Customer | None:
    entry = (
        AuditEntry.objects.filter(organization=organization, action=IMPORTED, data__source=source)
        .order_by("-id")
        .first()
    )
    if entry is None or not entry.object_id.isdigit():
        return None
    return Customer.objects.filter(
        organization=organization, pk=int(entry.object_id), erased_at__isnull=True
    ).first()


@transaction.atomic
def personal_data_import(*, organization: Organization, document: dict[str, Any]) -> ImportReport:
    """Recreate the customer of ``document`` in ``organization`` (see the module's notes):
    one transaction; refused, with nothing written, when an address of theirs is another
    customer's here; a repeat of an import adds only what is missing."""
    profile = _section(document, "profile", {})
    identities = _section(document, "identities", [])
    source = _source(document)
    customer = _earlier(organization, source)
    others = [
        i["value"]
        for i in identities
        if Identity.objects.filter(organization=organization, kind=i["kind"], value=i["value"])
        .exclude(customer=customer)
        .exists()
    ]
    if others:
        raise ValidationError(
            f"Already a customer here with {', '.join(others)}: nothing imported."
        )
    now = timezone.now()
    repeated = customer is not None
    if customer is None:
        customer = Customer.objects.create(
            organization=organization,
            display_name=profile.get("display_name") or "Imported customer",
            public_name=profile.get("public_name") or "Imported customer",
            public_name_chosen_at=_time(profile.get("public_name_chosen_at")),
            is_prospect=bool(profile.get("is_prospect")),
            created_at=_time(profile.get("created_at")) or now,
        )
    report = ImportReport(customer=customer, repeated=repeated)
    work = _Importer(organization, report, now)
    work.identities(identities)
    work.consent(_section(document, "consent", {}))
    work.cases_and_commitments(
        _section(document, "cases", []), _section(document, "commitments", [])
    )
    work.intents(_section(document, "intents", []))
    work.deals(_section(document, "deals", []))
    work.posts(_section(document, "public_posts", {}))
    work.votes_and_follows(_section(document, "votes_and_follows", {}))
    work.counts_refresh()
    if not repeated or report.added:
        audit_record(
            organization=organization,
            actor=None,
            action=IMPORTED,
            obj=customer,
            data={"source": source, "added": dict(report.added), "left_out": report.left_out},
        )
    return report
