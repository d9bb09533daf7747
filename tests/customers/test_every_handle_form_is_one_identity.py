"""Every form of a handle seen in the wild normalizes to one value (issue 20, "identity that
holds"): IDN and punycode hosts, single-label hosts of local instances, ``acct:`` URIs,
``@user@host``, profile URLs, Bluesky profile URLs, AT URIs and DIDs, any case."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from sayso.customers.identities import identity_equivalents, normalize_identity
from sayso.customers.models import IdentityKind

SAME_MASTODON_ACCOUNT = {
    "@dana@truckers.social": [
        "@Dana@Truckers.Social",
        "dana@truckers.social",
        "acct:dana@truckers.social",
        "ACCT:Dana@truckers.social",
        "https://truckers.social/@dana",
        "https://truckers.social/@Dana/",
        "https://truckers.social/users/dana",
        "https://truckers.social/web/@dana",
        "https://mastodon.social/@dana@truckers.social",
    ],
    "@ivan@xn--e1afmkfd.xn--p1ai": [
        "@ivan@пример.рф",
        "@Ivan@ПРИМЕР.РФ",
        "ivan@xn--e1afmkfd.xn--p1ai",
        "https://пример.рф/@ivan",
        "https://xn--e1afmkfd.xn--p1ai/users/ivan",
    ],
    "@admin@localhost:3000": [
        "admin@localhost:3000",
        "@Admin@LOCALHOST:3000",
        "http://localhost:3000/@admin",
        "acct:admin@localhost:3000",
    ],
    "@mo@mastodon": ["mo@mastodon", "https://mastodon/@mo"],
}


@pytest.mark.parametrize(
    ("expected", "raw"),
    [(expected, raw) for expected, forms in SAME_MASTODON_ACCOUNT.items() for raw in forms],
)
def test_every_form_of_a_mastodon_handle_is_one_value(expected: str, raw: str) -> None:
    assert normalize_identity(IdentityKind.MASTODON, raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ada.bsky.social", "ada.bsky.social"),
        ("@ada.bsky.social", "ada.bsky.social"),
        ("https://bsky.app/profile/Ada.bsky.social", "ada.bsky.social"),
        ("https://bsky.app/profile/ada.bsky.social/post/3kabc", "ada.bsky.social"),
        ("at://ada.bsky.social/app.bsky.feed.post/3kabc", "ada.bsky.social"),
        ("did:plc:z72i7hdynmk6r22z27h6tvur", "did:plc:z72i7hdynmk6r22z27h6tvur"),
        (
            "https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur",
            "did:plc:z72i7hdynmk6r22z27h6tvur",
        ),
        (
            "at://did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/3k",
            "did:plc:z72i7hdynmk6r22z27h6tvur",
        ),
        ("blog.пример.рф", "blog.xn--e1afmkfd.xn--p1ai"),
    ],
)
def test_every_form_of_a_bluesky_handle_is_one_value(raw: str, expected: str) -> None:
    assert normalize_identity(IdentityKind.BLUESKY, raw) == expected


def test_a_host_name_with_an_underscore_is_a_web_address() -> None:
    assert normalize_identity(IdentityKind.URL, "https://My_Blog.example.com/") == (
        "my_blog.example.com"
    )


def test_an_idn_web_address_is_its_punycode_form() -> None:
    assert normalize_identity(IdentityKind.URL, "https://Пример.рф/blog/") == normalize_identity(
        IdentityKind.URL, "xn--e1afmkfd.xn--p1ai/blog"
    )


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        (IdentityKind.MASTODON, "dana"),
        (IdentityKind.MASTODON, "@dana"),
        (IdentityKind.MASTODON, "dana@"),
        (IdentityKind.MASTODON, "dana@bad_host!.social"),
        (IdentityKind.MASTODON, "dana@host:99999"),
        (IdentityKind.MASTODON, "https://truckers.social/about"),
        (IdentityKind.MASTODON, "https://truckers.social/"),
        (IdentityKind.BLUESKY, "localhost"),
        (IdentityKind.BLUESKY, "https://bsky.app/search?q=x"),
        (IdentityKind.BLUESKY, "did:"),
    ],
)
def test_what_is_no_handle_is_refused(kind: str, raw: str) -> None:
    with pytest.raises(ValidationError):
        normalize_identity(kind, raw)


def test_profile_urls_and_handles_are_equivalent_both_ways() -> None:
    url = normalize_identity(IdentityKind.URL, "https://Truckers.social/@Dana")
    assert (IdentityKind.MASTODON, "@dana@truckers.social") in identity_equivalents(
        IdentityKind.URL, url
    )
    assert (IdentityKind.URL, "truckers.social/@dana") in identity_equivalents(
        IdentityKind.MASTODON, "@dana@truckers.social"
    )
    profile = normalize_identity(IdentityKind.URL, "https://bsky.app/profile/ada.bsky.social")
    assert identity_equivalents(IdentityKind.URL, profile) == [
        (IdentityKind.BLUESKY, "ada.bsky.social")
    ]
    assert identity_equivalents(IdentityKind.URL, "example.com/blog") == []


def test_a_claimed_address_is_never_an_email_identity() -> None:
    claimed = normalize_identity(IdentityKind.EMAIL_CLAIMED, "Omar.H@Example.org")
    assert claimed == normalize_identity(IdentityKind.EMAIL, "omar.h@example.org")
    # Same text, other kind: nothing maps one kind onto the other.
    assert identity_equivalents(IdentityKind.EMAIL_CLAIMED, claimed) == []
    assert identity_equivalents(IdentityKind.EMAIL, claimed) == []


def test_an_email_address_at_an_idn_domain_is_one_address_in_either_form() -> None:
    unicode_form = normalize_identity(IdentityKind.EMAIL, "Ivan@Пример.рф")
    assert unicode_form == normalize_identity(IdentityKind.EMAIL, "ivan@xn--e1afmkfd.xn--p1ai")
    assert unicode_form == "ivan@xn--e1afmkfd.xn--p1ai"
    assert normalize_identity(IdentityKind.EMAIL_CLAIMED, "ivan@пример.рф") == unicode_form
