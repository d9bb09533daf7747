"""The export: exactly the customer's data (another customer's never, internal notes never),
messages as an mbox any mail program reads, a vCard, and a document that re-imports into a
fresh organization."""

from __future__ import annotations

import email.utils
import io
import json
import mailbox
import zipfile
from pathlib import Path
from typing import Any

import pytest
import vobject
from django.core.management import CommandError, call_command

from sayso.customers.models import Customer
from sayso.privacy import services
from tests.factories import make_customer, make_org
from tests.privacy.conftest import BOB_EMAIL, DANA_EMAIL, DANA_HANDLE, NOTE, Seeded

pytestmark = pytest.mark.django_db


def _unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_export_holds_exactly_the_customers_data(seeded: Seeded) -> None:
    files = _unzip(services.export_build(customer=seeded.dana, by_customer=True))
    assert set(files) == {"personal-data.json", "messages.mbox", "contact.vcf", "README.txt"}
    document = json.loads(files["personal-data.json"])
    assert document["schema"] == "sayso.personal-data/1"
    sections = document["sections"]
    assert sections["profile"]["data"]["display_name"] == "Dana Whitfield"
    assert {i["value"] for i in sections["identities"]["data"]} == {DANA_EMAIL, DANA_HANDLE}
    assert [r["purpose"] for r in sections["consent"]["data"]["history"]] == ["product_news"]
    (case,) = sections["cases"]["data"]
    assert case["subject"] == "Truck rental refund for Dana Whitfield"
    assert [m["direction"] for m in case["messages"]] == ["inbound", "inbound", "outbound"]
    assert sections["commitments"]["data"][0]["description"] == "Refund Dana Whitfield by Friday"
    (analysis,) = sections["analyses"]["data"]
    assert analysis["sentiment"] == "negative" and analysis["intents"] == ["Complaint"]
    assert analysis["reasons"]
    assert sections["intents"]["data"][0]["title"] == "16 ft truck Denver to Austin"
    assert [v["idea"] for v in sections["votes_and_follows"]["data"]["votes"]] == [
        "One-way trailer rentals"
    ]
    assert len(sections["public_posts"]["data"]["comments"]) == 1
    everything = b"".join(files.values()).decode()
    for other in (BOB_EMAIL, "Bob Ostrander", "Bob here", NOTE):
        assert other not in everything
    assert seeded.dana.timeline.filter(kind="data_exported").count() == 1


def test_messages_are_an_mbox_and_the_card_a_vcard(seeded: Seeded, tmp_path: Path) -> None:
    files = _unzip(services.export_build(customer=seeded.dana))
    path = tmp_path / "messages.mbox"
    path.write_bytes(files["messages.mbox"])
    box = mailbox.mbox(str(path))
    messages = list(box)
    assert len(messages) == 3
    first, second, reply = messages
    for message in messages:
        for header in ("Date", "From", "To", "Subject", "Message-ID"):
            assert message[header], header
        assert email.utils.parsedate_to_datetime(message["Date"]) is not None
    assert DANA_EMAIL in first["From"] and "Dana Whitfield" in first["From"]
    assert second["Message-ID"] == f"<refund-2.{DANA_EMAIL}>"
    assert second["In-Reply-To"] == first["Message-ID"]
    assert reply["In-Reply-To"] == second["Message-ID"]
    assert "refund is on its way" in reply.get_payload(decode=True).decode()
    card = vobject.readOne(files["contact.vcf"].decode())
    assert card.fn.value == "Dana Whitfield"
    assert card.email.value == DANA_EMAIL


def test_an_export_reimports_into_a_fresh_organization(seeded: Seeded, tmp_path: Path) -> None:
    data = services.export_build(customer=seeded.dana)
    path = tmp_path / "export.zip"
    path.write_bytes(data)
    fresh = make_org("Fresh install", "fresh")
    out = io.StringIO()
    call_command("import_personal_data", str(path), organization="fresh", stdout=out)
    assert "2 identities, 1 consent decisions, 1 cases" in out.getvalue()
    imported = Customer.objects.get(organization=fresh)
    before = services.personal_data_collect(customer=seeded.dana)["sections"]
    after = services.personal_data_collect(customer=imported)["sections"]

    def comparable(sections: dict[str, Any]) -> dict[str, Any]:
        profile = {k: v for k, v in sections["profile"]["data"].items() if k != "id"}
        history = [
            {k: v for k, v in r.items() if k != "receipt_id"}
            for r in sections["consent"]["data"]["history"]
        ]
        cases = [
            {**c, "number": None, "messages": [{**m, "id": None} for m in c["messages"]]}
            for c in sections["cases"]["data"]
        ]
        return {
            "profile": profile,
            "identities": sections["identities"]["data"],
            "consent": history,
            "cases": cases,
        }

    assert comparable(after) == comparable(before)
    # Importing the same export again changes nothing (tests/privacy/test_reimport.py has more).
    call_command("import_personal_data", str(path), organization="fresh", stdout=out)
    assert Customer.objects.filter(organization=fresh).count() == 1
    # Another customer here with one of the addresses: refused, and nothing is written.
    other = make_org("Other install", "other")
    make_customer(other, "Someone else", DANA_EMAIL)
    with pytest.raises(CommandError, match="Already a customer here"):
        call_command("import_personal_data", str(path), organization="other", stdout=out)
    assert Customer.objects.filter(organization=other).count() == 1


def test_a_broken_file_is_refused_clearly(db: Any, tmp_path: Path) -> None:
    make_org("Fresh install", "fresh")
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"schema": "something/else"}))
    with pytest.raises(CommandError, match=r"Not a sayso\.personal-data/1 document"):
        call_command("import_personal_data", str(path), organization="fresh")
    with pytest.raises(CommandError, match="No organization"):
        call_command("import_personal_data", str(path), organization="nope")
