"""The name a customer is shown by in public (issue 20): on community pages, Atom feeds, the
public side of the API and in emails to other customers.

A customer's ``display_name`` is what the staff know them by; it may be the address they wrote
from, a phone number or a handle. The public name is never any of these: it is the name the
customer chose (``public_name_validate``), or one derived from a person's name ("Dana W.",
``public_name_from``), or a neutral pseudonym ("Calm Heron 42", ``pseudonym``). Every public
name is computed here.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

from django.core.exceptions import ValidationError

PUBLIC_NAME_MAX = 40
PUBLIC_NAME_MIN = 2

# Anything that reaches a person: addresses (also "name at host dot org" is not tried: the
# goal is no machine-readable address), handles, web addresses and phone-like digit runs.
_EMAIL = re.compile(r"[^\s<>()\[\],;:\"']+@[^\s<>()\[\],;:\"']+")
_HANDLE = re.compile(r"(?<!\w)@[\w.-]+")
_URL = re.compile(r"(?i)\b(?:https?://|www\.|mailto:|tel:|acct:)\S*")
_DOMAIN = re.compile(r"(?i)\b[\w-]+(?:\.[\w-]+)*\.(?:[a-z]{2,24}|xn--[\w-]+)\b")
_PHONE = re.compile(r"\+?\d[\d\s().\-/]{4,}\d")
_DIGITS = re.compile(r"\d")
# Words that a person's name may hold in lower case ("Ludwig van Beethoven").
_PARTICLES = {
    "van", "von", "der", "den", "de", "del", "della", "da", "di", "do", "dos", "du", "la",
    "le", "bin", "ibn", "al", "el", "ter", "ten", "y", "e",
}  # fmt: skip
_TRIM = " ,;:-\u2013\u2014|/\u00b7"
_SUFFIXES = {"jr", "sr", "ii", "iii", "iv", "phd", "md"}
_TITLES = {"mr", "mrs", "ms", "mx", "dr", "prof", "sir", "dame", "herr", "frau", "mme", "m"}
_COMPANY = {"inc", "ltd", "llc", "gmbh", "corp", "co", "plc", "ag", "sa", "bv", "oy", "ab", "team"}
# Custom emoji of Mastodon names (":verified:") and decorations (emoji, symbols, joiners).
_EMOJI_CODE = re.compile(r":[\w+-]+:")


def _decoration(char: str) -> bool:
    category = unicodedata.category(char)
    return (
        category.startswith("S")
        or category in {"Cf", "Co", "Cs", "Me"}
        or "\ufe00" <= char <= "\ufe0f"  # emoji variation selectors
    )


ADJECTIVES = (
    "Amber", "Bold", "Brave", "Bright", "Calm", "Clever", "Cosy", "Curious", "Daring", "Eager",
    "Fair", "Gentle", "Glad", "Golden", "Green", "Happy", "Honest", "Jolly", "Keen", "Kind",
    "Lively", "Lucky", "Merry", "Mild", "Nimble", "Noble", "Patient", "Plucky", "Proud",
    "Quick", "Quiet", "Rapid", "Ready", "Silver", "Sincere", "Steady", "Sunny", "Swift",
    "Tidy", "Warm", "Wise", "Witty",
)  # fmt: skip
ANIMALS = (
    "Badger", "Bison", "Crane", "Dolphin", "Eagle", "Falcon", "Ferret", "Finch", "Fox",
    "Gecko", "Heron", "Ibis", "Koala", "Lark", "Lemur", "Lynx", "Marten", "Meerkat", "Moose",
    "Otter", "Owl", "Panda", "Pelican", "Puffin", "Quail", "Rabbit", "Raven", "Robin",
    "Salmon", "Seal", "Sparrow", "Stork", "Swan", "Tapir", "Tern", "Tiger", "Toucan",
    "Walrus", "Wolf", "Wren", "Yak", "Zebra",
)  # fmt: skip


def pseudonym(seed: int | None = None) -> str:
    """A neutral public name such as "Calm Heron 42": from ``seed`` (a customer's id) when
    given, so that it is stable, else at random. It says nothing about the customer."""
    if seed is None:
        seed = secrets.randbelow(len(ADJECTIVES) * len(ANIMALS) * 90)
    # A permutation of the seeds, so that customers created one after another do not share
    # an adjective or an animal.
    mixed = (seed * 7919 + 104729) % (len(ADJECTIVES) * len(ANIMALS) * 90)
    adjective = ADJECTIVES[mixed % len(ADJECTIVES)]
    animal = ANIMALS[(mixed // len(ADJECTIVES)) % len(ANIMALS)]
    number = 10 + mixed // (len(ADJECTIVES) * len(ANIMALS))
    return f"{adjective} {animal} {number}"


def _squeeze(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def without_contacts(text: str) -> str:
    """``text`` with every email address, handle, web address and phone number removed, and
    the brackets and punctuation that held them."""
    text = _squeeze(text)
    for pattern in (_URL, _EMAIL, _HANDLE, _DOMAIN, _PHONE):
        text = pattern.sub(" ", text)
    text = re.sub(r"[<>()\[\]{}\"“”«»]", " ", text)
    text = re.sub(r"\s+([,;:.])", r"\1", text)
    return _squeeze(text).strip(_TRIM)


def _is_name_word(word: str) -> bool:
    letters = word.replace("-", "").replace("'", "").replace("\u2019", "").rstrip(".")
    if not letters or not letters[0].isalpha():
        return False
    # Letters and the marks some scripts write them with (Devanagari vowel signs).
    if not all(unicodedata.category(c)[0] in {"L", "M"} for c in letters):
        return False
    if word.lower() in _PARTICLES:
        return True
    first = letters[0]
    # A caseless script (Chinese, Arabic, …) has no capital to look for.
    return first.isupper() or not (first.islower() or first.isupper())


def public_name_from(name: str) -> str:
    """The public name derived from a name the staff or a channel gave: "Dana W." for a
    person's name ("Dana Whitfield"), the name itself when it is one word ("Mo"), else ""
    (an address, a phone number, a handle, a username, a sentence: the caller falls back
    to a pseudonym). Never holds an address, a phone number or a handle."""
    # What is left once the contacts are gone ("Omar" of "Omar <omar@example.org>") is a
    # name only if it is one on its own.
    cleaned = without_contacts(_EMOJI_CODE.sub(" ", name or ""))
    cleaned = "".join(c for c in cleaned if not _decoration(c))
    if _DIGITS.search(cleaned):
        return ""
    if any(w.lower().strip(".,") in _COMPANY for w in cleaned.split()):
        return ""  # not a person's name
    # "Whitfield, Dana" (how some mail programs write a From name).
    parts = [p.strip() for p in cleaned.split(",")]
    if len(parts) == 2 and all(parts) and all(len(p.split()) <= 2 for p in parts):
        cleaned = f"{parts[1]} {parts[0]}"
    words = [w.strip(",;") for w in cleaned.split()]
    words = [w for w in words if w and w.lower().rstrip(".") not in _SUFFIXES]
    while len(words) > 1 and words[0].lower().rstrip(".") in _TITLES:
        words = words[1:]
    # "DANA WHITFIELD" is written as a name is.
    words = [w.capitalize() if len(w) > 1 and w.isupper() else w for w in words]
    if not words or len(words) > 4 or not all(_is_name_word(w) for w in words):
        return ""
    if words[0].lower() in _PARTICLES:
        return ""
    if len(words) == 1:
        single = words[0]
        return single if PUBLIC_NAME_MIN <= len(single) <= PUBLIC_NAME_MAX else ""
    last = next((w for w in reversed(words[1:]) if w.lower() not in _PARTICLES), "")
    if not last:
        return ""
    derived = f"{words[0]} {last[0].upper()}."
    return derived if len(derived) <= PUBLIC_NAME_MAX else ""


def public_name_for(name: str, seed: int | None = None) -> str:
    """The public name a new customer gets from the name a channel or the staff gave."""
    return public_name_from(name) or pseudonym(seed)


def public_name_validate(name: str) -> str:
    """A name a customer chose to be shown by, cleaned; ``ValidationError`` (with a message
    for the form) when it is empty, too short or long, or reaches them (an email address, a
    phone number, a handle or a web address)."""
    cleaned = _squeeze(name)
    if len(cleaned) < PUBLIC_NAME_MIN:
        raise ValidationError(
            f"Choose a name of at least {PUBLIC_NAME_MIN} characters.", code="short"
        )
    if len(cleaned) > PUBLIC_NAME_MAX:
        raise ValidationError(
            f"Choose a name of at most {PUBLIC_NAME_MAX} characters.", code="long"
        )
    if any(unicodedata.category(c) in {"Cc", "Cf"} for c in cleaned):
        raise ValidationError("The name holds invisible characters.", code="invisible")
    if _EMAIL.search(cleaned) or "@" in cleaned:
        raise ValidationError(
            "This name is shown to everyone: do not use an email address or a handle.",
            code="email",
        )
    if _PHONE.search(cleaned) or len(_DIGITS.findall(cleaned)) > 4:
        raise ValidationError(
            "This name is shown to everyone: do not use a phone number.", code="phone"
        )
    if _URL.search(cleaned) or _DOMAIN.search(cleaned):
        raise ValidationError(
            "This name is shown to everyone: do not use a web address.", code="url"
        )
    if not any(c.isalpha() for c in cleaned):
        raise ValidationError("Choose a name with letters in it.", code="letters")
    return cleaned
