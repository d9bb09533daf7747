"""Consent receipts: the Kantara v1.1 fields, signed; the signature verifies with the published
key and fails on any change; the development key is warned about; history is append-only."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from django.core.checks import run_checks
from joserfc.errors import BadSignatureError
from joserfc.jwk import OKPKey

from sayso.consent import receipts, services
from sayso.consent.models import Choice, ConsentRecord, Method

pytestmark = pytest.mark.django_db

KANTARA_FIELDS = {
    "version",
    "jurisdiction",
    "consentTimestamp",
    "collectionMethod",
    "consentReceiptID",
    "publicKey",
    "language",
    "piiPrincipalId",
    "piiControllers",
    "policyUrl",
    "services",
    "sensitive",
    "spiCat",
}


def _record(customer: Any, agent: Any) -> ConsentRecord:
    return services.consent_record(
        customer=customer,
        channel="phone",
        purpose="sales",
        choice=Choice.GRANTED,
        method=Method.STAFF,
        location="staff",
        actor=agent,
        note="Asked for a callback about trucks on 3 Dec",
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_a_receipt_carries_the_kantara_fields_and_verifies(customer: Any, agent: Any) -> None:
    record = _record(customer, agent)
    token = receipts.receipt_sign(record)
    claims = receipts.receipt_verify(token)
    assert set(claims) >= KANTARA_FIELDS
    assert claims["version"] == "KI-CR-v1.1.0"
    assert claims["consentReceiptID"] == str(record.receipt_id)
    assert claims["piiPrincipalId"] == "ada@example.com"
    assert claims["collectionMethod"] == "Recorded by staff on the customer's word"
    controller = claims["piiControllers"][0]
    assert set(controller) == {"piiController", "contact", "address", "email", "phone"}
    purpose = claims["services"][0]["purposes"][0]
    assert set(purpose) == {
        "purpose",
        "purposeCategory",
        "consentType",
        "piiCategory",
        "primaryPurpose",
        "termination",
        "thirdPartyDisclosure",
    }
    assert "notice v1:" in purpose["purpose"]
    assert claims["sayso"]["choice"] == "granted"
    # The published key is in the receipt, and is the verifying one.
    assert json.loads(claims["publicKey"]) == receipts.public_key_set()["keys"][0]


def test_a_tampered_receipt_or_another_key_fails(customer: Any, agent: Any) -> None:
    token = receipts.receipt_sign(_record(customer, agent))
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sayso"]["choice"] = "refused"
    forged = ".".join([header, _b64(json.dumps(claims).encode()), signature])
    with pytest.raises(BadSignatureError):
        receipts.receipt_verify(forged)
    stranger = OKPKey.generate_key("Ed25519").as_dict(private=False)
    stranger["kid"] = receipts.public_key_set()["keys"][0]["kid"]
    with pytest.raises(BadSignatureError):
        receipts.receipt_verify(token, {"keys": [stranger]})


@pytest.mark.parametrize("kind", ["ed25519", "rsa"])
def test_a_key_from_the_environment_signs(
    customer: Any, agent: Any, settings: Any, kind: str
) -> None:
    private = (
        ed25519.Ed25519PrivateKey.generate()
        if kind == "ed25519"
        else rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    settings.SAYSO_RECEIPT_SIGNING_KEY = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    token = receipts.receipt_sign(_record(customer, agent))
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["alg"] == ("Ed25519" if kind == "ed25519" else "RS256")
    assert receipts.receipt_verify(token)["consentReceiptID"]
    assert not [m for m in run_checks(include_deployment_checks=True) if m.id == "sayso.W101"]


def test_the_development_key_is_warned_about(settings: Any) -> None:
    settings.SAYSO_RECEIPT_SIGNING_KEY = ""
    assert [m.id for m in run_checks(include_deployment_checks=True) if m.id == "sayso.W101"]


def test_history_is_append_only(customer: Any, agent: Any) -> None:
    record = _record(customer, agent)
    record.choice = Choice.REFUSED
    with pytest.raises(ValueError, match="never changed"):
        record.save()
    with pytest.raises(ValueError, match="never deleted"):
        record.delete()
    services.consent_record(
        customer=customer,
        channel="phone",
        purpose="sales",
        choice=Choice.REFUSED,
        method=Method.PORTAL,
        location="/o/haulright/my/consent/",
    )
    history = list(
        ConsentRecord.objects.filter(customer=customer).order_by("id").values_list("choice")
    )
    assert history == [("granted",), ("refused",)]


def test_a_staff_record_needs_a_note_and_a_notice_edit_is_a_new_version(
    org: Any, customer: Any, agent: Any
) -> None:
    with pytest.raises(Exception, match="needs a note"):
        services.consent_record(
            customer=customer,
            channel="email",
            purpose="sales",
            choice=Choice.GRANTED,
            method=Method.STAFF,
            location="staff",
            actor=agent,
        )
    first = _record(customer, agent).notice
    second = services.notice_publish(organization=org, purpose="sales", text="New wording.")
    assert first is not None and (first.version, second.version) == (1, 2)
    first.refresh_from_db()
    assert first.text != "New wording."
