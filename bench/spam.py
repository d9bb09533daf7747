"""Spam benchmark: precision, recall and F1 of the spam class per source, leave-one-source-out.

    .venv/bin/python bench/spam.py [--embedding-cache DIR] [--only youtube:Psy ...]

For each held-out source the spam model is trained (``spam_train.fit``, as shipped) on
everything else — the other real corpora of ``../shared/data/spam`` and the comments written
for Sayso — and measured on the held-out one, beside:

1. the model of before: the spam head and module of ``BEFORE`` (the last commit before the
   model trained on real data; read with ``git show``; trained on ``spam.jsonl`` only, it is
   not retrained per split);
2. a plain character n-gram TF-IDF + LinearSVC trained on the same split;
3. the published SMS baseline (a constant, not run here).

Sources held out: each YouTube video; all SMS (the model then knows SMS spam from nothing
but YouTube and blog comments); 20 % of ``sms-train.tsv`` chosen by a hash of the line
(trained with the other 80 %: the same split as the unseen 20 % of the collection that Sayso
is measured on elsewhere, so it stands in for it, but it is one source); and the held-out
blog thread of ``spam.jsonl`` — *written here, behaviour only*, not a claim about real data.
Prints a table and writes ``bench/results/spam.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
sys.path.insert(0, str(REPO))

from sayso.intelligence.analysis.heads import LinearHead  # noqa: E402
from sayso.intelligence.training import spam_corpora, spam_train  # noqa: E402
from sayso.intelligence.training.spam_corpora import Labelled  # noqa: E402

# Almeida, Gómez Hidalgo, Yamakami, "Contributions to the Study of SMS Spam Filtering: New
# Collection and Results", ACM DocEng 2011: linear SVM, spam caught 83.10 %, blocked ham
# 0.18 % (its Table 4, the best of the methods compared).
PUBLISHED_SMS = {"recall": 0.831, "blocked_ham": 0.0018}
SMS_HELD_PERCENT = 20
# The last commit with the spam model of before (a head on sentence features and 13 signals,
# trained on spam.jsonl alone).
BEFORE = "c13b484"


def sms_held(row: Labelled) -> bool:
    digest = hashlib.sha256(row.id.encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < SMS_HELD_PERCENT


def splits(rows: Sequence[Labelled]) -> dict[str, np.ndarray]:
    """Held-out source → the mask of its rows (the rest is the training set)."""
    source = np.asarray([r.source for r in rows])
    out = {video: source == f"youtube:{video}" for video in spam_corpora.VIDEOS}
    out = {f"youtube:{k}": v for k, v in out.items()}
    out["sms (all held out)"] = source == "sms"
    out["sms (20 % of sms-train)"] = np.asarray([r.source == "sms" and sms_held(r) for r in rows])
    out["blog thread (written here, behaviour only)"] = source == spam_corpora.THREAD
    return out


def _git_show(path: str) -> str:
    return subprocess.run(
        ["git", "show", f"{BEFORE}:{path}"], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout


def _module_of_before(name: str, source: str, **names: Any) -> ModuleType:
    spec = importlib.util.spec_from_loader(name, loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__dict__.update(names)
    sys.modules[name] = module  # dataclasses look their module up
    exec(compile(source, f"{BEFORE}:{name}", "exec"), module.__dict__)  # noqa: S102 (our code)
    return module


def today_model() -> tuple[ModuleType, LinearHead] | None:
    """The spam module, its signals and its head as they were at ``BEFORE``; None where git
    cannot show them."""
    base = "sayso/intelligence/analysis"
    try:
        signals_source = _git_show(f"{base}/signals.py")
        spam_source = _git_show(f"{base}/spam.py")
        head = LinearHead.from_dict(json.loads(_git_show(f"{base}/models/spam.json")))
    except subprocess.CalledProcessError:
        return None
    signals = _module_of_before("signals_before", signals_source)
    spam_source = spam_source.replace("from sayso.intelligence.analysis import signals\n", "")
    return _module_of_before("spam_before", spam_source, signals=signals), head


def today_predicted(
    today: tuple[ModuleType, LinearHead], rows: Sequence[Labelled], sentence: np.ndarray
) -> list[bool]:
    module, head = today
    items = [module.SpamInput(r.text, r.author, r.author_url) for r in rows]
    return [v.is_spam for v in module.predict(head, sentence, items)]


def svm_predicted(train: Sequence[Labelled], test: Sequence[Labelled]) -> list[bool]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    tfidf = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)
    x = tfidf.fit_transform([r.text for r in train])
    svm = LinearSVC(C=1.0, random_state=0).fit(x, [r.spam for r in train])
    return [bool(p) for p in svm.predict(tfidf.transform([r.text for r in test]))]


def thread_repeats() -> dict[str, int]:
    """The written blog thread in order, copies included, through the duplicate index that
    ``analyze()`` uses: how many of the rows that repeat another author's comment it finds."""
    from sayso.intelligence.analysis.duplicates import DuplicateIndex, author_key

    index = DuplicateIndex()
    rows = [r for r in spam_corpora.written(copies=True) if r.source == spam_corpora.THREAD]
    copies = {r.id for r in rows if r.id in spam_corpora.copy_ids()}
    found = 0
    for key, row in enumerate(rows):
        author = author_key(row.author, row.author_url)
        probe = index.probe(row.text, author=author, created_at=None, vector=None)
        match = index.match(probe)
        if row.id in copies and match is not None and match.other_author:
            found += 1
        index.add(key, probe)
    return {"repeats": len(copies), "found": found}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--embedding-cache", type=Path, default=REPO / "var" / "embeddings")
    parser.add_argument("--only", action="append", help="held-out sources to run (prefix)")
    args = parser.parse_args(argv)
    if not spam_corpora.available():
        print(f"The spam corpora are not at {spam_corpora.spam_dir()}.", file=sys.stderr)
        return 1
    rows = spam_corpora.everything()
    sentence = spam_train.sentence_features(rows, args.embedding_cache)
    today = today_model()
    results: dict[str, Any] = {}
    for name, held in splits(rows).items():
        if args.only and not any(name.startswith(prefix) for prefix in args.only):
            continue
        started = time.perf_counter()
        train = [r for r, h in zip(rows, held, strict=True) if not h]
        test = [r for r, h in zip(rows, held, strict=True) if h]
        gold = [r.spam for r in test]
        model = spam_train.fit(train, sentence[~held], trained_on=f"all but {name}")
        ours = [v.is_spam for v in spam_train.verdicts(model, test, sentence[held])]
        results[name] = {
            "ours": spam_train.prf(gold, ours),
            "today": (
                spam_train.prf(gold, today_predicted(today, test, sentence[held]))
                if today is not None
                else None
            ),
            "tfidf_svm": spam_train.prf(gold, svm_predicted(train, test)),
            "threshold": model.head.thresholds["spam"],
            "seconds": round(time.perf_counter() - started, 1),
        }
        print(f"{name}: {results[name]}", file=sys.stderr, flush=True)

    def cell(figures: dict[str, float] | None) -> str:
        if figures is None:
            return "—"
        return f"{figures['precision']:.3f} / {figures['recall']:.3f} / {figures['f1']:.3f}"

    print("\nSpam class, precision / recall / F1, trained without the held-out source\n")
    print("| held out | spam / ham | Sayso | model before | char TF-IDF + LinearSVC |")
    print("|---|---|---|---|---|")
    for name, r in results.items():
        ours = r["ours"]
        print(
            f"| {name} | {ours['spam']} / {ours['ham']} | **{cell(ours)}** "
            f"| {cell(r['today'])} | {cell(r['tfidf_svm'])} |"
        )
    print(
        f"\nPublished SMS baseline (Almeida, Gómez Hidalgo, Yamakami 2011, linear SVM): recall "
        f"{PUBLISHED_SMS['recall']:.2f} at {PUBLISHED_SMS['blocked_ham']:.2%} blocked ham."
    )
    repeats = thread_repeats()
    print(
        f"Blog thread (written here, behaviour only): {repeats['found']} of "
        f"{repeats['repeats']} repeats of another author's comment found."
    )
    out = BENCH_DIR / "results" / "spam.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "results": results,
                "thread_repeats": repeats,
                "published_sms": PUBLISHED_SMS,
                "rows": len(rows),
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"\nwrote {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
