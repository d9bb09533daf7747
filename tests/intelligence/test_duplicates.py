"""Duplicates: exact, edited, the same meaning from the same author, and copies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sayso.intelligence.analysis import DuplicateIndex, analyze

COMPLAINT = "My reservation for the 20ft truck on Saturday vanished from the app overnight."


def test_the_same_text_twice_points_to_the_first() -> None:
    results = analyze(
        [
            {"text": COMPLAINT, "author": "Ola"},
            {"text": "Thanks for the quick answer.", "author": "Bo"},
            {
                "text": "  my reservation for the 20FT truck on saturday vanished from the app overnight!! "
            },
            {"text": COMPLAINT, "author": "Ola"},
        ]
    )

    assert [r.duplicate_of for r in results] == [None, None, 0, 0]
    assert results[3].duplicate_kind == "exact"
    assert "same text as comment #0" in results[3].reasons
    assert not results[3].is_spam


def test_a_lightly_edited_text_is_a_near_duplicate() -> None:
    edited = "My reservaton for the 20 ft truck on Saturday vanished from the app over night."

    results = analyze([{"text": COMPLAINT, "author": "Ola"}, {"text": edited, "author": "Ola"}])

    assert results[1].duplicate_of == 0
    assert results[1].duplicate_kind == "near"
    assert "nearly the same text as comment #0" in results[1].reasons


def test_the_same_meaning_from_the_same_author_within_the_window() -> None:
    now = datetime(2025, 5, 1, 9, 0, tzinfo=UTC)
    reworded = "Overnight my Saturday booking of the 20ft truck disappeared from the app."
    items = [
        {"text": COMPLAINT, "author": "Ola", "created_at": now.isoformat()},
        {"text": reworded, "author": "Ola", "created_at": (now + timedelta(hours=2)).isoformat()},
        {"text": reworded, "author": "Ola", "created_at": (now + timedelta(days=9)).isoformat()},
    ]

    results = analyze(items[:2])
    late = analyze([items[0], items[2]])

    assert results[1].duplicate_of == 0
    assert results[1].duplicate_kind == "meaning"
    assert late[1].duplicate_of is None


def test_the_same_meaning_from_another_author_is_no_duplicate() -> None:
    reworded = "Overnight my Saturday booking of the 20ft truck disappeared from the app."

    results = analyze([{"text": COMPLAINT, "author": "Ola"}, {"text": reworded, "author": "Kim"}])

    assert results[1].duplicate_of is None


def test_a_short_reply_from_two_people_is_no_copy() -> None:
    results = analyze([{"text": "Thanks!", "author": "Ana"}, {"text": "Thanks!", "author": "Ben"}])

    assert results[1].duplicate_of is None
    assert not results[1].is_spam


def test_an_edited_copy_from_another_author_is_spam() -> None:
    copy = "My reservation for the 20ft truck on Saturday vanished from the app overnight :("

    results = analyze(
        [{"text": COMPLAINT, "author": "Ola"}, {"text": copy, "author": "Vans Cheap Deals"}]
    )

    assert results[1].duplicate_of == 0
    assert results[1].duplicate_kind == "copy"
    assert results[1].is_spam


def test_history_finds_duplicates_across_batches_with_their_keys() -> None:
    history = DuplicateIndex()
    analyze([{"text": COMPLAINT}], history=history, keys=[41])

    later = analyze(
        [{"text": "Unrelated: what are your opening hours?"}, {"text": COMPLAINT}],
        history=history,
        keys=[42, 43],
    )

    assert [r.duplicate_of for r in later] == [None, 41]


def test_the_index_stays_bounded() -> None:
    index = DuplicateIndex(capacity=50)
    for i in range(200):
        index.add(i, index.probe(f"message number {i} about truck {i * 7} and depot {i % 13}"))

    assert len(index) == 50
    assert index.match(index.probe("message number 199 about truck 1393 and depot 4")) is not None
