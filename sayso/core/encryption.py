"""Secrets kept in the database (a source's access token, app password) are sealed with Fernet
keys from ``SAYSO_ENCRYPTION_KEY`` (comma-separated, the newest first: ``MultiFernet`` seals with
the first and opens with any). A key is rotated by putting a new one in front, re-sealing the
stored secrets with ``reseal`` (``sayso reseal-credentials``), and then dropping the old one
(docs/deploy.md).

    token = seal("the app password")     # what the column holds
    unseal(token)                        # "the app password"
    masked("the app password")           # "••••word"
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MASK = "••••"


class SecretUnreadable(Exception):
    """A sealed secret that none of the configured keys opens."""


def _keys() -> MultiFernet:
    raw = str(getattr(settings, "SAYSO_ENCRYPTION_KEY", "") or "")
    keys = [key.strip() for key in raw.split(",") if key.strip()]
    if not keys:
        raise ImproperlyConfigured("SAYSO_ENCRYPTION_KEY is not set.")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "SAYSO_ENCRYPTION_KEY holds a key that is not a Fernet key (32 url-safe base64 "
            "bytes; make one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())')."
        ) from None


def seal(secret: str) -> str:
    """The secret encrypted (and authenticated) with the newest key; "" stays ""."""
    if not secret:
        return ""
    return _keys().encrypt(secret.encode()).decode()


_UNREADABLE = (
    "The stored credential cannot be decrypted with SAYSO_ENCRYPTION_KEY (was the key "
    "changed?); enter the credential again."
)


def unseal(token: str) -> str:
    if not token:
        return ""
    try:
        return _keys().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(_UNREADABLE) from None


def reseal(token: str) -> str:
    """The same secret sealed with the newest key (for key rotation); raises
    ``SecretUnreadable`` when no configured key opens it."""
    if not token:
        return ""
    try:
        return _keys().rotate(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(_UNREADABLE) from None


def masked(secret: str) -> str:
    """Enough of a secret to recognise it: its last four characters at most, never more than
    a quarter of it."""
    if not secret:
        return ""
    shown = min(4, len(secret) // 4)
    return MASK + (secret[-shown:] if shown else "")
