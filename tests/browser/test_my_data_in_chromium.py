"""Scenario 9 of PRODUCT.md in real Chromium: a customer opens "what you know about me",
downloads it all (JSON, mbox, vCard), corrects the name the team knows her by, withdraws her
consent to product news, asks for erasure and gets a receipt (emailed, and on a page of its
own); after the waiting period (the periodic task run with a later ``now``) nothing personal
of hers is left in any text column of the database, and the receipt says it is done."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from sayso.consent.models import ConsentRecord
from sayso.privacy import services
from sayso.privacy.models import ErasureRequest
from tests.privacy.columns import occurrences
from tests.privacy.conftest import DANA_EMAIL, NOTE, seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_what_you_know_about_me_end_to_end(
    live_server: Any, new_page: Any, shot: Any, tmp_path: Path
) -> None:
    base = live_server.url
    seeded = seed()
    terms = [*seeded.dana_terms(), "Dana W. Whitfield"]

    page = new_page()
    page.goto(f"{base}/o/haulright/signin/")
    page.fill("input[name=email]", DANA_EMAIL)
    page.click("text=Email me a sign-in link")
    page.wait_for_selector("text=Check your email")
    link = re.search(r"(/o/haulright/signin/[^/\s]+/)", mail.outbox[-1].body)
    assert link is not None
    page.goto(base + link.group(1))
    page.click("text=Continue")

    # What they know: every kind of data, never the internal note.
    page.click("nav >> text=My data")
    page.wait_for_selector("h1:has-text('What Haulright knows about you')")
    text = page.inner_text("main")
    for expected in (
        DANA_EMAIL,
        "Truck rental refund for Dana Whitfield",
        "Refund Dana Whitfield by Friday",
        "reads as a complaint",
        "16 ft truck Denver to Austin",
        "One-way trailer rentals",
    ):
        assert expected in text, expected
    assert NOTE not in page.content()
    shot(page, "scenario9-01-what-you-know-about-me")

    # She downloads it all.
    with page.expect_download() as info:
        page.click("[data-testid=export-button]")
    path = tmp_path / "export.zip"
    info.value.save_as(str(path))
    archive = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    assert {"personal-data.json", "messages.mbox", "contact.vcf"} <= set(archive.namelist())
    document = json.loads(archive.read("personal-data.json"))
    assert document["schema"] == "sayso.personal-data/1"
    assert NOTE.encode() not in b"".join(archive.read(n) for n in archive.namelist())

    # She corrects the name the team knows her by.
    page.fill("[data-testid=display-name-form] input[name=display_name]", "Dana W. Whitfield")
    page.click("button:has-text('Correct my name')")
    page.wait_for_selector("text=Your name is corrected.")
    assert page.inner_text("[data-testid=display-name]") == "Dana W. Whitfield"

    # She withdraws her consent to product news.
    page.click("nav >> text=Contact & consent")
    page.select_option("select[name=c_email_product_news]", "refused")
    page.click("button:has-text('Save my choices')")
    page.wait_for_selector("text=Your choices are saved.")
    latest = ConsentRecord.objects.filter(customer=seeded.dana).order_by("-id").first()
    assert latest is not None and latest.choice == "refused"
    page.click("nav >> text=My data")
    assert "refused" in page.inner_text("[data-testid=section-consent]")

    # She asks for erasure and gets a receipt.
    page.check("[data-testid=erasure-confirm]")
    page.click("[data-testid=erasure-button]")
    page.wait_for_selector("[data-testid=erasure-pending]")
    shot(page, "scenario9-02-erasure-requested")
    erasure = ErasureRequest.objects.get(customer=seeded.dana)
    receipts = [m for m in mail.outbox if "erase your data" in m.subject]
    assert len(receipts) == 1 and receipts[0].to == [DANA_EMAIL]
    assert str(erasure.receipt_id) in receipts[0].body
    page.click("[data-testid=erasure-receipt-link]")
    assert json.loads(page.inner_text("body"))["status"] == "pending"
    receipt_url = page.url

    # Nothing happens before the waiting period is over; after it, she is erased.
    assert services.erasures_run_due(now=timezone.now() + timedelta(days=13))["done"] == 0
    assert occurrences(terms, organization=seeded.org)
    assert services.erasures_run_due(now=timezone.now() + timedelta(days=15))["done"] == 1
    left = occurrences(terms, organization=seeded.org)
    assert left == [], "\n".join(left)

    page.goto(receipt_url)
    receipt = json.loads(page.inner_text("body"))
    assert receipt["status"] == "done" and receipt["erased"]["identities"] == 2
    shot(page, "scenario9-03-receipt-done")
    # Her session no longer shows anything of hers.
    page.goto(f"{base}/o/haulright/my/data/")
    assert DANA_EMAIL not in page.content()
