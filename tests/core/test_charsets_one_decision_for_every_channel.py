# ruff: noqa: RUF001 - the texts are Russian and typographic on purpose
"""sayso.core.charsets: the one decision, for email parts and feeds alike, of what charset
bytes are in when the declaration is wrong or missing."""

from __future__ import annotations

import codecs
import os

from sayso.core.charsets import decode

RUSSIAN = "Грузовик не приехал в субботу, хотя заказ был оплачен заранее. Верните деньги."


def test_a_byte_order_mark_decides() -> None:
    assert decode(codecs.BOM_UTF8 + "Café".encode(), ["koi8-r"]) == ("Café", "utf-8")
    assert decode(codecs.BOM_UTF16_LE + "Café".encode("utf-16-le"), []) == ("Café", "utf-16-le")


def test_valid_utf8_wins_over_a_single_byte_label() -> None:
    assert decode(RUSSIAN.encode(), ["windows-1252"]) == (RUSSIAN, "utf-8")
    assert decode(RUSSIAN.encode(), ["gb2312"]) == (RUSSIAN, "utf-8")


def test_a_wrong_western_label_on_cyrillic_bytes_is_doubted() -> None:
    assert decode(RUSSIAN.encode("koi8-r"), ["iso-8859-1"]) == (RUSSIAN, "koi8-r")
    assert decode(RUSSIAN.encode("cp1251"), []) == (RUSSIAN, "cp1251")


def test_latin1_is_read_as_windows_1252_and_a_few_symbols_are_not_doubted() -> None:
    text = "“Booked” – €40"
    assert decode(text.encode("cp1252"), ["ISO-8859-1"]) == (text, "cp1252")


def test_a_utf16_label_on_bytes_without_nul_is_ignored() -> None:
    assert decode("Köln".encode(), ["utf-16"]) == ("Köln", "utf-8")


def test_an_unknown_label_or_random_bytes_never_raise() -> None:
    assert decode(b"plain", ["x-no-such-charset"]) == ("plain", "ascii")
    text, charset = decode(os.urandom(2048), ["x-no-such-charset"])
    assert isinstance(text, str) and charset
