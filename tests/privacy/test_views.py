"""The portal's "what you know about me" page lists each kind of data the customer has and
nothing of another customer's, never an internal note; the customer downloads, corrects their
name, asks for erasure (receipt emailed and downloadable) and cancels it; managers export and
request erasure from the customer page and cancel from the list of waiting requests."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from django.test import Client

from sayso.core.models import Role
from sayso.customers.models import Customer
from sayso.notifications.models import OutgoingMail
from sayso.privacy.models import ErasureRequest, ErasureStatus
from tests.factories import make_member
from tests.privacy.conftest import (
    BOB_EMAIL,
    DANA_EMAIL,
    DANA_HANDLE,
    NOTE,
    Seeded,
    portal_client,
    staff_client,
)

pytestmark = pytest.mark.django_db


def test_the_page_lists_each_kind_of_data_and_nothing_else(seeded: Seeded) -> None:
    page = portal_client(seeded.org, seeded.dana).get("/o/haulright/my/data/")
    assert page.status_code == 200
    text = page.content.decode()
    for expected in (
        "Dana Whitfield",  # names
        DANA_EMAIL,  # identities
        DANA_HANDLE,
        "product_news",  # consent history
        "Truck rental refund for Dana Whitfield",  # cases
        "The truck broke down near Austin",  # messages
        "the refund is on its way",  # staff replies
        "Refund Dana Whitfield by Friday",  # commitments
        "negative",  # analysis label with its reason
        "reads as a complaint",
        "16 ft truck Denver to Austin",  # intents
        "One-way trailer rentals",  # votes
        "I&#x27;d use this every month",  # comments
        "/o/haulright/profile/",  # correct the public name
    ):
        assert expected in text, expected
    for absent in (NOTE, BOB_EMAIL, "Bob Ostrander", "Bob here"):
        assert absent not in text, absent


def test_the_page_needs_a_signed_in_customer(seeded: Seeded) -> None:
    response = Client().get("/o/haulright/my/data/")
    assert response.status_code == 302 and "/o/haulright/signin/" in response["Location"]


def test_download_name_correction_erasure_and_cancel(seeded: Seeded) -> None:
    client = portal_client(seeded.org, seeded.dana)
    download = client.post("/o/haulright/my/data/export/")
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    document = json.loads(zipfile.ZipFile(io.BytesIO(download.content)).read("personal-data.json"))
    assert document["sections"]["profile"]["data"]["display_name"] == "Dana Whitfield"

    client.post("/o/haulright/my/data/name/", {"display_name": "Dana W. Whitfield"})
    assert Customer.objects.get(pk=seeded.dana.pk).display_name == "Dana W. Whitfield"
    client.post("/o/haulright/my/data/name/", {"display_name": "  "})
    assert Customer.objects.get(pk=seeded.dana.pk).display_name == "Dana W. Whitfield"

    refused = client.post("/o/haulright/my/data/erase/", {})
    assert refused.status_code == 302 and not ErasureRequest.objects.exists()
    client.post("/o/haulright/my/data/erase/", {"confirm": "yes"})
    erasure = ErasureRequest.objects.get(customer=seeded.dana)
    assert erasure.by_customer and erasure.status == ErasureStatus.PENDING
    mail = OutgoingMail.objects.get(recipient=DANA_EMAIL, key__startswith="erasure-receipt:")
    assert str(erasure.receipt_id) in mail.body
    page = client.get("/o/haulright/my/data/").content.decode()
    assert "It will be erased on" in page
    receipt = Client().get(f"/o/haulright/erasure-receipts/{erasure.receipt_id}/")
    assert receipt.status_code == 200
    assert receipt.json()["status"] == "pending" and DANA_EMAIL not in receipt.content.decode()
    assert Client().get(f"/o/otherco/erasure-receipts/{erasure.receipt_id}/").status_code == 404

    client.post("/o/haulright/my/data/erase/cancel/")
    erasure.refresh_from_db()
    assert erasure.status == ErasureStatus.CANCELLED


def test_managers_export_and_erase_from_the_customer_page(seeded: Seeded) -> None:
    manager = staff_client(seeded.manager)
    detail = manager.get(f"/staff/haulright/customers/{seeded.dana.pk}/").content.decode()
    assert 'data-testid="personal-data"' in detail
    export = manager.post(f"/staff/haulright/privacy/customers/{seeded.dana.pk}/export/")
    assert export.status_code == 200 and export["Content-Type"] == "application/zip"
    manager.post(f"/staff/haulright/privacy/customers/{seeded.dana.pk}/erase/", {"channel": ""})
    assert not ErasureRequest.objects.exists()
    manager.post(
        f"/staff/haulright/privacy/customers/{seeded.dana.pk}/erase/", {"channel": "phone"}
    )
    erasure = ErasureRequest.objects.get()
    assert (erasure.by_customer, erasure.channel, erasure.by_user) == (
        False,
        "phone",
        seeded.manager,
    )
    listing = manager.get("/staff/haulright/privacy/").content.decode()
    assert "Dana Whitfield" in listing and "phone" in listing
    manager.post(f"/staff/haulright/privacy/erasures/{erasure.pk}/cancel/")
    erasure.refresh_from_db()
    assert erasure.status == ErasureStatus.CANCELLED

    agent = staff_client(make_member(seeded.org, Role.AGENT).user)
    assert agent.get("/staff/haulright/privacy/").status_code == 403
    detail = agent.get(f"/staff/haulright/customers/{seeded.dana.pk}/").content.decode()
    assert 'data-testid="personal-data"' not in detail


def test_a_large_export_is_prepared_in_the_background(
    seeded: Seeded, django_capture_on_commit_callbacks: Any
) -> None:
    from datetime import timedelta

    from django.test import override_settings
    from django.utils import timezone

    from sayso.privacy import services
    from sayso.privacy.models import PersonalDataExport

    client = portal_client(seeded.org, seeded.dana)
    with override_settings(SAYSO_EXPORT_SYNC_MAX_MESSAGES=1):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = client.post("/o/haulright/my/data/export/")
        assert response.status_code == 302
        export = PersonalDataExport.objects.get(customer=seeded.dana)
        assert export.status == "preparing"
        page = client.get("/o/haulright/my/data/").content.decode()
        assert 'data-testid="export-preparing"' in page and 'http-equiv="refresh"' in page
        assert client.get(f"/o/haulright/my/data/exports/{export.pk}/").status_code == 404
        for callback in callbacks:  # the worker runs the task
            callback()
    export.refresh_from_db()
    assert export.status == "ready" and export.size > 0
    page = client.get("/o/haulright/my/data/").content.decode()
    assert 'data-testid="export-ready"' in page
    download = client.get(f"/o/haulright/my/data/exports/{export.pk}/")
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(download.content)).namelist()
    assert "personal-data.json" in names
    # Bob cannot download Dana's.
    bob = portal_client(seeded.org, seeded.bob)
    assert bob.get(f"/o/haulright/my/data/exports/{export.pk}/").status_code == 404
    # The erasure deletes it with the rest.
    services.erasure_request(customer=seeded.dana, by_customer=True)
    services.erasures_run_due(now=timezone.now() + timedelta(days=15))
    assert not PersonalDataExport.objects.exists()
