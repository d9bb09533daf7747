from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from sayso.customers.identities import normalize_identity


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        ("email", " Ada@Example.COM ", "ada@example.com"),
        ("email", "mailto:ada@example.com", "ada@example.com"),
        ("phone", "+1 (555) 010-0200", "+15550100200"),
        ("phone", "0044 20 7946 0958", "+442079460958"),
        ("mastodon", "@Ada@Mastodon.Social", "@ada@mastodon.social"),
        ("mastodon", "ada@mastodon.social", "@ada@mastodon.social"),
        ("mastodon", "https://mastodon.social/@ada", "@ada@mastodon.social"),
        ("bluesky", "@ada.bsky.social", "ada.bsky.social"),
        ("bluesky", "https://bsky.app/profile/ada.bsky.social", "ada.bsky.social"),
        ("url", "https://www.Example.com/blog/", "example.com/blog"),
        ("url", "example.com", "example.com"),
        ("url", "http://127.0.0.1:8001/feed", "127.0.0.1:8001/feed"),
    ],
)
def test_identity_values_are_normalized(kind: str, raw: str, expected: str) -> None:
    assert normalize_identity(kind, raw) == expected


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        ("email", "not-an-email"),
        ("email", "a@b"),
        ("email", ""),
        ("phone", "call me maybe"),
        ("mastodon", "justaname"),
        ("bluesky", "no spaces allowed.com x"),
        ("url", "ftp://example.com"),
        ("url", "nothing"),
        ("fax", "123"),
    ],
)
def test_invalid_identity_values_are_refused_with_a_message(kind: str, raw: str) -> None:
    with pytest.raises(ValidationError) as err:
        normalize_identity(kind, raw)
    assert err.value.messages[0]
