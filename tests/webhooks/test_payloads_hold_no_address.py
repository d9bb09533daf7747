"""A mention typed into the widget (or heard by email) names its author by an address: the
payload sent to endpoints leaves the author out rather than send it; social handles stay."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from sayso.listening.models import Mention
from sayso.webhooks.payloads import mention_data


@pytest.mark.parametrize(
    ("name", "handle", "expected"),
    [
        ("dana@whitfield.example (unverified)", "dana@whitfield.example", ("", "")),
        ("Dana Whitfield <dana.w+crm@whitfield.example>", "dana.w+crm@whitfield.example", ("", "")),
        ("Kim", "@kim@mastodon.example", ("Kim", "@kim@mastodon.example")),
        ("Kim", "kim.bsky.social", ("Kim", "kim.bsky.social")),
        ("Kim's blog", "https://kim.example/", ("Kim's blog", "https://kim.example/")),
    ],
)
def test_a_mention_author_given_by_an_address_is_left_out(
    name: str, handle: str, expected: tuple[str, str]
) -> None:
    mention: Any = Mention(
        author_name=name,
        author_handle=handle,
        text="The van was late",
        published_at=timezone.now(),
        outcome="kept",
    )
    data = mention_data(mention)
    assert (data["author_name"], data["author_handle"]) == expected
