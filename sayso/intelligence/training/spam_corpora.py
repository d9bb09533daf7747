"""The labelled spam corpora the spam model is trained and measured on.

- real, in ``../shared/data/spam`` (never copied into the package): the YouTube Spam
  Collection (four videos, ``youtube/Youtube0N-*.csv``) and 80 % of the SMS Spam Collection
  (``sms-train.tsv``). ``SAYSO_SHARED_DATA`` names another folder for ``data``;
- written for Sayso, in the package: ``data/spam.jsonl`` (blog and community comments) and
  ``data/spam_written.jsonl`` (more blog comment spam and hard genuine comments).

Every row is a ``Labelled``: its source ("sms", "youtube:Psy", …, "written"), a stable id
(the YouTube comment id, ``sms:<line>``, ``written:<n>``), the author, the text and the label.
"""

from __future__ import annotations

import csv
import html
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from sayso.intelligence.training.datasets import DATA_DIR

REPO_ROOT = Path(__file__).resolve().parents[3]
VIDEOS = ("Psy", "KatyPerry", "LMFAO", "Eminem")
WRITTEN_FILES = ("spam.jsonl", "spam_written.jsonl", "spam_discussion.jsonl")
# The held-out split of ``spam.jsonl``, one blog comment thread written for Sayso: the bench
# measures it with a model trained without it (behaviour only: written here, not real data).
THREAD = "written:thread"


@dataclass(frozen=True)
class Labelled:
    source: str
    id: str
    text: str
    author: str
    author_url: str
    spam: bool


def shared_data() -> Path:
    configured = os.environ.get("SAYSO_SHARED_DATA")
    return Path(configured) if configured else REPO_ROOT.parent / "shared" / "data"


def spam_dir() -> Path:
    return shared_data() / "spam"


def available() -> bool:
    return (spam_dir() / "sms-train.tsv").is_file() and (spam_dir() / "youtube").is_dir()


_ANCHOR = re.compile(r"<a\s[^>]*href=\"([^\"]*)\"[^>]*>(.*?)</a>", re.I | re.S)
_TAG = re.compile(r"<[^>]+>")


def youtube_text(raw: str) -> str:
    """A comment as its author wrote it: YouTube's export escapes entities, ends with a byte
    order mark and writes links as anchors and line breaks as ``<br />``."""
    text = raw.replace("\ufeff", "")
    text = _ANCHOR.sub(lambda m: m.group(1) if m.group(2).startswith("http") else m.group(2), text)
    text = re.sub(r"<br\s*/?>", "\n", text, flags=re.I)
    text = _TAG.sub(" ", text)
    return html.unescape(text).strip()


def youtube(video: str) -> list[Labelled]:
    (path,) = sorted((spam_dir() / "youtube").glob(f"Youtube0?-{video}.csv"))
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Labelled(
                source=f"youtube:{video}",
                id=row["COMMENT_ID"],
                text=youtube_text(row["CONTENT"]),
                author=row["AUTHOR"].strip(),
                author_url="",
                spam=row["CLASS"].strip() == "1",
            )
            for row in csv.DictReader(handle)
        ]


def sms() -> list[Labelled]:
    """``sms:<n>``: the n-th line of ``sms-train.tsv`` (the header is line 1)."""
    rows = []
    lines = (spam_dir() / "sms-train.tsv").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines[1:], start=2):
        label, _, text = line.partition("\t")
        if text.strip():
            rows.append(Labelled("sms", f"sms:{number}", text.strip(), "", "", label == "spam"))
    return rows


def written(*, copies: bool = False) -> list[Labelled]:
    """The written comments; ``copies``: with the rows that repeat another row's text under
    another author (only the duplicate rule can see those)."""
    rows = []
    for name in WRITTEN_FILES:
        path = DATA_DIR / name
        if not path.exists():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("kind") == "copy" and not copies:
                continue  # the same text as another row: only the duplicate rule can see it
            rows.append(
                Labelled(
                    source=THREAD if row.get("split") == "test" else "written",
                    id=f"{name}:{number}",
                    text=row["text"],
                    author=row.get("author", ""),
                    author_url=row.get("author_url", ""),
                    spam=row["label"] == "spam",
                )
            )
    return rows


def copy_ids() -> set[str]:
    """The ids of the written rows that repeat another row's text under another author."""
    ids = set()
    for name in WRITTEN_FILES:
        path = DATA_DIR / name
        if path.exists():
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if line.strip() and json.loads(line).get("kind") == "copy":
                    ids.add(f"{name}:{number}")
    return ids


def real() -> list[Labelled]:
    return [row for video in VIDEOS for row in youtube(video)] + sms()


def everything() -> list[Labelled]:
    """What the shipped model is trained on."""
    return real() + written()
