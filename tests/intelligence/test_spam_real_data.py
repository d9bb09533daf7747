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
        # "....subscribe......  ......to my........  .....channel......." (words spaced out)
        ("z12ktfsarrv0wdj3p22ifbxz3zn2fthhw04", "self-promotion: “subscribe to my”"),
        # "If i reach 100 subscribers i will tazz my self and my friend"
        ("z121zn0biqizsti0j23rghdafmjzgpuu4", "self-promotion: “If i reach 100 subscribers”"),
        # "At 500 subscribers i'm sky diving help me reach my goal <3 …"
        ("z134vn15sxiwyfzhv04ch3no3zj2sdsqqw40k", "self-promotion: “At 500 subscribers”"),
        # "I am so awesome and smart!!! Sucscribe to me!"
        ("z12ovv2xcmmtv5exl04cdxe4ql31dd2jiy00k", "self-promotion: “Sucscribe to me”"),
        # "im sorry for the spam but My name is Jenny. …"
        ("z12cehoxozfgg3nok04cjj05xznbgrlpfjo", "self-promotion: “sorry for the spam”"),
        # "Sunshine Quiz Wkly Q! Win a top Sony DVD player … Txt ansr to 82277. £1.50 SP:Tyrone"
        # (the code ends a sentence)
        ("sms:108", "asks to text a short code (82277)"),
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


def test_pointing_readers_at_something_is_a_reason_and_leaving_a_hotel_is_not(
    corpus: dict[str, Labelled],
) -> None:
    # "Go check out eminem survival." (spam) against "I'm not sure, I was just checking out
    # what was happening around the area" (ham)
    spam_row, ham_row = corpus["LneaDw26bFssNuHM19vJZwZIDvIkQHDPSkv7woLXuO0"], corpus["sms:2887"]
    assert spam_row.spam and not ham_row.spam
    assert (
        "asks readers to check something out"
        in spam.inspect(spam.SpamInput(spam_row.text, spam_row.author)).weak_reasons
    )
    # a reason to weigh, not to hold on: the real message reads "checking out" and passes
    assert not verdict(ham_row).is_spam
    assert not spam.inspect(spam.SpamInput("Check out with Leo at noon, then lunch?")).weak_reasons


def test_instructions_to_text_a_number_are_read_however_they_are_worded(
    corpus: dict[str, Labelled],
) -> None:
    # "… To bid, send BIDS e. g. 10 (to bid £10) to 83383. Good luck." and "You can donate
    # £2.50 to UNICEF's … by texting DONATE to 864233. …"
    for row_id in ("sms:2858", "sms:3983"):
        assert corpus[row_id].spam
        assert (
            "asks to call, text, reply or click"
            in spam.inspect(spam.SpamInput(corpus[row_id].text)).weak_reasons
        )


def test_a_hold_on_wording_alone_needs_more_certainty_than_one_with_a_signal() -> None:
    link = spam.inspect(spam.SpamInput("Great video, details at https://example.com/x"))
    wording_only = spam.inspect(spam.SpamInput("8 million likes xD"))
    wording_only.wording, link.wording = 1.5, 1.5
    nothing = spam.inspect(spam.SpamInput("Dark mode please"))
    nothing.wording = -1.0
    found = [link, wording_only, nothing]
    assert link.weak_reasons and not wording_only.weak_reasons and not wording_only.strong_reasons

    def held(probabilities: list[float]) -> list[bool]:
        return [
            spam.decide(
                p,
                0.8,
                strong=bool(f.strong_reasons),
                weak=bool(f.weak_reasons),
                wording=f.wording,
            )[1]
            for p, f in zip(probabilities, found, strict=True)
        ]

    assert held([0.9, 0.97, 0.985]) == [True, False, False]
    assert held([0.9, spam.WORDING_ONLY_PROBABILITY, spam.UNEXPLAINED_PROBABILITY]) == [True] * 3
    assert spam.floor(True, False, -5.0) == 0.0 == spam.floor(False, True, -5.0)


def test_each_kind_of_source_weighs_the_same_in_training() -> None:
    rows = spam_corpora.sms()[:300] + spam_corpora.youtube("Psy")[:60] + spam_corpora.written()
    weight = spam_train.source_weights(rows)
    kinds = [r.source.split(":")[0] for r in rows]
    totals = {k: weight[[i for i, kind in enumerate(kinds) if kind == k]].sum() for k in kinds}
    assert set(totals) == {"sms", "youtube", "written"}
    assert max(totals.values()) == pytest.approx(min(totals.values()))
    assert weight.mean() == pytest.approx(1.0)


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
    """A fifth of ``sms-train.tsv`` (by a hash of the line) held out; trained as shipped on
    everything else (the rest of the SMS, the videos, the written comments): recall ≥ 0.95
    at precision ≥ 0.98."""
    messages = spam_corpora.sms()
    train = [r for r in spam_corpora.everything() if not (r.source == "sms" and _held(r))]
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
