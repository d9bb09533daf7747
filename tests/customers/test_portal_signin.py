from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sayso.core.models import LoginLink
from sayso.customers.models import Customer, Identity
from sayso.customers.services import customer_merge
from tests import factories
from tests.after_commit import after_commit


def _request_link(client: Client, org: Any, email: str, next_url: str = "") -> str:
    url = reverse("portal-signin", kwargs={"org": org.slug})
    with after_commit():  # the outbox sends the link once the request has committed
        response = client.post(url, {"email": email, "next": next_url})
    assert response.status_code == 200
    assert "Check your email" in response.text
    found = re.search(r"http://testserver(/o/[^/]+/signin/[^/\s]+/)", mail.outbox[-1].body)
    assert found is not None
    return found.group(1)


@pytest.mark.django_db
def test_first_sign_in_creates_the_customer_only_when_the_link_is_used(org: Any) -> None:
    client = Client()
    link = _request_link(client, org, "New.Person@Example.com")
    assert mail.outbox[-1].to == ["new.person@example.com"]
    assert not Customer.objects.exists()
    assert client.get(link).status_code == 200  # a mail scanner's GET does not use the link
    response = client.post(link)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal-cases", kwargs={"org": org.slug})
    identity = Identity.objects.get(value="new.person@example.com")
    assert identity.verified_at is not None
    assert client.get(reverse("portal-cases", kwargs={"org": org.slug})).status_code == 200


@pytest.mark.django_db
def test_sign_in_finds_the_existing_customer_and_returns_to_next(org: Any, customer: Any) -> None:
    case = factories.make_case(org, customer, subject="Lost keys")
    client = Client()
    next_url = reverse("portal-case", kwargs={"org": org.slug, "number": case.number})
    link = _request_link(client, org, "ada@example.com", next_url)
    response = client.post(link)
    assert response["Location"] == next_url
    assert "Lost keys" in client.get(next_url).text
    assert Customer.objects.count() == 1


@pytest.mark.django_db
def test_a_link_works_once(org: Any) -> None:
    client = Client()
    link = _request_link(client, org, "once@example.com")
    assert client.post(link).status_code == 302
    again = Client().post(link)
    assert again.status_code == 400
    assert "already used" in again.text


@pytest.mark.django_db
def test_an_expired_or_forged_link_is_refused(org: Any) -> None:
    client = Client()
    link = _request_link(client, org, "late@example.com")
    LoginLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.post(link)
    assert response.status_code == 400
    assert "expired" in response.text
    forged = client.post(reverse("portal-signin-confirm", kwargs={"org": org.slug, "token": "x"}))
    assert forged.status_code == 400
    assert not Customer.objects.exists()


@pytest.mark.django_db
def test_a_link_for_one_organization_does_not_sign_in_to_another(org: Any, other_org: Any) -> None:
    client = Client()
    link = _request_link(client, org, "both@example.com")
    token = link.rstrip("/").rsplit("/", 1)[1]
    url = reverse("portal-signin-confirm", kwargs={"org": other_org.slug, "token": token})
    assert client.post(url).status_code == 400


@pytest.mark.django_db
def test_invalid_email_gets_a_clear_error_and_sends_nothing(org: Any) -> None:
    response = Client().post(reverse("portal-signin", kwargs={"org": org.slug}), {"email": "nope"})
    assert response.status_code == 400
    assert "valid email" in response.text
    assert mail.outbox == []


@pytest.mark.django_db
def test_open_redirects_are_ignored(org: Any) -> None:
    client = Client()
    link = _request_link(client, org, "redirect@example.com", "https://evil.example/")
    assert client.post(link)["Location"] == reverse("portal-cases", kwargs={"org": org.slug})


@pytest.mark.django_db
def test_sign_in_requests_are_rate_limited(org: Any, settings: Any) -> None:
    settings.SAYSO_RATE_LIMIT_PER_MINUTE = 3
    client = Client()
    url = reverse("portal-signin", kwargs={"org": org.slug})
    with after_commit():
        codes = [client.post(url, {"email": f"p{i}@example.com"}).status_code for i in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_signed_in_customer_follows_a_merge(org: Any) -> None:
    a = factories.make_customer(org, "Keep", "keep@example.com")
    b = factories.make_customer(org, "Gone", "gone@example.com")
    case = factories.make_case(org, b, subject="Case of B")
    client = Client()
    session = client.session
    session[f"portal-customer:{org.pk}"] = b.pk
    session.save()
    customer_merge(source=b, target=a)
    page = client.get(reverse("portal-cases", kwargs={"org": org.slug}))
    assert "Case of B" in page.text
    assert case.number


@pytest.mark.django_db
def test_sign_out(org: Any, customer: Any) -> None:
    client = Client()
    session = client.session
    session[f"portal-customer:{org.pk}"] = customer.pk
    session.save()
    client.post(reverse("portal-signout", kwargs={"org": org.slug}))
    assert client.get(reverse("portal-cases", kwargs={"org": org.slug})).status_code == 302
