"""``sayso analyze`` keeps every line it can: ``created_at`` in the forms people and exports
write it (ISO with and without a zone, RFC 2822, a Unix time as a number or a string, "February
23, 2005 at 04:48 AM") is read; one that cannot be read, or another optional field of the wrong
type, leaves the line analyzed without it and named in ``warnings``; only a line without a
usable ``text`` is an error. Through the real command, on files."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from sayso.intelligence.analysis.pipeline import parse_datetime, read_created_at

COMPLAINT = "My reservation for the 20ft truck on Saturday vanished from the app overnight."
REWORDED = "Overnight my Saturday booking of the 20ft truck disappeared from the app."
NO_ZONE = "“created_at” has no time zone: read as UTC"


def analyze_file(tmp_path: Path, capsys: pytest.CaptureFixture[str], *lines: Any) -> list[Any]:
    path = tmp_path / "in.jsonl"
    path.write_text(
        "".join((v if isinstance(v, str) else json.dumps(v)) + "\n" for v in lines),
        encoding="utf-8",
    )
    call_command("analyze", str(path))
    out = capsys.readouterr().out
    return [json.loads(line) for line in out.splitlines()]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("February 23, 2005 at 04:48 AM", datetime(2005, 2, 23, 4, 48)),
        ("Tue, 15 Nov 1994 08:12:31 GMT", datetime(1994, 11, 15, 8, 12, 31, tzinfo=UTC)),
        (
            "Wed, 02 Oct 2002 13:00:00 +0200",
            datetime(2002, 10, 2, 13, tzinfo=timezone(timedelta(hours=2))),
        ),
        (1109134080, datetime(2005, 2, 23, 4, 48, tzinfo=UTC)),
        ("1109134080", datetime(2005, 2, 23, 4, 48, tzinfo=UTC)),
        (1109134080.5, datetime(2005, 2, 23, 4, 48, 0, 500000, tzinfo=UTC)),
        (1109134080000, datetime(2005, 2, 23, 4, 48, tzinfo=UTC)),  # milliseconds
        ("2025-05-01T09:00:00Z", datetime(2025, 5, 1, 9, tzinfo=UTC)),
        (
            "2025-05-01T09:00:00-05:00",
            datetime(2025, 5, 1, 9, tzinfo=timezone(timedelta(hours=-5))),
        ),
        ("2025-05-01T09:00:00", datetime(2025, 5, 1, 9)),
        ("2025-05-01 09:00", datetime(2025, 5, 1, 9)),
    ],
)
def test_the_date_reader_reads_what_people_and_exports_write(
    value: Any, expected: datetime
) -> None:
    assert parse_datetime(value) == expected
    if expected.tzinfo is not None:
        assert parse_datetime(value).utcoffset() == expected.utcoffset()  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "value",
    [
        "yesterday-ish",
        "04:48 AM",
        "Tuesday",
        "May 3",
        "soon",
        "2025-13-45",
        True,
        [2025],
        {"y": 2025},
        "",
        None,
    ],
)
def test_what_names_no_full_date_is_not_a_date(value: Any) -> None:
    """A bare time or number of days would be completed with today's date: not taken."""
    assert parse_datetime(value) is None


def test_a_time_without_a_zone_is_read_as_utc_and_says_so() -> None:
    moment, warning = read_created_at("February 23, 2005 at 04:48 AM")

    assert moment == datetime(2005, 2, 23, 4, 48, tzinfo=UTC)
    assert warning == NO_ZONE
    assert read_created_at("2005-02-23T04:48:00+00:00") == (moment, "")
    assert read_created_at(None) == (None, "")


def test_each_date_form_is_read_and_only_a_missing_zone_is_warned_about(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    forms = [
        "February 23, 2005 at 04:48 AM",
        "Tue, 15 Nov 1994 08:12:31 GMT",
        1109134080,
        "1109134080",
        "2025-05-01T09:00:00Z",
        "2025-05-01T09:00:00",
    ]
    results = analyze_file(
        tmp_path,
        capsys,
        *({"text": f"Great service, thanks! ({i})", "created_at": v} for i, v in enumerate(forms)),
    )

    assert [r.get("error") for r in results] == [None] * len(forms)
    assert [r["warnings"] for r in results] == [[NO_ZONE], [], [], [], [], [NO_ZONE]]
    assert all(r["sentiment"] == "positive" for r in results)


def test_the_dates_read_are_the_moments_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same author saying the same thing again is a duplicate by meaning within three days
    only: nine days later in another form is not one, two hours later (a Unix time) is."""
    first = {"text": COMPLAINT, "author": "Ola", "created_at": "February 23, 2005 at 04:48 AM"}
    late = analyze_file(
        tmp_path,
        capsys,
        first,
        {"text": REWORDED, "author": "Ola", "created_at": "Fri, 04 Mar 2005 05:00:00 +0000"},
    )
    soon = analyze_file(
        tmp_path,
        capsys,
        first,
        {"text": REWORDED, "author": "Ola", "created_at": str(1109134080 + 2 * 3600)},
    )

    assert late[1]["duplicate_of"] is None
    assert (soon[1]["duplicate_of"], soon[1]["duplicate_kind"]) == (0, "meaning")


def test_a_bad_optional_field_keeps_the_line_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = analyze_file(
        tmp_path,
        capsys,
        {"text": COMPLAINT, "author": "Ola", "created_at": "sometime last spring"},
        {"text": "Where do I return the keys?", "created_at": {"year": 2025}},
        {"text": "Where do I drop the van off?", "author": ["Bo"], "author_url": 7},
        {"text": "Is the Denver depot open on Sunday?", "created_at": True},
        {"created_at": "2025-05-01T09:00:00Z"},
        {"text": " ", "created_at": "2025-05-01T09:00:00Z"},
    )

    first, obj, author, boolean, no_text, blank = results
    assert first["warnings"] == [
        "“created_at” was not understood ('sometime last spring'): analyzed without it"
    ]
    assert "complaint" in first["intents"] and first["sentiment"] != "positive"
    assert obj["warnings"] == [
        "“created_at” is not a date, a time or a number: analyzed without it"
    ]
    assert "question" in obj["intents"]
    assert author["warnings"] == ["“author” is not a string: analyzed without it"]
    assert "question" in author["intents"]
    assert boolean["warnings"] == ["“created_at” was not understood ('True'): analyzed without it"]
    assert no_text == {"error": "missing “text”"}
    assert blank == {"error": "“text” is empty"}


def test_the_summary_counts_only_lines_without_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(
        json.dumps({"text": "Thanks!", "created_at": "not a date"})
        + "\n"
        + json.dumps({"author": "no text"})
        + "\n",
        encoding="utf-8",
    )

    call_command("analyze", str(path))

    assert "1 of 2 lines could not be analyzed" in capsys.readouterr().err
