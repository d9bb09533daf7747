"""``sayso check --deploy``: consent receipts signed with the development key."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Tags, register
from django.core.checks import Warning as CheckWarning


@register(Tags.security, "sayso", deploy=True)
def receipt_key_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    from sayso.consent.receipts import development_key_in_use

    if not development_key_in_use():
        return []
    return [
        CheckWarning(
            "Consent receipts are signed with a development key generated in the data directory.",
            hint="Set SAYSO_RECEIPT_SIGNING_KEY_FILE (or SAYSO_RECEIPT_SIGNING_KEY) to a PEM "
            "Ed25519 or RSA private key kept outside the data directory "
            "(openssl genpkey -algorithm ed25519).",
            id="sayso.W101",
        )
    ]
