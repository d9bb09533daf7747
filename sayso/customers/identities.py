"""Normalization of identity values, so the same address written two ways is one identity.

Every form of a handle seen in the wild comes out as one value: ``@Dana@Mastodon.Social``,
``acct:dana@mastodon.social``, ``https://mastodon.social/@dana`` and
``https://mastodon.social/users/dana`` are all ``@dana@mastodon.social``; a host is kept in its
ASCII (punycode) form, so ``пример.рф`` and ``xn--e1afmkfd.xn--p1ai`` are the same host; a
single-label host with a port (``localhost:3000``, a local test instance) is a host too.
Bluesky handles and DIDs are read from ``@handle``, ``https://bsky.app/profile/…`` and
``at://…``.

``identity_equivalents`` names the other identities that are the same account written as
another kind (a Mastodon profile URL ↔ its handle; a bsky.app profile URL ↔ the handle): the
listening pipeline looks them up too, so one account is one customer. An address typed by
someone (``email_claimed``) never becomes an ``email`` identity here: kinds are never merged
by normalization.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import idna
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from sayso.customers.models import IdentityKind

_USER_RE = re.compile(r"^[\w.\-]+$")
_LABEL_RE = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_BSKY_RE = re.compile(r"^([a-z0-9]([a-z0-9-]*[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")
_DID_RE = re.compile(r"^did:[a-z0-9]+:[a-z0-9._:%-]+$")
_PHONE_STRIP = re.compile(r"[\s().\-/]")
# Bluesky's own web app and the other apps that show a profile at /profile/<handle or DID>.
_BSKY_APPS = frozenset({"bsky.app", "staging.bsky.app", "main.bsky.dev"})


def ascii_host(host: str) -> str:
    """``host`` (with an optional ``:port``) lowercased and in its ASCII form (IDNA: an
    internationalized name as punycode, a punycode name as it is), or ``""`` when it is not a
    host name. A single label (``localhost``) is a host: local instances have such names."""
    host = host.strip().rstrip(".")
    port = ""
    if re.fullmatch(r".+:\d{1,5}", host):
        host, port = host.rsplit(":", 1)
        port = f":{int(port)}" if 0 < int(port) < 65536 else "!"
    if not host or port == "!":
        return ""
    if host.isascii():
        # Already ASCII (punycode included): as it is, lowercased. Underscores, which IDNA
        # refuses, occur in real host names.
        name = host.lower()
    else:
        try:
            name = idna.encode(host, uts46=True).decode("ascii").lower()
        except (idna.IDNAError, UnicodeError, ValueError):
            return ""
    if not all(_LABEL_RE.match(label) for label in name.split(".")):
        return ""
    return name + port


def _host_of(url: str) -> str:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return ""
    return ascii_host(f"{parts.hostname or ''}{f':{port}' if port else ''}")


def _mastodon(raw: str) -> str | None:
    """``@user@host`` for any form of a fediverse handle, or ``None``."""
    value = raw.strip()
    if value.lower().startswith(("https://", "http://")):
        host = _host_of(value)
        segments = [s for s in urlsplit(value).path.split("/") if s]
        if segments and segments[0].lower() == "web":  # Mastodon's older web-app addresses
            segments = segments[1:]
        if not host or not segments:
            return None
        if segments[0].startswith("@") and len(segments[0]) > 1:
            value = segments[0] if "@" in segments[0][1:] else f"{segments[0]}@{host}"
        elif segments[0].lower() == "users" and len(segments) > 1:
            value = f"{segments[1]}@{host}"
        else:
            return None
    if value.lower().startswith("acct:"):
        value = value[5:]
    value = value.removeprefix("@")
    user, at, host = value.rpartition("@")
    if not at or not user or not _USER_RE.match(user):
        return None
    host = ascii_host(host)
    if not host:
        return None
    return f"@{user.lower()}@{host}"


def _bluesky(raw: str) -> str | None:
    """A Bluesky handle (``name.bsky.social``) or DID (``did:plc:…``), or ``None``."""
    value = raw.strip()
    lowered = value.lower()
    if lowered.startswith(("https://", "http://")):
        segments = [s for s in urlsplit(value).path.split("/") if s]
        if len(segments) < 2 or segments[0].lower() != "profile":
            return None
        value = segments[1]
    elif lowered.startswith("at://"):
        value = value[5:].split("/", 1)[0]
    value = value.strip().removeprefix("@")
    if value.lower().startswith("did:"):
        did = value.lower()
        return did if _DID_RE.match(did) else None
    handle = ascii_host(value)
    if not handle or ":" in handle or not _BSKY_RE.match(handle):
        return None
    return handle


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
        local, at, domain = address.rpartition("@")
        if at and domain and not domain.isascii():
            # user@пример.рф and user@xn--e1afmkfd.xn--p1ai are one mailbox: the domain is
            # kept in its ASCII (punycode) form, as a handle's or a web address's host is.
            domain = ascii_host(domain) or domain
            address = f"{local}@{domain}"
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
        handle = _mastodon(raw)
        if handle is None:
            raise ValidationError(f"“{raw}” is not a Mastodon handle like @name@server.social.")
        return handle
    if kind == IdentityKind.BLUESKY:
        handle = _bluesky(raw)
        if handle is None:
            raise ValidationError(f"“{raw}” is not a Bluesky handle like name.bsky.social.")
        return handle
    if kind == IdentityKind.URL:
        candidate = raw if "://" in raw else f"https://{raw}"
        parts = urlsplit(candidate)
        host = _host_of(candidate) if parts.hostname else ""
        if parts.scheme not in {"http", "https"} or not host or "." not in host:
            raise ValidationError(f"“{raw}” is not a web address.")
        path = parts.path.rstrip("/")
        return f"{host.removeprefix('www.')}{path}"
    if kind == IdentityKind.OTHER:
        return raw
    raise ValidationError(f"Unknown identity kind “{kind}”.")


def identity_equivalents(kind: str, value: str) -> list[tuple[str, str]]:
    """The same account written as identities of other kinds, for a normalized ``value``:
    a Mastodon handle ↔ its profile URL (``host/@user``), a Bluesky handle ↔ its bsky.app
    profile URL. Used to recognise a customer, never stored for them. Email addresses have
    none: a claimed address is never an ``email`` identity."""
    if kind == IdentityKind.MASTODON:
        user, _, host = value.removeprefix("@").partition("@")
        return [(IdentityKind.URL, f"{host}/@{user}")] if "." in host else []
    if kind == IdentityKind.BLUESKY:
        return [(IdentityKind.URL, f"bsky.app/profile/{value}")]
    if kind == IdentityKind.URL:
        host, _, path = value.partition("/")
        segments = [s for s in path.split("/") if s]
        if host in _BSKY_APPS and len(segments) == 2 and segments[0] == "profile":
            found = _bluesky(segments[1])
            return [(IdentityKind.BLUESKY, found)] if found else []
        if len(segments) == 1 and segments[0].startswith("@"):
            found = _mastodon(f"https://{host}/{segments[0]}")
            return [(IdentityKind.MASTODON, found)] if found else []
    return []
