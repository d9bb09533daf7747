"""Custom emoji shortcodes (``:pacman:`` where the status's or account's ``emojis`` list names
them) leave the stored text, the poll options, the content warning and the author's name;
Unicode emoji and other words between colons stay. Shapes as Mastodon 4 serializes them (the
recorded corpus has no custom emoji)."""

from __future__ import annotations

from typing import Any

from sayso.listening.connectors import mastodon as connector


def emoji(code: str) -> dict[str, Any]:
    return {
        "shortcode": code,
        "url": f"https://files.example/custom_emojis/{code}.png",
        "static_url": f"https://files.example/custom_emojis/{code}.png",
        "visible_in_picker": True,
    }


def test_shortcodes_named_by_the_emojis_list_are_removed() -> None:
    status = {
        "id": "1",
        "uri": "https://social.example/users/ana/statuses/1",
        "url": "https://social.example/@ana/1",
        "visibility": "public",
        "created_at": "2026-08-01T13:55:55.867Z",
        "spoiler_text": ":blobcat: spoilers",
        "content": "<p>Loved the new route :pacman: :verified: 🎉 — meeting at 10:30:00 "
        "in room :b:</p>",
        "emojis": [emoji("pacman"), emoji("verified"), emoji("blobcat")],
        "account": {
            "acct": "ana@social.example",
            "username": "ana",
            "display_name": ":verified: Ana Lima :pacman:",
            "url": "https://social.example/@ana",
            "emojis": [emoji("verified"), emoji("pacman")],
        },
        "poll": {
            "expired": True,
            "options": [
                {"title": "yes :pacman:", "votes_count": 12},
                {"title": "no", "votes_count": 1},
            ],
            "emojis": [emoji("pacman")],
        },
        "media_attachments": [{"type": "image", "description": None}],
        "card": None,
        "quote": None,
        "reblog": None,
    }

    item = connector._item(status, "social.example", direct=False)

    assert item is not None
    assert item.text == (
        "CW: spoilers\n\n"
        "Loved the new route 🎉 — meeting at 10:30:00 in room :b:\n\n"
        "Poll (closed): yes (12 votes), no (1 vote)\n\n"
        "[image]"
    )
    assert item.author_name == "Ana Lima"


def test_a_name_made_only_of_custom_emoji_falls_back_to_the_username() -> None:
    account = {"display_name": ":verified:", "emojis": [emoji("verified")], "username": "ana"}
    status = {
        "id": "2",
        "uri": "https://social.example/users/ana/statuses/2",
        "visibility": "public",
        "content": "<p>hello</p>",
        "emojis": [],
        "account": {**account, "acct": "ana@social.example"},
    }

    item = connector._item(status, "social.example", direct=False)

    assert item is not None and item.author_name == "ana"
