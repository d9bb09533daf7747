"""No public page of the seeded world shows a customer's email address or phone number (issue
19): every public route of the web matrix (``Access.PUBLIC``), and each customer's public
profile, read by an anonymous visitor."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.authorization.test_web_routes import ROUTES, Access, _url
from tests.authorization.world import World


def _public_pages(world: World) -> dict[str, str]:
    """URL -> text of every public page, as an anonymous visitor reads it."""
    client = Client()
    urls = [
        _url(name, route, world)
        for name, route in ROUTES.items()
        if route.access is Access.PUBLIC and not route.post_only and not name.startswith("api:")
    ]
    org = world.org.slug
    for customer in (world.ann, world.bob, world.cam):
        urls.append(reverse("community-profile", kwargs={"org": org, "pk": customer.pk}))
    for name in ("idea-detail", "idea-feed"):
        urls.append(reverse(name, kwargs={"org": org, "number": world.cam_idea.number}))
    pages = {}
    for url in urls:
        response = client.get(url, follow=True)
        assert response.status_code in {200, 404}, url
        pages[url] = response.content.decode("utf-8", "replace")
    return pages


def _leaks(world: World, who: str) -> list[str]:
    pages = _public_pages(world)
    assert any("Ann&#x27;s idea" in text or "Ann's idea" in text for text in pages.values())
    return [
        f"{url}: {value}"
        for url, text in pages.items()
        for value in world.identities[who]
        if value in text
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["ann", "bob"])
def test_public_pages_show_no_email_or_phone_of_named_customers(world: World, who: str) -> None:
    assert _leaks(world, who) == []


@pytest.mark.django_db
def test_public_pages_show_no_email_of_a_customer_who_signed_up_in_the_portal(
    world: World,
) -> None:
    """Cam signed in through the portal with only an address, which the staff know Cam by;
    Cam's idea, comment, the ideas feed and Cam's profile show Cam's public name instead
    (issue 20: they showed the address)."""
    assert _leaks(world, "cam") == []


@pytest.mark.django_db
def test_the_seeded_identities_are_the_customers_own(world: World) -> None:
    """The values searched for are really what the customers' identities hold."""
    for who in ("ann", "bob", "cam"):
        customer = getattr(world, who)
        held = set(customer.identities.values_list("value", flat=True))
        assert held & set(world.identities[who]), who
