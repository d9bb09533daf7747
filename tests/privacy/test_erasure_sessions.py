"""Erasure ends every portal session of the customer at once, on every portal page: not only
when they next open My data."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from sayso.privacy import services
from tests.privacy.conftest import Seeded, portal_client

pytestmark = pytest.mark.django_db

PORTAL_PAGES = [
    "/o/haulright/my/data/",
    "/o/haulright/my/consent/",
    "/o/haulright/deals/",
    "/o/haulright/intents/",
]


def _erase(seeded: Seeded) -> Any:
    erasure = services.erasure_request(customer=seeded.dana, by_customer=True)
    services.erasures_run_due(now=timezone.now() + timedelta(days=15))
    erasure.refresh_from_db()
    return erasure


def test_erasure_ends_every_session_of_the_customer(seeded: Seeded) -> None:
    laptop = portal_client(seeded.org, seeded.dana)
    phone = portal_client(seeded.org, seeded.dana, **{f"portal-customer:{seeded.other_org.pk}": 1})
    bob = portal_client(seeded.org, seeded.bob)
    for page in PORTAL_PAGES:
        assert laptop.get(page).status_code == 200, page

    erasure = _erase(seeded)

    assert erasure.summary["portal_sessions_ended"] == 2
    key = f"portal-customer:{seeded.org.pk}"
    decoded = [s.get_decoded() for s in Session.objects.all()]
    assert [d for d in decoded if d.get(key) == seeded.dana.pk] == []
    # The rest of a session stays: another organization's portal sign-in in the same browser.
    assert any(d.get(f"portal-customer:{seeded.other_org.pk}") == 1 for d in decoded)
    for client in (laptop, phone):
        for page in PORTAL_PAGES:
            response = client.get(page)
            assert response.status_code == 302, page
            assert "/signin/" in response["Location"], page
    # Bob is still signed in.
    assert bob.get("/o/haulright/my/data/").status_code == 200


def test_a_session_erasure_could_not_list_is_refused_on_its_next_request(
    seeded: Seeded,
) -> None:
    laptop = portal_client(seeded.org, seeded.dana)
    _erase(seeded)
    # A session store the erasure cannot list (a cache) still holds the customer's id.
    session = laptop.session
    session[f"portal-customer:{seeded.org.pk}"] = seeded.dana.pk
    session.save()
    response = laptop.get("/o/haulright/my/consent/")
    assert response.status_code == 302 and "/signin/" in response["Location"]
    assert f"portal-customer:{seeded.org.pk}" not in laptop.session
