"""``sayso analyze``: the JSON Lines contract, malformed lines, stdin and files."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from sayso.intelligence.management.commands.analyze import analyze_stream, parse_line

FIELDS = {
    "sentiment",
    "sentiment_score",
    "intents",
    "spam",
    "is_spam",
    "language",
    "duplicate_of",
    "reasons",
}
COMPLAINT = "The truck I booked for Saturday was given to someone else, third time this year."


def lines_of(*values: Any) -> bytes:
    return "".join((v if isinstance(v, str) else json.dumps(v)) + "\n" for v in values).encode()


def run(data: bytes, **options: Any) -> list[dict[str, Any]]:
    out = io.StringIO()
    analyze_stream(io.BytesIO(data), out, competitors=options.pop("competitors", []), **options)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_one_result_per_line_in_order_with_duplicates_by_line_index() -> None:
    data = lines_of(
        {"text": COMPLAINT, "author": "Ola", "created_at": "2025-05-01T09:00:00Z"},
        {"text": "Thanks, that fixed it!", "author": "Bo"},
        {"text": COMPLAINT, "author": "Ola"},
    )

    results = run(data)

    assert len(results) == 3
    assert all(set(r) >= FIELDS for r in results)
    assert [r["duplicate_of"] for r in results] == [None, None, 0]
    assert "complaint" in results[0]["intents"]
    assert results[0]["sentiment"] == "negative"
    assert results[2]["reasons"][0] == "same text as line #0"


def test_lines_without_a_usable_text_give_an_error_and_the_rest_go_on() -> None:
    data = (
        lines_of(
            "not json at all",
            "[1, 2]",
            {"author": "no text"},
            {"text": ""},
            {"text": "   "},
            {"text": 42},
            "",
            {"text": "Good morning, where do I return the keys?"},
        )
        + b'\xff\xfe{"text": "bad bytes"}\n'
    )

    results = run(data)

    assert len(results) == 9
    assert [("error" in r) for r in results] == [True] * 7 + [False, True]
    assert "not valid JSON" in results[0]["error"]
    assert "object" in results[1]["error"]
    assert results[2]["error"] == "missing “text”"
    assert results[3]["error"] == results[4]["error"] == "“text” is empty"
    assert results[5]["error"] == "“text” must be a string"
    assert results[6]["error"] == "empty line"
    assert "question" in results[7]["intents"]
    assert results[7]["warnings"] == []
    assert "UTF-8" in results[8]["error"]


def test_duplicates_are_found_across_batches() -> None:
    data = lines_of(
        {"text": COMPLAINT},
        {"text": "What time do you open?"},
        "oops",
        {"text": "Is parking free at the depot?"},
        {"text": COMPLAINT.upper()},
    )

    results = run(data, batch_size=2)

    assert [r.get("duplicate_of") for r in results] == [None, None, None, None, 0]


def test_competitors_are_recognised() -> None:
    results = run(
        lines_of({"text": "Haulmax gave me a bigger van for less."}), competitors=["Haulmax"]
    )

    assert "competitor_mention" in results[0]["intents"]
    assert "mentions Haulmax" in results[0]["reasons"]


def test_a_file_shows_a_progress_bar_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(lines_of({"text": "Great service today!"}, "{broken"))

    call_command("analyze", str(path), "--competitor", "Haulmax")

    captured = capsys.readouterr()
    results = [json.loads(line) for line in captured.out.splitlines()]
    assert len(results) == 2
    assert results[0]["sentiment"] == "positive"
    assert "error" in results[1]
    assert "analyze" in captured.err and "100%" in captured.err
    assert "1 of 2 lines could not be analyzed" in captured.err


def test_stdin_has_no_progress_bar(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(lines_of({"text": "Where is my order?"})))
    monkeypatch.setattr(sys, "stdin", stdin)

    call_command("analyze", "-")

    captured = capsys.readouterr()
    assert json.loads(captured.out)["intents"] == ["question"]
    assert "%" not in captured.err


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No such file"):
        call_command("analyze", str(tmp_path / "nope.jsonl"))


def test_parse_line_keeps_only_known_fields() -> None:
    assert parse_line(b'{"text": "hi", "author": "A", "extra": 1}') == {"text": "hi", "author": "A"}
