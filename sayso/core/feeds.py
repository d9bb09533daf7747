"""The one base of Sayso's Atom feeds (the idea board and an idea, Q&A, reviews, the roadmap, the
changelog, the status page).

A feed says what it covers (``get_object``: by default the organization of the URL's slug),
its title and link, and turns what it shows into ``Entry`` rows; the base does the rest the
same way for all: Atom 1.0, ``tag:`` ids that are not links, each entry's published and updated
dates (the feed's ``updated`` is the latest of them), and authors by their public names, never
an address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.utils.feedgenerator import Atom1Feed

from sayso.core.models import Organization
from sayso.core.selectors import organization_by_slug

FEED_ITEMS = 50  # the most entries a feed shows


def tag(slug: str, *parts: object) -> str:
    """The ``tag:`` id of something of the organization ``slug``:
    ``tag:sayso,2024:<slug>:<parts…>``."""
    return ":".join(["tag:sayso,2024", slug, *(str(part) for part in parts)])


def organization_or_404(slug: str) -> Organization:
    organization = organization_by_slug(slug=slug)
    if organization is None:
        raise Http404("No such organization.")
    return organization


class PubliclyNamed(Protocol):
    @property
    def public_name(self) -> str: ...


def public_name(person: PubliclyNamed | None, *, otherwise: str) -> str:
    """The name an entry's author is shown by: their public name, never an address;
    ``otherwise`` (the organization's name, or its team's) when no person wrote it."""
    return person.public_name if person is not None else otherwise


@dataclass(frozen=True)
class Entry:
    """One entry of a feed. ``author`` is a public name (``public_name``), or None for none."""

    guid: str
    title: str
    html: str
    link: str
    published: datetime
    updated: datetime
    author: str | None = None
    categories: tuple[str, ...] = ()


class AtomFeed(Feed):
    """The base of every Atom feed: ``items`` returns ``Entry`` rows. A feed of the whole
    organization sets ``name`` (its part of the feed's ``tag:`` id) and keeps the default
    ``get_object`` and ``feed_guid``; a feed of one thing overrides both."""

    feed_type = Atom1Feed
    item_guid_is_permalink = False
    name = ""  # the feed's part of its tag: id ("changelog", "status", …)

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        return organization_or_404(kwargs["org"])

    def feed_guid(self, obj: Any) -> str:
        return tag(obj.slug, self.name)

    def item_title(self, item: Entry) -> str:
        return item.title

    def item_description(self, item: Entry) -> str:
        return item.html

    def item_link(self, item: Entry) -> str:
        return item.link

    def item_guid(self, item: Entry) -> str:
        return item.guid

    def item_pubdate(self, item: Entry) -> datetime:
        return item.published

    def item_updateddate(self, item: Entry) -> datetime:
        return item.updated

    def item_author_name(self, item: Entry) -> str | None:
        return item.author

    def item_categories(self, item: Entry) -> tuple[str, ...]:
        return item.categories
