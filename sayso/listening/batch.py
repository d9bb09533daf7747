"""What storing one batch of listened items needs to know, read once for the whole batch
(``Batch``): the identities of its authors (new authors become new customers), their open
cases and those cases' vectors, and where each item of the batch went. The ingest pipeline
(``pipeline``) keeps one per batch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError

from sayso.conversations.indexing import case_texts_for_index
from sayso.conversations.models import Case, Message
from sayso.conversations.selectors import (
    case_id_of_latest_private,
    case_id_of_reply,
    cases_open_of_customers,
)
from sayso.conversations.services import NewCase
from sayso.customers.identities import identity_equivalents, normalize_identity
from sayso.customers.models import IdentityKind
from sayso.customers.selectors import identity_holders_of_values
from sayso.customers.services import NewCustomer, customers_get_or_create_by_identities
from sayso.intelligence.models import EmbeddedItem
from sayso.listening.connectors.base import FetchedItem
from sayso.listening.models import Source

if TYPE_CHECKING:
    from sayso.customers.models import Customer, Identity

# How many of a customer's open cases are compared with a new item.
MAX_OPEN_CASES = 20
# Kinds whose alternates are the same account written another way (stored with a new author).
HANDLE_KINDS = frozenset({IdentityKind.MASTODON, IdentityKind.BLUESKY})
# The ``other`` identity of a source's contact for author-less items (``Batch.source_contact``).
ANONYMOUS_CONTACT = "listening-source:"


class Batch:
    """What storing one batch needs to know, read once for the whole batch: the identities of
    its authors, their open cases and those cases' vectors. Updated as items are stored (a new
    customer, a new case), and rebuilt from the database after a rolled-back group."""

    def __init__(self, organization: Any, items: Sequence[FetchedItem] = ()) -> None:
        self.organization = organization
        self.identities: dict[tuple[str, str], Identity] = {}
        self.cases: dict[int, list[Case | NewCase]] = {}
        self.vectors: dict[int, np.ndarray] = {}
        # The vectors of the cases the current group opens, by id() of their ``NewCase``.
        self.opening: dict[int, np.ndarray] = {}
        # Messages stored in the current group, their vectors, and whether each opened its case.
        self.written: list[tuple[Message, np.ndarray, bool]] = []
        # The messages already stored under the current group's channel ids (another source
        # of the same channel may have delivered an item first), read once per group.
        self.stored: dict[str, Message] = {}
        # The contact that speaks for a source's author-less items, by source id.
        self.contacts: dict[int, Customer] = {}
        # The cases this batch's items went to, by the service's id of each item (a reply
        # later in the batch joins its parent's case); the cases of direct messages.
        self.threads: dict[str, Case | NewCase] = {}
        self.private: list[Case | NewCase] = []
        self._load(items)

    def source_contact(self, source: Source) -> Customer:
        """The one contact, per source, for the cases that author-less items open (an entry
        of a feed that names no author): named after the source, so the case says where it
        was heard, and found again by an ``other`` identity ``listening-source:<id>``. Never a
        prospect: it is not a person."""
        if source.pk in self.contacts:
            return self.contacts[source.pk]
        (held,) = customers_get_or_create_by_identities(
            organization=self.organization,
            people=[
                NewCustomer(
                    name=f"Anonymous · {source.name}",
                    identities=[(IdentityKind.OTHER, f"{ANONYMOUS_CONTACT}{source.pk}")],
                    # Nobody named them: shown in public as that, not as an invented person.
                    public_name="Anonymous",
                    label=f"Authors not named on {source.name}",
                )
            ],
        )
        self.contacts[source.pk] = held.customer
        return held.customer

    @staticmethod
    def candidates(item: FetchedItem) -> list[tuple[str, str]]:
        """The author's identities, normalized (their own first, then the alternates), then
        the same accounts written as other kinds (a profile URL for a handle, a handle for a
        profile URL), which recognise a customer but are never stored for a new one."""
        found: list[tuple[str, str]] = []
        for kind, value in [(item.author_kind, item.author_value), *item.alternates]:
            if not kind or not value:
                continue
            try:
                found.append((kind, normalize_identity(kind, value)))
            except ValidationError:
                continue
        for kind, value in list(found):
            found += [e for e in identity_equivalents(kind, value) if e not in found]
        return found

    def _load(self, items: Sequence[FetchedItem]) -> None:
        wanted: dict[str, set[str]] = {}
        for item in items:
            for kind, value in self.candidates(item):
                wanted.setdefault(kind, set()).add(value)
        for kind, values in wanted.items():
            rows = identity_holders_of_values(
                organization=self.organization, kind=kind, values=values
            )
            for identity in rows:  # the oldest customer's identity comes first and wins
                self.identities.setdefault((kind, identity.value), identity)
        self.load_cases({i.customer_id for i in self.identities.values()})

    def load_cases(self, customer_ids: set[int]) -> None:
        """The open cases of these customers, and their vectors (stored in the index, or
        embedded now for cases the index does not hold yet)."""
        if not customer_ids:
            return
        cases = cases_open_of_customers(organization=self.organization, customer_ids=customer_ids)
        loaded: list[Case] = []
        for case in cases:
            held = self.cases.setdefault(case.customer_id, [])
            if len(held) < MAX_OPEN_CASES:
                held.append(case)
                loaded.append(case)
        ids = [case.pk for case in loaded]
        for object_id, raw in (
            EmbeddedItem.objects.live()
            .filter(organization=self.organization, kind="case", object_id__in=ids)
            .values_list("object_id", "vector")
        ):
            self.vectors[int(object_id)] = np.frombuffer(bytes(raw), dtype=np.float32)
        missing = [case for case in loaded if case.pk not in self.vectors]
        if missing:
            from sayso.intelligence.embeddings import embed

            texts = list(case_texts_for_index(self.organization, [case.pk for case in missing]))
            vectors = embed([item.text for item in texts])
            for item, vector in zip(texts, vectors, strict=True):
                self.vectors[int(item.object_id)] = vector

    def identify(self, items: list[FetchedItem]) -> list[tuple[Customer | None, Identity | None]]:
        """The customer behind each item's author, recognising any of their known identities
        first (the batch read them all: the database is not asked again). A new author becomes
        a new customer, a prospect, with the first of their identities; the group's new
        customers (one per author, however many of its items they wrote) and their identities
        are written by ``customers_get_or_create_by_identities``, in one statement each. An
        item without an author (no identity that normalizes) has no customer: it never creates
        one of its own."""
        found: list[tuple[Customer | None, Identity | None]] = []
        people: list[NewCustomer] = []
        # The items of new authors: where each is in ``found``, its author in ``people``, and
        # the identities it is recognised by.
        new: list[tuple[int, int, list[tuple[str, str]]]] = []
        # The identities of ``people``: an author of several items of the group is one person.
        pending: dict[tuple[str, str], int] = {}
        for item in items:
            candidates = self.candidates(item)
            known = next((self.identities[k] for k in candidates if k in self.identities), None)
            if known is not None:
                found.append((known.customer, known))
                continue
            found.append((None, None))
            if not candidates:
                continue
            person = next((pending[k] for k in candidates if k in pending), None)
            if person is None:
                kind = candidates[0][0]
                # Other spellings of the same handle (a Bluesky DID, the server that hosts a
                # Mastodon account) are kept too; a feed's site is not the author's.
                kept = [candidates[0]] + [
                    other for other in candidates[1:] if other[0] == kind and kind in HANDLE_KINDS
                ]
                person = len(people)
                for key in kept:
                    pending.setdefault(key, person)
                # Named by the name they gave, else their handle; in public never by the
                # handle or the address (issue 20).
                people.append(NewCustomer(name=item.author_name, identities=kept, is_prospect=True))
            new.append((len(found) - 1, person, candidates))
        if not people:
            return found
        held = customers_get_or_create_by_identities(organization=self.organization, people=people)
        for one in held:
            for key, identity in one.identities.items():
                self.identities.setdefault(key, identity)
        for position, person, candidates in new:
            one = held[person]
            identity = next(one.identities[k] for k in candidates if k in one.identities)
            found[position] = (one.customer, identity)
        # Someone else made one of them a customer since the batch read its authors.
        self.load_cases({one.customer.pk for one in held if not one.created} - set(self.cases))
        return found

    def settle(self) -> None:
        """The group's new cases are stored: hold them as cases."""
        for held in self.cases.values():
            for number, case in enumerate(held):
                if isinstance(case, NewCase) and case.case is not None:
                    held[number] = case.case
                    self.vectors[case.case.pk] = self.opening[id(case)]
        self.opening = {}
        for key, case in list(self.threads.items()):
            if isinstance(case, NewCase) and case.case is not None:
                self.threads[key] = case.case
        self.private = [
            c.case if isinstance(c, NewCase) and c.case is not None else c for c in self.private
        ]

    def answered_case(
        self, customer: Customer, item: FetchedItem, channel: str
    ) -> Case | NewCase | None:
        """The customer's open case that holds what ``item`` answers (its parent in a thread,
        or in a conversation of direct messages). A direct message that answers one Sayso did
        not store (the organization's own reply) joins the customer's latest open case of
        direct messages on this channel: one conversation is one case."""
        if not item.reply_to:
            return None
        held = self.cases.get(customer.pk, [])

        def holding(found: Case | NewCase | int | None) -> Case | NewCase | None:
            for case in held:
                if case is found or (isinstance(case, Case) and case.pk == found):
                    return case
            return None

        parent = self.threads.get(item.reply_to)
        if parent is None:
            parent_case = case_id_of_reply(
                organization=self.organization,
                channel=channel,
                customer=customer,
                native_id=item.reply_to,
            )
            found = holding(parent_case)
        else:
            found = holding(parent.pk if isinstance(parent, Case) else parent)
        if found is not None or not item.private:
            return found
        for case in self.private:
            if (mine := holding(case.pk if isinstance(case, Case) else case)) is not None:
                return mine
        opened = [case.pk for case in held if isinstance(case, Case)]
        latest = case_id_of_latest_private(case_ids=opened, channel=channel, customer=customer)
        return holding(latest)

    def item_stored(self, item: FetchedItem, case: Case | NewCase) -> None:
        """Remember where ``item`` went, for the replies that follow it in the batch."""
        if item.native_id:
            self.threads[item.native_id] = case
        if item.private:
            self.private.insert(0, case)

    def _vector(self, case: Case | NewCase) -> np.ndarray | None:
        if isinstance(case, NewCase):
            return self.opening.get(id(case))
        return self.vectors.get(case.pk)

    def same_problem(
        self, customer: Customer, vector: np.ndarray
    ) -> tuple[Case | NewCase | None, float]:
        """The customer's open case closest in meaning to the item, when close enough (a
        ``NewCase``: one that an earlier item of the group opens)."""
        held = [
            (c, v) for c in self.cases.get(customer.pk, []) if (v := self._vector(c)) is not None
        ]
        if not held:
            return None, 0.0
        scores = np.stack([v for _, v in held]) @ np.asarray(vector, dtype=np.float32)
        best = int(np.argmax(scores))
        score = float(scores[best])
        if score >= settings.SAYSO_LISTENING_SAME_CASE:
            return held[best][0], score
        return None, score

    def case_opened(self, case: Case | NewCase, vector: np.ndarray) -> None:
        customer_id = case.customer_id if isinstance(case, Case) else case.customer.pk
        self.cases.setdefault(customer_id, []).insert(0, case)
        if isinstance(case, NewCase):
            self.opening[id(case)] = np.asarray(vector, dtype=np.float32)
        else:
            self.vectors[case.pk] = np.asarray(vector, dtype=np.float32)
