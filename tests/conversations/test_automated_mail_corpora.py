"""Every message of the real corpora (flanker's and CPython's email test data) through
``sayso ingest-mail`` and the HTTP hook: no traceback or 500, and automated mail — as the
table below says, from reading each message's headers and report parts by hand — opens no
case, re-opens none, creates no customer and is kept for staff with its kind."""

from __future__ import annotations

import email
import email.policy
import io
import os
from collections import Counter
from email.utils import getaddresses
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from sayso.conversations.models import AutomatedMail, Case, Message
from sayso.core.models import Membership, Scope
from sayso.core.services import api_token_create
from sayso.customers.models import Identity

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
FLANKER = DATA / "email" / "flanker"
CPYTHON = Path("/usr/lib/python3.11/test/test_email/data")

# What each automated message is, read by hand (files not named here were written by a
# person, or at least nothing in their headers says otherwise).
FLANKER_KINDS = {
    # Precedence: bulk — posts relayed by the new-httpd mailing list.
    "apache-message-news-mime.eml": "bulk",
    "from-encoding.eml": "bulk",
    "message-external-body.eml": "bulk",
    # From postmaster@, "Undeliverable Mail", "Delivery failed 10 attempts".
    "bounce_broken-mime.eml": "bounce",
    # message/delivery-status, Action: failed (the first one has no From header at all).
    "bounce_delayed-broken.eml": "bounce",
    "bounce_delayed.eml": "bounce",  # "Cannot send message for 5 days", Action: failed
    "bounce_mailbox-full.eml": "bounce",
    "bounce_office365.eml": "bounce",
    "bounce_zed.eml": "bounce",
    # mailer-daemon@googlemail.com, "Delivery Status Notification (Failure)", text only.
    "bounce_gmail-invalid-address.eml": "bounce",
    "bounce_gmail-no-dns.eml": "bounce",
    # "Delayed Mail (still being retried)", Action: delayed.
    "bounce_no-mx.eml": "delay",
    # multipart/report; report-type=feedback-report (ARF).
    "complaints_aol.eml": "abuse_report",
    "complaints_yahoo.eml": "abuse_report",
    # multipart/report; report-type=disposition-notification, "displayed".
    "disposition-notification.eml": "read_receipt",
}
CPYTHON_KINDS = {
    # multipart/report; report-type=delivery-status without a status part ("Yadda yadda").
    "msg_05.txt": "delivery_notice",
    # postmaster@ucla.edu, delivery-status with Action: failed (disk quota).
    "msg_16.txt": "bounce",
    # MAILER-DAEMON, "Returned mail: Too many hops", text only.
    "msg_25.txt": "bounce",
    # Precedence: bulk — freebsd-isp list posts.
    "msg_32.txt": "bulk",
    "msg_33.txt": "bulk",
    # "Mail Delivery Subsystem" returning a message/rfc822.
    "msg_42.txt": "bounce",
    # "MAILER DAEMON <>", delivery-status with Action: failed.
    "msg_43.txt": "bounce",
    # A Mailman digest (X-Mailman-Version, From: ppp-request@).
    "msg_02.txt": "bulk",
}

CORPORA = [
    pytest.param(FLANKER, "*.eml", FLANKER_KINDS, id="flanker"),
    pytest.param(
        CPYTHON,
        "msg_*.txt",
        CPYTHON_KINDS,
        id="cpython",
        # Skipped where the corpus is absent, but never in CI (`make testdata` installs it).
        marks=pytest.mark.skipif(
            not CPYTHON.is_dir() and not os.environ.get("CI"),
            reason="libpython3.11-testsuite is not installed (make testdata)",
        ),
    ),
]


def _senders(path: Path) -> list[str]:
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.compat32)
    return [address.lower() for _, address in getaddresses([str(msg.get("From", ""))]) if address]


@pytest.mark.parametrize(("folder", "pattern", "kinds"), CORPORA)
def test_every_message_through_ingest_mail(
    org: Any, folder: Path, pattern: str, kinds: dict[str, str]
) -> None:
    files = sorted(folder.glob(pattern))
    assert set(kinds) <= {file.name for file in files}
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("ingest_mail", "--org", org.slug, *map(str, files), stdout=out, stderr=err)
    except CommandError as exc:
        # Only messages that are not mail at all (no sender) may be refused, with a reason.
        assert exc.returncode == 1, exc
    assert "Traceback" not in err.getvalue()
    assert f"{len(kinds)} of the created were automated mail" in out.getvalue()

    assert Counter(AutomatedMail.objects.values_list("kind", flat=True)) == Counter(kinds.values())
    # No automated sender became a customer (long-links.eml, a person's mail, comes from a
    # postmaster@ address that bounce_broken-mime.eml uses too).
    people = {s for file in files if file.name not in kinds for s in _senders(file)}
    for name in kinds:
        for sender in set(_senders(folder / name)) - people:
            assert not Identity.objects.filter(value=sender).exists(), (name, sender)
    # No message was stored from automated mail: every stored message comes from a person.
    stored = set(Message.objects.values_list("external_id", flat=True))
    for name in kinds:
        ids = email.message_from_bytes((folder / name).read_bytes())["Message-ID"] or ""
        assert ids.strip() not in stored or not ids.strip(), name


@pytest.mark.parametrize(("folder", "pattern", "kinds"), CORPORA)
def test_every_message_through_the_http_hook(
    org: Any, agent: Any, folder: Path, pattern: str, kinds: dict[str, str]
) -> None:
    membership = Membership.objects.get(user=agent, organization=org)
    _, token = api_token_create(membership=membership, name="mta", scopes=[Scope.INBOUND_EMAIL])
    client = Client()
    for file in sorted(folder.glob(pattern)):
        cases_before = Case.objects.count()
        response = client.post(
            "/api/v1/inbound/email",
            file.read_bytes(),
            content_type="message/rfc822",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code in (200, 201, 400), (file.name, response.content[:300])
        if response.status_code == 400:
            assert file.name not in kinds, file.name
            continue
        body = response.json()
        assert body["automated"] == kinds.get(file.name), (file.name, body)
        if file.name in kinds:
            assert body["message_id"] is None and body["customer_id"] is None
            assert body["automated_reason"]
            assert Case.objects.count() == cases_before, file.name


def test_staff_see_automated_mail_that_matched_no_case_with_the_reason(
    org: Any, agent: Any, client: Any
) -> None:
    call_command(
        "ingest_mail",
        "--org",
        org.slug,
        str(FLANKER / "complaints_yahoo.eml"),
        str(FLANKER / "bounce_gmail-no-dns.eml"),
        stdout=io.StringIO(),
    )
    client.force_login(agent)

    page = client.get(f"/staff/{org.slug}/automated-mail/", {"unlinked": "1"})

    text = page.content.decode()
    assert page.status_code == 200
    assert "Abuse report (RFC 5965 feedback report" in text
    assert "Undelivered mail returned by a mail server (mailer-daemon)" in text
    only_bounces = client.get(f"/staff/{org.slug}/automated-mail/", {"kind": "bounce"})
    assert "RFC 5965" not in only_bounces.content.decode()
