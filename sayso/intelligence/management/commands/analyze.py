"""``sayso analyze [FILE|-]``: analyze JSON Lines, one result line per input line, in order.

Each input line is an object with ``text`` and optionally ``author``, ``author_url`` and
``created_at`` (ISO 8601 with or without a zone, an RFC 2822 date, a Unix time as a number or
a string, or a written date such as "February 23, 2005 at 04:48 AM"; a time without a zone is
read as UTC). Each output line has ``sentiment``, ``sentiment_score``, ``intents``, ``spam``,
``is_spam``, ``language``, ``duplicate_of`` (the 0-based index of the earlier line it
repeats, else null), ``duplicate_kind``, ``reasons`` and ``warnings`` (the optional fields
that were left out or read with an assumption). Only a line without a usable ``text`` gives
``{"error": "..."}``, and the rest go on. Lines are analyzed in batches, so a file
of any size streams in bounded memory; duplicates are found across the whole stream (see
``DuplicateIndex`` for how much it remembers). Needs no database.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

DEFAULT_BATCH = 256
WARNINGS = "warnings"  # the key of an item's warnings from parse_line
MAX_TEXT_CHARS = 100_000


def parse_line(raw: bytes) -> dict[str, Any] | str:
    """The item of one input line, or why it cannot be analyzed (only a line without a usable
    ``text``). An optional field in a form that cannot be used is left out with a warning;
    ``created_at`` is read (or warned about) by ``analyze`` itself."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "the line is not valid UTF-8"
    if not line.strip():
        return "empty line"
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        return f"not valid JSON: {exc.msg} (column {exc.colno})"
    if not isinstance(value, dict):
        return "each line must be a JSON object with a “text”"
    text = value.get("text")
    if text is None:
        return "missing “text”"
    if not isinstance(text, str):
        return "“text” must be a string"
    if not text.strip():
        return "“text” is empty"
    if len(text) > MAX_TEXT_CHARS:
        return f"“text” is longer than {MAX_TEXT_CHARS:,} characters"
    item: dict[str, Any] = {"text": text}
    warnings: list[str] = []
    for field in ("author", "author_url"):
        field_value = value.get(field)
        if field_value is None:
            continue
        if isinstance(field_value, str):
            item[field] = field_value
        elif isinstance(field_value, int | float) and not isinstance(field_value, bool):
            item[field] = str(field_value)  # a numeric user name is still a name
        else:
            warnings.append(f"“{field}” is not a string: analyzed without it")
    created_at = value.get("created_at")
    if created_at is not None:
        if isinstance(created_at, str | int | float):
            item["created_at"] = created_at  # read by analyze(): see pipeline.read_created_at
        else:
            warnings.append("“created_at” is not a date, a time or a number: analyzed without it")
    if warnings:
        item[WARNINGS] = warnings
    return item


def batches(lines: Iterator[bytes], size: int) -> Iterator[list[bytes]]:
    batch: list[bytes] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def analyze_stream(
    source: IO[bytes],
    out: IO[str],
    *,
    competitors: list[str],
    batch_size: int = DEFAULT_BATCH,
    progress: Any = None,
) -> tuple[int, int]:
    """Analyze every line of ``source`` into ``out``. Returns (lines, errors)."""
    from sayso.intelligence.analysis import DuplicateIndex, analyze

    history = DuplicateIndex()
    lines = errors = 0
    for batch in batches(iter(source), batch_size):
        parsed = [parse_line(raw.rstrip(b"\r\n")) for raw in batch]
        keys = [lines + i for i, p in enumerate(parsed) if isinstance(p, dict)]
        items = [p for p in parsed if isinstance(p, dict)]
        results = iter(
            analyze(items, competitors=competitors, history=history, keys=keys, noun="line")
            if items
            else []
        )
        chunk = []
        for p in parsed:
            if isinstance(p, dict):
                record = next(results).as_dict()
                record["warnings"] = [*p.get(WARNINGS, ()), *record["warnings"]]
            else:
                record = {"error": p}
                errors += 1
            chunk.append(json.dumps(record, ensure_ascii=False))
        out.write("\n".join(chunk) + "\n")
        out.flush()
        lines += len(batch)
        if progress is not None:
            progress.update(sum(len(raw) for raw in batch))
    return lines, errors


class Command(BaseCommand):
    help = "Analyze JSON Lines (text, author, author_url, created_at) from a file or stdin."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", default="-", help="a .jsonl file, or - for stdin")
        parser.add_argument(
            "--competitor",
            action="append",
            default=[],
            metavar="NAME",
            help="a competitor's name to recognise (repeatable)",
        )
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH)

    def handle(self, *args: Any, **options: Any) -> None:
        from tqdm import tqdm

        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        competitors = [c for c in options["competitor"] if c.strip()]
        out = sys.stdout
        if options["file"] == "-":
            lines, errors = analyze_stream(
                sys.stdin.buffer, out, competitors=competitors, batch_size=options["batch_size"]
            )
        else:
            path = Path(options["file"])
            if not path.is_file():
                raise CommandError(f"No such file: {path}")
            with (
                path.open("rb") as source,
                tqdm(
                    total=path.stat().st_size,
                    unit="B",
                    unit_scale=True,
                    desc="analyze",
                    file=sys.stderr,
                ) as progress,
            ):
                lines, errors = analyze_stream(
                    source,
                    out,
                    competitors=competitors,
                    batch_size=options["batch_size"],
                    progress=progress,
                )
        if errors:
            self.stderr.write(f"{errors} of {lines} lines could not be analyzed.")
