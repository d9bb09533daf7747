"""Normalization of identity values, so the same address written two ways is one identity."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from sayso.customers.models import IdentityKind

_HANDLE_RE = re.compile(r"^@?([a-z0-9_.-]+)@([a-z0-9.-]+\.[a-z]{2,})$")
_BSKY_RE = re.compile(r"^@?([a-z0-9-]+(\.[a-z0-9-]+)+)$")
_PHONE_STRIP = re.compile(r"[\s().\-/]")


def normalize_identity(kind: str, value: str) -> str:
    """Return the canonical form of ``value`` for ``kind``, or raise ``ValidationError``."""
    raw = (value or "").strip()
    if not raw:
        raise ValidationError("An identity needs a value.")
    if len(raw) > 320:
        raise ValidationError("That identity value is too long (320 characters at most).")
    if kind in {IdentityKind.EMAIL, IdentityKind.EMAIL_CLAIMED}:
        address = raw.lower()
        if address.startswith("mailto:"):
            address = address[7:]
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(f"“{raw}” is not a valid email address.") from None
        return address
    if kind == IdentityKind.PHONE:
        digits = _PHONE_STRIP.sub("", raw)
        if digits.startswith("00"):
            digits = "+" + digits[2:]
        if not re.fullmatch(r"\+?\d{5,16}", digits):
            raise ValidationError(f"“{raw}” is not a valid phone number.")
        return digits
    if kind == IdentityKind.MASTODON:
        handle = raw.lower()
        if handle.startswith("https://") or handle.startswith("http://"):
            parts = urlsplit(handle)
            path = parts.path.strip("/")
            if path.startswith("@") and parts.hostname:
                handle = f"{path}@{parts.hostname}"
        match = _HANDLE_RE.match(handle)
        if not match:
            raise ValidationError(f"“{raw}” is not a Mastodon handle like @name@server.social.")
        return f"@{match.group(1)}@{match.group(2)}"
    if kind == IdentityKind.BLUESKY:
        handle = raw.lower()
        if handle.startswith("https://bsky.app/profile/"):
            handle = handle.removeprefix("https://bsky.app/profile/").strip("/")
        if handle.startswith("did:"):
            return handle
        match = _BSKY_RE.match(handle)
        if not match:
            raise ValidationError(f"“{raw}” is not a Bluesky handle like name.bsky.social.")
        return match.group(1)
    if kind == IdentityKind.URL:
        candidate = raw if "://" in raw else f"https://{raw}"
        parts = urlsplit(candidate)
        if parts.scheme not in {"http", "https"} or not parts.hostname or "." not in parts.hostname:
            raise ValidationError(f"“{raw}” is not a web address.")
        host = parts.hostname.lower().removeprefix("www.")
        port = f":{parts.port}" if parts.port else ""
        path = parts.path.rstrip("/")
        return f"{host}{port}{path}"
    if kind == IdentityKind.OTHER:
        return raw
    raise ValidationError(f"Unknown identity kind “{kind}”.")
