"""The spam filter on real spam and real ham nobody here wrote (``../shared/data/spam``).

Per-signal behaviour on chosen real messages (by their id in the corpus), real ham that must
pass, a YouTube video held out of training, and a held-out part of the SMS collection.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from sayso.intelligence.analysis import spam
from sayso.intelligence.training import spam_corpora, spam_train
from sayso.intelligence.training.spam_corpora import Labelled

pytestmark = pytest.mark.skipif(not spam_corpora.available(), reason="../shared/data is not beside")


@pytest.fixture(scope="module")
def corpus() -> dict[str, Labelled]:
    return {row.id: row for row in spam_corpora.real()}


def verdict(row: Labelled) -> spam.SpamVerdict:
    (found,) = spam.score_texts([spam.SpamInput(row.text, row.author, row.author_url)])
    return found


@pytest.mark.parametrize(
    ("row_id", "reason"),
    [
        # "We know someone who you know that fancies you. Call 09058097218 …"
        ("sms:845", "asks to call a premium-rate number (09058097218)"),
        # "FREE entry into our £250 weekly competition just text the word WIN to 80086 NOW."
        ("sms:334", "asks to text a short code (80086)"),
        # "… 5 real matches instantly to your phone. Text MATCH to 69969 Msg cost 150p …"
        ("sms:2244", "asks to text a short code (69969)"),
        # "Hey guys check out my new channel and our first vid …"
        ("LZQPQhLyRh_C2cTtd9MvFRJedxydaVW-2sNg5Diuo4A", "self-promotion"),
        # "Subscribe to me and I'll subscribe back!!!"
        ("z12ox3a5vviky5ctq22nz1ewpo24wxyis04", "self-promotion"),
        # "Like this comment for no reason"
        ("z13icxbwzk35jzx5t04cezey0rnptrsxzdg", "self-promotion"),
    ],
)
def test_real_spam_is_held_with_the_reason_it_carries(
    corpus: dict[str, Labelled], row_id: str, reason: str
) -> None:
    row = corpus[row_id]
    assert row.spam
    found = verdict(row)
    assert found.is_spam
    assert any(r.startswith(reason) for r in found.reasons), found.reasons


def test_real_prize_spam_names_the_prize_and_the_number(corpus: dict[str, Labelled]) -> None:
    # "URGENT! We are trying to contact U. Todays draw shows that you have won a £800 prize
    # GUARANTEED. Call 09050001808 from land line. Claim M95. Valid12hrs only"
    found = verdict(corpus["sms:776"])
    assert found.is_spam
    assert "promises a prize or something free" in found.reasons
    assert any(r.startswith("asks to call a premium-rate number") for r in found.reasons)


@pytest.mark.parametrize(
    "row_id",
    [
        "sms:3417",  # "Call me when u're done..."
        "sms:3265",  # "He needs to stop going to bed and make with the fucking dealing"
        "sms:401",  # "Are you free now?can i call now?"
        "sms:3337",  # "I just really need shit before tomorrow and I know you won't be awake …"
        "sms:2936",  # "I'm turning off my phone. My moms telling everyone I have cancer. …"
        "z130wpnwwnyuetxcn23xf5k5ynmkdpjrj04",  # "I always end up coming back to this song"
        "z12odl0g1lv2sny2a23mxtijuvftznai404",  # "C'mon Katy you are so close to 14,000,000 …"
    ],
)
def test_real_ham_passes(corpus: dict[str, Labelled], row_id: str) -> None:
    row = corpus[row_id]
    assert not row.spam
    found = verdict(row)
    assert not found.is_spam, found
    assert found.reasons == []


def _fit_and_measure(train: list[Labelled], test: list[Labelled]) -> dict[str, float]:
    sentence = spam_train.sentence_features(train + test)
    model = spam_train.fit(train, sentence[: len(train)])
    return spam_train.prf(
        [r.spam for r in test],
        [v.is_spam for v in spam_train.verdicts(model, test, sentence[len(train) :])],
    )


def test_a_youtube_video_held_out_of_training_reaches_the_target() -> None:
    """Trained on the other three videos and the written comments (not on SMS, to keep the
    test short), measured on Eminem's: recall ≥ 0.90 at precision ≥ 0.95."""
    train = [r for v in ("Psy", "KatyPerry", "LMFAO") for r in spam_corpora.youtube(v)]
    train += spam_corpora.written()
    figures = _fit_and_measure(train, spam_corpora.youtube("Eminem"))
    assert figures["recall"] >= 0.90, figures
    assert figures["precision"] >= 0.95, figures


def _held(row: Labelled) -> bool:
    return int.from_bytes(hashlib.sha256(row.id.encode()).digest()[:4], "big") % 100 < 20


def test_unseen_sms_reaches_the_target() -> None:
    """A fifth of ``sms-train.tsv`` (by a hash of the line) held out; trained on the rest
    and the written comments: recall ≥ 0.95 at precision ≥ 0.98."""
    messages = spam_corpora.sms()
    train = [r for r in messages if not _held(r)] + spam_corpora.written()
    test = [r for r in messages if _held(r)]
    assert 100 < sum(r.spam for r in test) < 150
    figures = _fit_and_measure(train, test)
    assert figures["recall"] >= 0.95, figures
    assert figures["precision"] >= 0.98, figures


def test_the_shipped_head_reads_the_columns_it_documents() -> None:
    rows = [spam.SpamInput("Call 09058097218 now to claim your prize!")]
    x = spam.feature_matrix(rows)
    columns = spam.head_columns()
    assert x.shape == (1, len(columns))
    assert columns[-len(spam.FEATURES) :] == spam.FEATURES
    assert x[0, columns.index("premium_number")] == 1.0
    p = spam.probabilities(spam.load_head("spam"), x)
    assert np.all((p >= 0) & (p <= 1))


# Idea titles and short posts a customer writes (written here: behaviour, not a claim). Text
# unlike the SMS and YouTube training data must not be held on the head's probability alone.
GENUINE_SHORT_POSTS = [
    "Allow passkeys for sign in",
    "Dark mode for the mobile app",
    "Export invoices as PDF",
    "Let me change the pick-up depot online",
    "Add a 10 ft truck to the fleet",
    "Show the return time on the receipt",
    "Sign in with my phone number",
    "Free cancellation up to 24 hours before pick-up",
]


@pytest.mark.parametrize("text", GENUINE_SHORT_POSTS)
def test_genuine_short_posts_are_not_held_without_a_reason(text: str) -> None:
    from sayso.intelligence.analysis.pipeline import Item, analyze

    (result,) = analyze([Item(text=text, author="Ada Lovelace", author_id="customer:1")])
    assert not result.is_spam, (text, result.spam, result.reasons)


def test_an_account_named_in_a_post_is_a_name_not_a_pitch_nor_praise() -> None:
    """ "@support my truck…" neither asks anyone to support the writer nor praises support."""
    from sayso.intelligence.analysis.pipeline import Item, analyze

    complaint, pitch = analyze(
        [
            Item(text="@support my truck never arrived this morning, booking HR-2291."),
            Item(text="Check out my channel and support my music!"),
        ]
    )
    assert not complaint.is_spam and complaint.intents == ["complaint"]
    assert pitch.is_spam  # the same words without the @ are still a pitch
