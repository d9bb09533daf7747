"""Duplicates: exact, edited, the same meaning from the same author, and copies."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sayso.intelligence.analysis import DuplicateIndex, analyze
from sayso.intelligence.analysis.duplicates import jaccard

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


def test_the_same_meaning_is_found_across_batches_once_the_author_writes_again() -> None:
    """An item whose author has written nothing else lately is analyzed without its sentence
    vector (the heads need only the features); when the author writes again within the
    window, both are embedded then and compared by meaning."""
    now = datetime(2025, 5, 1, 9, 0, tzinfo=UTC)
    reworded = "Overnight my Saturday booking of the 20ft truck disappeared from the app."
    history = DuplicateIndex()

    first = analyze(
        [{"text": COMPLAINT, "author": "Ola", "created_at": now.isoformat()}], history=history
    )
    (remembered,) = history.same_author("ola|", now)
    assert remembered.vector is None and remembered.text == COMPLAINT
    later = analyze(
        [
            {"text": "Is the Oakland depot open on Sunday?", "author": "Kim"},
            {
                "text": reworded,
                "author": "Ola",
                "created_at": (now + timedelta(hours=5)).isoformat(),
            },
        ],
        history=history,
    )

    assert first[0].duplicate_of is None
    assert later[0].duplicate_of is None
    assert (later[1].duplicate_of, later[1].duplicate_kind) == (0, "meaning")
    assert remembered.vector is not None and remembered.text == ""


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


def test_near_matches_are_those_of_comparing_every_candidate() -> None:
    # ``match`` skips candidates whose shingle counts alone rule them out; the result must be
    # what comparing every candidate in the LSH buckets gives, ties to the earliest included.
    rng = random.Random(7)
    words = [
        "truck",
        "booking",
        "van",
        "depot",
        "refund",
        "driver",
        "late",
        "cancelled",
        "call",
        "app",
        "quote",
        "move",
    ]
    bases = [" ".join(rng.choice(words) for _ in range(rng.randint(6, 14))) for _ in range(12)]
    index = DuplicateIndex(capacity=1_000)
    probes = []
    near = 0
    for key in range(400):
        text = list(rng.choice(bases))
        for _ in range(rng.randint(0, 6)):  # a few typos, insertions and cuts
            at = rng.randrange(len(text))
            text[at : at + rng.randint(0, 2)] = rng.choice(["", "x", "ee", " now"])
        author = rng.choice(["ola", "bo", "kim", ""])
        probe = index.probe("".join(text) + " " * rng.randint(0, 1), author=author)

        found = index.match(probe)

        best = None
        if not found or found.kind != "exact":
            for earlier_key, earlier in probes:
                if not set(probe.bands) & set(earlier.bands):
                    continue
                if not index._allowed(probe, earlier.author, earlier.substantive):
                    continue
                other = bool(probe.author and earlier.author and probe.author != earlier.author)
                threshold = index.copy_threshold if other else index.near_threshold
                similarity = jaccard(probe.shingles, earlier.shingles)
                if similarity >= threshold and (best is None or similarity > best[0]):
                    best = (similarity, earlier_key)
            got = (found.key, found.kind) if found is not None else None
            assert got == ((best[1], "near") if best is not None else None), key
            near += best is not None
        index.add(key, probe)
        probes.append((key, probe))
    assert near > 50  # the case is exercised: many edited repeats, found by comparison
