"""Text from bytes whose charset is declared wrongly or not at all: one decision for every
channel (email parts, feeds).

    text, charset = decode(body, declared=["iso-8859-1"])

A byte-order mark decides. Otherwise a declared charset is used when the bytes decode in it
and do not read as mojibake (charset-normalizer's mess ratio); bytes that are valid UTF-8 with
non-ASCII characters are UTF-8 whatever a single-byte label says (the most common wrong
label); a "Latin-1" label is read as windows-1252, as browsers do (WHATWG Encoding); with no
usable label, UTF-8, else charset-normalizer's guess among the charsets people write in, else
windows-1252. Never raises: undecodable bytes become U+FFFD.
"""

from __future__ import annotations

import codecs
from collections.abc import Sequence
from typing import Any

from charset_normalizer import from_bytes
from charset_normalizer.md import mess_ratio

BOMS = (
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (b"<\x00?\x00", "utf-16-le"),  # an XML declaration in UTF-16 without a BOM
    (b"\x00<\x00?", "utf-16-be"),
)
# Mojibake measured by charset-normalizer on at most this many characters.
MESS_SAMPLE = 100_000
# A declared charset whose text is this messy is doubted (legitimate text scores near 0;
# KOI8-R or windows-1251 read as Latin-1 score 0.8 and more).
MESSY = 0.2
# Charsets people write in, most common first: among charset-normalizer's guesses that read
# about as cleanly as its best, one of these wins over a rare DOS or Mac code page (a short
# windows-1252 text otherwise reads as cp1125, Polish ISO-8859-2 as ISO-8859-10).
_WRITTEN_IN = (
    "utf-8", "cp1252", "iso8859-1", "iso8859-15", "cp1251", "koi8-r", "koi8-u", "shift_jis",
    "cp932", "euc_jp", "euc_jis_2004", "iso2022_jp", "gb18030", "gbk", "gb2312", "big5",
    "big5hkscs", "euc_kr", "cp949", "cp1250", "iso8859-2", "cp1253", "iso8859-7", "cp1254",
    "iso8859-9", "cp1255", "iso8859-8", "cp1256", "iso8859-6", "cp1257", "iso8859-13",
    "cp874", "tis-620", "cp1258", "iso8859-5",
)  # fmt: skip
# A declared charset is doubted only on this many 8-bit bytes at least: a few symbols (curly
# quotes, a dash, a euro sign) read as "messy" to charset-normalizer in any charset.
DOUBT_AFTER = 16
# How much messier than the best guess a common charset may read and still be preferred.
GUESS_MARGIN = 0.1


def codec_name(label: str) -> str:
    """Python's name for a charset label, or "" when Python does not know it."""
    name = label.strip().strip("\"'").lower()
    if name in ("gb2312", "gb_2312", "gb_2312-80", "x-gbk", "gbk"):
        name = "gb18030"  # a superset: text labelled GB2312 often uses GBK characters
    try:
        return codecs.lookup(name).name
    except LookupError:
        return ""


COMMON = tuple(dict.fromkeys(codec_name(name) for name in _WRITTEN_IN))
# The common charsets of one byte a character, measured when detection recognises no language.
_SINGLE_BYTE = tuple(
    name for name in COMMON if name == "koi8-r" or name.startswith(("cp12", "iso8859", "koi8"))
)
# How many bytes they are measured on.
_RESCORE_BYTES = 8192


def mess(text: str) -> float:
    """How much ``text`` reads as mojibake (0 clean, 1 nonsense)."""
    return float(mess_ratio(text[:MESS_SAMPLE], maximum_threshold=1.0))


def guess(body: bytes) -> tuple[str, float] | None:
    """charset-normalizer's guess and its mess (its matches come best first): windows-1252
    when it reads the bytes as cleanly as the best (short Western text, which every
    single-byte charset reads "as well"), else the first match that reads about as cleanly
    as the best and can be a common charset, else its best. When it recognises no language
    in its best match (short text; KOI8-R, which it may not offer at all), the common
    single-byte charsets are measured too and the cleanest wins, the more common on a tie.
    UTF-16 and UTF-32, whose text has NUL bytes, are never guessed for bytes without them."""
    wide = b"\x00" in body[:4096]
    matches = [
        match
        for match in from_bytes(body[:200_000])
        if wide or not codec_name(match.encoding).startswith(("utf-16", "utf-32"))
    ]
    chosen = _best_match(matches)
    if chosen is not None and float(matches[0].coherence) > 0:
        return chosen
    return _cleanest(body, chosen)


