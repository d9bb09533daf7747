"""Varied, deterministic text for the inbox benchmark: names, subjects and message bodies.

Words follow a Zipf distribution over a vocabulary of everyday support words, stop words and a
long tail of made-up product names and codes, so a search for a word finds anything from a
handful of messages to tens of thousands, as in a real help desk.
"""

from __future__ import annotations

import random
from itertools import accumulate, islice

FIRST_NAMES = (
    "Ada Alan Amara Ana Ben Bruno Carla Chen Dana Diego Elif Emma Eva Farah Femi Grace Hana "
    "Hugo Ines Ivan Jae Jonas Kai Kemal Lara Leon Lina Luca Maya Mei Mila Nadia Noah Nora Omar "
    "Paul Priya Quinn Rafael Rosa Sam Sara Sofia Tariq Tess Theo Uma Vera Wei Yara Yusuf Zoe"
).split()
LAST_NAMES = (
    "Adams Ahmed Baker Becker Costa Diaz Dubois Evans Fischer Garcia Gomez Hansen Huang Ito "
    "Jansen Khan Kim Kowalski Larsen Lee Lopez Martin Meyer Moreau Muller Nakamura Nguyen Novak "
    "Okafor Olsen Patel Perez Rossi Sato Schmidt Silva Smith Suzuki Tanaka Taylor Virtanen "
    "Wagner Walsh Weber Wilson Yamamoto Young Zhang"
).split()

STOP_WORDS = (
    "the a to and i my is it of for in on you we that this with be have was not but can "
    "your are at if me so our do as from there would just please"
).split()

SUPPORT_WORDS = (
    "order truck reservation invoice refund delivery pickup account login password payment "
    "card charge booking van trailer mileage deposit receipt damage insurance driver license "
    "depot office schedule return late fee discount quote contract cancel change update "
    "address phone email portal app website error crash slow broken missing wrong double "
    "charged twice waiting week yesterday today tomorrow morning afternoon evening monday "
    "friday weekend help support question problem issue request thanks thank sorry urgent "
    "asap manager call back reply confirm confirmation number reference ticket status "
    "tracking shipment package box moving storage unit key keys lock gate parking fuel tank "
    "tire tyre brake engine light warning dashboard mirror seat belt door window radio gps "
    "map route distance city airport station downtown north south east west branch location "
    "hours open closed holiday rate price cost total balance credit debit bank transfer "
    "paypal statement tax vat company business personal family friend colleague customer "
    "service agent staff experience review rating stars happy unhappy disappointed great "
    "excellent terrible awful fine okay clean dirty smell noise cold hot rain snow storm "
    "accident police report claim photo photos picture attached attachment form document pdf "
    "signature sign signed upload download print copy extend extension early pick drop "
    "dropoff deadline hour minutes days month year again still never always already soon "
    "later maybe sure possible impossible available unavailable full empty size large small "
    "medium ramp dolly blanket straps hitch towing tow roadside assistance emergency "
    "breakdown battery jump start flat spare replacement upgrade downgrade loyalty member "
    "membership points newsletter unsubscribe spam privacy data delete export consent"
).split()

_SYLLABLES = (
    "ka ro mi ta ve lo zu ne sa di po fa ri mo tu be xa qui dra vor pel sun lix "
    "tor gan bri cel dom fen hal jor kel mar nol pra sel tov wen yar zel"
).split()


def _made_up_words(rng: random.Random, count: int) -> list[str]:
    words: set[str] = set()
    while len(words) < count:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))
        if rng.random() < 0.15:
            word += str(rng.randint(10, 999))  # product codes: "velodra220"
        words.add(word)
    return sorted(words)


class TextGenerator:
    """Names, subjects and bodies drawn from one seeded Zipf word stream."""

    def __init__(self, rng: random.Random, *, tail_words: int = 4000, stream_words: int = 2_000_000):
        self.rng = rng
        support = SUPPORT_WORDS[:]
        rng.shuffle(support)
        tail = _made_up_words(rng, tail_words)
        rng.shuffle(tail)
        # Stop words first (most frequent), then support words, then the long tail.
        self.vocabulary = STOP_WORDS + support + tail
        self.search_words = support + tail  # what a person types into the search box
        cum_weights = list(accumulate(1.0 / (rank + 1) ** 1.05 for rank in range(len(self.vocabulary))))
        self._stream = rng.choices(self.vocabulary, cum_weights=cum_weights, k=stream_words)

    def words(self, count: int) -> list[str]:
        start = self.rng.randrange(0, len(self._stream) - count)
        return self._stream[start : start + count]

    def body(self, min_chars: int = 20, max_chars: int = 400) -> str:
        """Sentences of 4 to 14 words, between ``min_chars`` and ``max_chars`` long."""
        target = int(min(max_chars, max(min_chars, self.rng.lognormvariate(4.8, 0.6))))
        sentences: list[str] = []
        length = 0
        while length < target:
            words = self.words(self.rng.randint(4, 14))
            sentence = " ".join(words).capitalize() + self.rng.choice(".....?!")
            sentences.append(sentence)
            length += len(sentence) + 1
        text = " ".join(sentences)
        if len(text) > max_chars:
            text = text[:max_chars].rsplit(" ", 1)[0].rstrip(",") + "."
        if self.rng.random() < 0.2:
            text = text.replace(". ", ".\n\n", 1)  # a paragraph break now and then
        return text

    def subject(self) -> str:
        topic, issue = self.rng.choice(SUBJECT_TOPICS), self.rng.choice(SUBJECT_ISSUES)
        extra = " ".join(islice(self.words(6), self.rng.randint(0, 2)))
        return f"{topic} {issue} {extra}".strip()

    def person(self) -> tuple[str, str]:
        return self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)

    def search_word(self) -> str:
        return self.rng.choice(self.search_words)


SUBJECT_TOPICS = (
    "Invoice",
    "Reservation",
    "Refund",
    "Login",
    "Pickup",
    "Delivery",
    "Deposit",
    "Damage claim",
    "Booking change",
    "Roadside assistance",
    "Portal",
    "Insurance",
    "Mileage",
    "Return",
    "Quote",
)
SUBJECT_ISSUES = (
    "question",
    "not working",
    "charged twice",
    "still waiting",
    "wrong amount",
    "needs changing",
    "cancelled by mistake",
    "urgent",
    "follow-up",
    "missing",
    "help please",
    "problem",
)
