"""Customers choose the name shown publicly when they sign up in the portal (the page that uses
the emailed link asks for it) and change it on their profile page; an address, a phone number
or an empty name is refused with a clear 400, and nothing is written (issue 20)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sayso.core.models import LoginLink
from sayso.customers.models import Customer
from sayso.customers.services import portal_login_link_send
from tests import factories

pytestmark = pytest.mark.django_db


def _confirm_url(org: Any, email: str) -> str:
    raw = portal_login_link_send(organization=org, email=email)
    return reverse("portal-signin-confirm", kwargs={"org": org.slug, "token": raw})


def test_sign_up_asks_for_the_public_name_and_keeps_the_one_chosen(org: Any) -> None:
    client = Client()
    url = _confirm_url(org, "omar.h@example.org")
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="public_name"' in page.text and "Name shown publicly" in page.text
    assert "omar.h" not in page.text  # the suggestion is a pseudonym, not the address

    response = client.post(url, {"public_name": "  Omar   H. "})
    assert response.status_code == 302
    customer = Customer.objects.get(organization=org)
    assert customer.display_name == "omar.h@example.org"  # what the staff know them by
    assert customer.public_name == "Omar H." and customer.public_name_chosen_at is not None


@pytest.mark.parametrize("name", ["omar.h@example.org", "+1 303 555 0142", "", "x" * 41])
def test_sign_up_refuses_a_public_name_that_reaches_the_customer(org: Any, name: str) -> None:
    client = Client()
    url = _confirm_url(org, "omar.h@example.org")
    response = client.post(url, {"public_name": name})
    assert response.status_code == 400
    assert 'data-testid="public-name-error"' in response.text
    assert not Customer.objects.exists()
    assert LoginLink.objects.get().used_at is None  # the link still works
    assert client.post(url, {"public_name": "Omar"}).status_code == 302


def test_a_returning_customer_sees_their_public_name_on_the_sign_in_page(org: Any) -> None:
    customer = factories.make_customer(org, "Ada Lovelace", "ada@example.com")
    client = Client()
    url = _confirm_url(org, "ada@example.com")
    assert 'value="Ada L."' in client.get(url).text
    assert client.post(url, {"public_name": "Ada L."}).status_code == 302
    customer.refresh_from_db()
    assert customer.public_name == "Ada L." and customer.display_name == "Ada Lovelace"


def test_the_profile_page_changes_the_public_name(org: Any) -> None:
    customer = factories.make_customer(org, "Ada Lovelace", "ada@example.com")
    client = Client()
    client.post(_confirm_url(org, "ada@example.com"))
    profile = reverse("portal-profile", kwargs={"org": org.slug})
    page = client.get(profile)
    assert page.status_code == 200 and 'value="Ada L."' in page.text
    home = client.get(reverse("portal-cases", kwargs={"org": org.slug})).text
    assert f'href="{profile}" data-testid="portal-profile-link">Ada L.</a>' in home

    refused = client.post(profile, {"public_name": "ada@example.com"})
    assert refused.status_code == 400 and "email address" in refused.text
    customer.refresh_from_db()
    assert customer.public_name == "Ada L."

    saved = client.post(profile, {"public_name": "Countess of Code"})
    assert saved.status_code == 302
    customer.refresh_from_db()
    assert customer.public_name == "Countess of Code"
    public = client.get(reverse("community-profile", kwargs={"org": org.slug, "pk": customer.pk}))
    assert "Countess of Code" in public.text and "Ada Lovelace" not in public.text


def test_the_profile_page_needs_a_signed_in_customer(org: Any) -> None:
    response = Client().get(reverse("portal-profile", kwargs={"org": org.slug}))
    assert response.status_code == 302 and "/signin/" in response["Location"]
