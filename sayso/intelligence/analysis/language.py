"""Language identification (ISO 639-1) with py3langid's bundled model, offline.

Restricted to the languages Sayso's customers write in most, which makes short texts far
less error-prone; texts with too few letters to judge are reported as ``None``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

LANGUAGES = (
    "en", "es", "fr", "de", "it", "pt", "nl", "sv", "da", "no", "fi", "pl", "cs", "ro", "hu",
    "tr", "el", "ru", "uk", "ar", "he", "hi", "id", "ms", "tl", "vi", "th", "zh", "ja", "ko",
)  # fmt: skip
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
_URLS = re.compile(r"https?://\S+|www\.\S+|\S+@\S+")
# Short replies whose language a character model cannot tell ("ok", "Got it.").
_ENGLISH_SHORT = frozenset(
    """ok okay thanks thank you thx ty got it noted sure yes no done hello hi hey good
    great nice cool perfect received will do sounds lol agreed same here morning any
    update please wow love it one
    """.split()  # noqa: SIM905 (a word list reads better as text)
)


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def detect(text: str) -> str | None:
    text = _URLS.sub(" ", text or "")
    letters = len(_LETTERS.findall(text))
    if letters < 2:
        return None
    tokens = re.findall(r"[^\W\d_]+", text.casefold())
    if tokens and len(tokens) <= 4 and all(t in _ENGLISH_SHORT for t in tokens):
        return "en"
    language, _confidence = _identifier().classify(text[:2000])
    return str(language)


def detect_all(texts: Sequence[str]) -> list[str | None]:
    return [detect(text) for text in texts]
