"""Receipts signed before a key rotation still verify: every key that signed a receipt is
published (current first, each with its kid) until retired."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from django.core.management import CommandError, call_command
from django.test import Client
from joserfc.errors import InvalidKeyIdError

from sayso.consent import receipts, services
from sayso.consent.models import Choice, ConsentRecord, Method, ReceiptKey

pytestmark = pytest.mark.django_db


def _record(customer: Any, choice: str = Choice.GRANTED) -> ConsentRecord:
    return services.consent_record(
        customer=customer,
        channel="email",
        purpose="sales",
        choice=choice,
        method=Method.PORTAL,
        location="/o/haulright/my/consent/",
    )


def _kid(token: str) -> str:
    header = token.split(".")[0]
    return str(json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"])


def _published() -> dict[str, Any]:
    response = Client().get("/o/haulright/consent/receipt-keys.json")
    assert response.status_code == 200
    return dict(response.json())


def _pem() -> str:
    return (
        ed25519.Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


def test_a_receipt_signed_before_rotation_still_verifies(
    org: Any, customer: Any, settings: Any, capsys: Any
) -> None:
    settings.SAYSO_RECEIPT_SIGNING_KEY = ""
    before = receipts.receipt_sign(_record(customer))
    call_command("rotate_receipt_key")
    after = receipts.receipt_sign(_record(customer, Choice.REFUSED))
    assert _kid(before) != _kid(after)

    keys = _published()
    assert [key["kid"] for key in keys["keys"]] == [_kid(after), _kid(before)]
    assert all(key.get("d") is None for key in keys["keys"])  # public halves only
    assert receipts.receipt_verify(before, keys)["sayso"]["choice"] == "granted"
    assert receipts.receipt_verify(after, keys)["sayso"]["choice"] == "refused"
    # The receipt names the key that signed it, the current one.
    assert json.loads(receipts.receipt_verify(after)["publicKey"])["kid"] == _kid(after)

    call_command("rotate_receipt_key", "--list")
    listing = capsys.readouterr().out
    assert f"{_kid(after)}  Ed25519  signing" in listing
    assert f"{_kid(before)}  Ed25519  published" in listing


def test_a_new_configured_key_keeps_the_old_one_published(
    org: Any, customer: Any, settings: Any
) -> None:
    settings.SAYSO_RECEIPT_SIGNING_KEY = _pem()
    before = receipts.receipt_sign(_record(customer))
    with pytest.raises(CommandError, match="SAYSO_RECEIPT_SIGNING_KEY"):
        call_command("rotate_receipt_key")  # a configured key is rotated in the setting
    settings.SAYSO_RECEIPT_SIGNING_KEY = _pem()
    after = receipts.receipt_sign(_record(customer, Choice.REFUSED))
    keys = _published()
    assert {key["kid"] for key in keys["keys"]} == {_kid(before), _kid(after)}
    assert receipts.receipt_verify(before, keys)["sayso"]["choice"] == "granted"


def test_a_retired_key_is_no_longer_published(org: Any, customer: Any, settings: Any) -> None:
    settings.SAYSO_RECEIPT_SIGNING_KEY = ""
    before = receipts.receipt_sign(_record(customer))
    call_command("rotate_receipt_key")
    current = receipts.public_key_set()["keys"][0]["kid"]
    with pytest.raises(CommandError, match="signs receipts now"):
        call_command("rotate_receipt_key", "--retire", current)
    with pytest.raises(CommandError, match="No receipt key"):
        call_command("rotate_receipt_key", "--retire", "nope")

    call_command("rotate_receipt_key", "--retire", _kid(before))

    assert ReceiptKey.objects.get(kid=_kid(before)).retired_at is not None
    keys = _published()
    assert [key["kid"] for key in keys["keys"]] == [current]
    with pytest.raises(InvalidKeyIdError):
        receipts.receipt_verify(before, keys)


def test_a_key_id_that_begins_with_a_dash_is_retired_from_the_command_line(
    org: Any, customer: Any, settings: Any
) -> None:
    # A thumbprint is base64url: about one kid in 64 begins with "-", which argparse would
    # otherwise read as an option ("--retire: expected one argument").
    settings.SAYSO_RECEIPT_SIGNING_KEY = ""
    receipts.receipt_sign(_record(customer))
    dashed = ReceiptKey.objects.create(
        kid="-eLwLRN47b9HoSEpwfJo6EC2c-qUYT7KfP9oDDsjGLg", algorithm="EdDSA", public_jwk={}
    )
    with pytest.raises(CommandError, match="takes one key id"):
        call_command("rotate_receipt_key", "--retire")

    call_command("rotate_receipt_key", "--retire", dashed.kid)

    dashed.refresh_from_db()
    assert dashed.retired_at is not None
