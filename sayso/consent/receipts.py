"""Consent receipts: each decision as a Kantara Consent Receipt v1.1, signed as a JWS.

The signing key is ``SAYSO_RECEIPT_SIGNING_KEY`` (or ``_FILE``): a PEM private key, Ed25519
(algorithm ``Ed25519``, RFC 9864) or RSA (``RS256``). Without one, a development Ed25519 key is
made in the data directory (``sayso check --deploy`` warns). The public keys are published as
a JWK set at ``/o/<org>/consent/receipt-keys.json`` so anyone can verify a receipt: the current
key first, then every earlier key that signed a receipt and was not retired (each key's public
half is kept in ``ReceiptKey`` when it first signs), so receipts signed before a rotation
(``sayso rotate-receipt-key``, or a new key in the setting) still verify. Each key is named by
its ``kid`` (the RFC 7638 thumbprint), which every receipt's header carries. Signing and
verifying are joserfc's (docs/design.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from joserfc import jws
from joserfc.jwk import KeySet, OKPKey, RSAKey

from sayso.consent.models import Choice, ConsentChannel, ConsentRecord, Purpose, ReceiptKey

DEV_KEY_FILE = "receipt_signing_key.pem"
ALGORITHMS = ["Ed25519", "RS256"]
# The Kantara purpose categories (Consent Receipt v1.1, appendix) each purpose falls under.
PURPOSE_CATEGORY = {
    Purpose.SERVICE: "1 - Core Function",
    Purpose.PRODUCT_NEWS: "3 - Marketing",
    Purpose.SALES: "3 - Marketing",
    Purpose.RESEARCH: "4 - Research",
    Purpose.PARTNERS: "10 - Sharing for Marketing",
}
PII_CATEGORY = {
    ConsentChannel.EMAIL: "1 - Biographical",
    ConsentChannel.PHONE: "1 - Biographical",
    ConsentChannel.SMS: "1 - Biographical",
    ConsentChannel.MASTODON: "1 - Biographical",
    ConsentChannel.BLUESKY: "1 - Biographical",
    ConsentChannel.POST: "1 - Biographical",
}
COLLECTION_METHOD = {
    "portal": "Customer portal web form",
    "widget": "Feedback widget",
    "staff": "Recorded by staff on the customer's word",
    "import": "Imported from an earlier record",
    "api": "Recorded through the API",
}


def _dev_key_path() -> Path:
    # Tests point SAYSO_DATA_DIR at a temporary directory; an install uses DATA_DIR.
    return Path(getattr(settings, "SAYSO_DATA_DIR", None) or settings.DATA_DIR) / DEV_KEY_FILE


def _dev_key_write(path: Path) -> bytes:
    pem = OKPKey.generate_key("Ed25519").as_pem(private=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pem)
    path.chmod(0o600)
    return pem


def _pem() -> bytes:
    configured = (settings.SAYSO_RECEIPT_SIGNING_KEY or "").strip()
    if configured:
        return configured.encode("utf-8")
    path = _dev_key_path()
    if path.exists():
        return path.read_bytes()
    return _dev_key_write(path)


def development_key_in_use() -> bool:
    return not (settings.SAYSO_RECEIPT_SIGNING_KEY or "").strip()


def signing_key() -> tuple[OKPKey | RSAKey, str]:
    """The private key and its algorithm."""
    pem = _pem()
    try:
        return OKPKey.import_key(pem), "Ed25519"
    except Exception:  # not an OKP key: RSA, which raises its own error if not one either
        return RSAKey.import_key(pem), "RS256"


def _public_jwk(key: OKPKey | RSAKey, algorithm: str) -> dict[str, Any]:
    public = key.as_dict(private=False)
    public.update({"kid": key.thumbprint(), "alg": algorithm, "use": "sig"})
    return public


def key_remember() -> ReceiptKey:
    """Keep the current key's public half (once): from now on it is published until retired,
    whatever key signs later."""
    key, algorithm = signing_key()
    kid = key.thumbprint()
    known = ReceiptKey.objects.filter(kid=kid).first()
    if known is not None:
        return known
    try:
        with transaction.atomic():
            return ReceiptKey.objects.create(
                kid=kid, algorithm=algorithm, public_jwk=_public_jwk(key, algorithm)
            )
    except IntegrityError:  # another process remembered it first
        return ReceiptKey.objects.get(kid=kid)


def public_key_set() -> dict[str, Any]:
    """The JWK set that verifies receipts (public halves only): the current key first, then
    every earlier one that signed receipts and is not retired, each with its ``kid``."""
    key, algorithm = signing_key()
    current = _public_jwk(key, algorithm)
    earlier = (
        ReceiptKey.objects.filter(retired_at__isnull=True)
        .exclude(kid=current["kid"])
        .order_by("-created_at", "-id")
        .values_list("public_jwk", flat=True)
    )
    return {"keys": [current, *earlier]}


def key_rotate() -> tuple[ReceiptKey, ReceiptKey]:
    """Sign with a new development key from now on; the old one stays published (receipts it
    signed keep verifying). Returns (old, new). A key configured in
    ``SAYSO_RECEIPT_SIGNING_KEY`` is rotated by configuring the new one: this refuses, after
    remembering the configured key so that it stays published once replaced."""
    old = key_remember()
    if not development_key_in_use():
        raise ValueError(
            f"The signing key (kid {old.kid}) comes from SAYSO_RECEIPT_SIGNING_KEY(_FILE): put "
            "the new key there. This one is kept and stays published until you retire it."
        )
    _dev_key_write(_dev_key_path())
    return old, key_remember()


def key_retire(kid: str) -> ReceiptKey:
    """Stop publishing an earlier key: receipts it signed no longer verify against the
    published set. The key signing now cannot be retired."""
    key, _ = signing_key()
    if kid == key.thumbprint():
        raise ValueError("That key signs receipts now: rotate it first.")
    found = ReceiptKey.objects.filter(kid=kid).first()
    if found is None:
        raise ValueError(f"No receipt key {kid!r}.")
    if found.retired_at is None:
        found.retired_at = timezone.now()
        found.save(update_fields=["retired_at", "updated_at"])
    return found


def receipt_claims(record: ConsentRecord) -> dict[str, Any]:
    """The Kantara Consent Receipt v1.1 fields of one decision."""
    organization = record.organization
    customer = record.customer
    email = (
        customer.identities.filter(kind="email").order_by("id").values_list("value", flat=True)
    ).first()
    base = settings.SAYSO_BASE_URL
    policy = base + reverse("portal-consent", kwargs={"org": organization.slug})
    notice = record.notice
    return {
        "version": "KI-CR-v1.1.0",
        "jurisdiction": settings.SAYSO_RECEIPT_JURISDICTION,
        "consentTimestamp": int(record.created_at.timestamp()),
        "collectionMethod": COLLECTION_METHOD.get(record.method, record.method),
        "consentReceiptID": str(record.receipt_id),
        "publicKey": json.dumps(_public_jwk(*signing_key()), sort_keys=True),
        "language": "en",
        "piiPrincipalId": email or f"customer:{customer.pk}",
        "piiControllers": [
            {
                "piiController": organization.name,
                "contact": f"{organization.name} privacy contact",
                "address": base,
                "email": organization.support_email or settings.DEFAULT_FROM_EMAIL,
                "phone": "",
            }
        ],
        "policyUrl": policy,
        "services": [
            {
                "service": f"{ConsentChannel(record.channel).label} contact",
                "purposes": [
                    {
                        "purpose": Purpose(record.purpose).label
                        + (f" (notice v{notice.version}: {notice.text})" if notice else ""),
                        "purposeCategory": [PURPOSE_CATEGORY[Purpose(record.purpose)]],
                        "consentType": "EXPLICIT"
                        if record.choice != Choice.NOT_ASKED
                        else "NOT ASKED",
                        "piiCategory": [PII_CATEGORY[ConsentChannel(record.channel)]],
                        "primaryPurpose": record.purpose == Purpose.SERVICE,
                        "termination": "Until the customer changes it in the portal",
                        "thirdPartyDisclosure": record.purpose == Purpose.PARTNERS,
                    }
                ],
            }
        ],
        "sensitive": False,
        "spiCat": [],
        # Sayso's own fields: the decision itself and where it was made.
        "sayso": {
            "choice": record.choice,
            "channel": record.channel,
            "purpose": record.purpose,
            "where": record.location,
            "how": record.method,
            "byCustomer": record.by_customer,
        },
    }


def receipt_sign(record: ConsentRecord) -> str:
    """The receipt as a compact JWS (its payload: ``receipt_claims``' JSON)."""
    key, algorithm = signing_key()
    key_remember()
    payload = json.dumps(receipt_claims(record), sort_keys=True, ensure_ascii=False)
    header = {"alg": algorithm, "kid": key.thumbprint(), "typ": "JWT"}
    return jws.serialize_compact(header, payload.encode("utf-8"), key, algorithms=[algorithm])


def receipt_verify(token: str, key_set: dict[str, Any] | None = None) -> dict[str, Any]:
    """The claims of a receipt whose signature verifies against ``key_set`` (the published
    one by default); raises joserfc's ``BadSignatureError`` (or a decoding error) otherwise."""
    keys = KeySet.import_key_set(key_set or public_key_set())  # type: ignore[arg-type]
    verified = jws.deserialize_compact(token, keys, algorithms=ALGORITHMS)
    claims: dict[str, Any] = json.loads(verified.payload)
    return claims