def _best_match(matches: list[Any]) -> tuple[str, float] | None:
    if not matches:
        return None
    cleanest = min(float(match.chaos) for match in matches)
    for match in matches:
        if float(match.chaos) <= cleanest and "cp1252" in _names(match):
            return "cp1252", float(match.chaos)
    for match in matches:
        if float(match.chaos) > cleanest + GUESS_MARGIN:
            continue
        common = [name for name in COMMON if name in _names(match)]
        if common:
            return common[0], float(match.chaos)
    return matches[0].encoding, float(matches[0].chaos)


def _cleanest(body: bytes, chosen: tuple[str, float] | None) -> tuple[str, float] | None:
    """The charset, among ``chosen`` and the common single-byte ones, that reads the first
    bytes with the least mess (the more common first on a tie)."""
    sample = body[:_RESCORE_BYTES]
    candidates = [chosen[0]] if chosen else []
    candidates += [name for name in _SINGLE_BYTE if name not in candidates]
    scored: list[tuple[float, int, str]] = []
    for rank, name in enumerate(sorted(candidates, key=_rank)):
        try:
            text = sample.decode(name, errors="strict" if name in _SINGLE_BYTE else "ignore")
        except (UnicodeDecodeError, LookupError):
            continue
        scored.append((mess(text), rank, name))
    if not scored:
        return chosen
    score, _, name = min(scored)
    return name, score


def _rank(name: str) -> int:
    return COMMON.index(name) if name in COMMON else len(COMMON)


def _names(match: object) -> set[str]:
    names = {codec_name(name) for name in getattr(match, "could_be_from_charset", [])}
    names.add(codec_name(str(getattr(match, "encoding", ""))))
    return names


def _candidates(declared: Sequence[str]) -> list[str]:
    names: list[str] = []
    for label in declared:
        name = codec_name(label) if label else ""
        if name in ("latin-1", "iso8859-1"):
            names.append("cp1252")  # what a "Latin-1" label means in practice (WHATWG)
        if name:
            names.append(name)
    return list(dict.fromkeys(names))


def decode(body: bytes, declared: Sequence[str] = ()) -> tuple[str, str]:
    """(``body`` as text, the charset it was read in); ``declared`` lists the labels the
    sender gave, the most trusted first."""
    for mark, codec in BOMS:
        if body.startswith(mark):
            try:
                return body.decode(codec).lstrip("\ufeff"), codec
            except UnicodeDecodeError:
                break
    names = _candidates(declared)
    if body.isascii():
        # Only a 7-bit charset (ISO-2022-JP, UTF-7, HZ) reads ASCII bytes as other characters.
        for codec in names:
            if codec.startswith(("iso2022", "utf-7", "hz")):
                try:
                    return body.decode(codec), codec
                except UnicodeDecodeError:
                    break
        return body.decode("ascii"), "ascii"
    try:
        utf8: str | None = body.decode("utf-8")
    except UnicodeDecodeError:
        utf8 = None
    for codec in names:
        if codec.startswith(("utf-16", "utf-32")) and b"\x00" not in body[:1024]:
            continue  # text in UTF-16 has NUL bytes: a UTF-8 text labelled UTF-16 by mistake
        try:
            text = body.decode(codec)
        except UnicodeDecodeError:
            continue
        if codec == "utf-8" or codec.startswith(("utf-16", "utf-32")):
            return text, codec
        if utf8 is not None:
            return utf8, "utf-8"
        messy = mess(text)
        if messy >= MESSY and sum(byte >= 0x80 for byte in body[:4096]) >= DOUBT_AFTER:
            better = guess(body)
            if better is not None and better[1] < messy / 2:
                return body.decode(better[0], errors="replace"), better[0]
        return text, codec
    if utf8 is not None:
        return utf8, "utf-8"
    better = guess(body)
    if better is not None:
        try:
            return body.decode(better[0], errors="replace"), better[0]
        except LookupError:
            pass
    return body.decode("cp1252", errors="replace"), "cp1252"
