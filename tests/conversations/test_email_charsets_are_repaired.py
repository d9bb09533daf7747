# ruff: noqa: RUF001 - the texts are Russian and typographic on purpose
"""A text declared in the wrong charset is read in the right one (UTF-8 declared GB2312;
undeclared legacy bytes by detection), and raw 8-bit bytes in a header are read as the writer
meant them."""

from pathlib import Path

from sayso.conversations.email_parsing import decode_text, parse_email

FLANKER = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "email" / "flanker"


def test_utf8_text_declared_gb2312_is_read_as_utf8() -> None:
    # flanker's bilingual message (UTF-8, English and Russian) as a mailer that declares its
    # locale's charset sends it.
    raw = (FLANKER / "bilingual-simple.eml").read_bytes()
    assert b"charset=utf-8" in raw.lower() or b'charset="utf-8"' in raw.lower()
    raw = raw.replace(b"utf-8", b"gb2312").replace(b"UTF-8", b"gb2312")
    parsed = parse_email(raw)
    assert parsed.text == "This line is in English\nА эта линия по-русски."


def test_raw_latin1_in_the_from_header_is_read() -> None:
    parsed = parse_email((FLANKER / "from-encoding.eml").read_bytes())
    assert parsed.from_name == "Ingo Lütkebohle"


def test_raw_utf8_cut_in_a_header_loses_only_the_broken_character() -> None:
    parsed = parse_email((FLANKER / "mailformed-headers.eml").read_bytes())
    assert parsed.from_name == "Юникод запрещен"


def test_undeclared_legacy_text_is_detected() -> None:
    french = "Ça me plaît, déjà réservé, merci beaucoup pour le camion."
    assert decode_text(french.encode("cp1252"), None) == french
    russian = "Привет, как дела? Грузовик не приехал, а заказ был оплачен заранее."
    assert decode_text(russian.encode("cp1251"), None) == russian


def test_declared_latin1_with_windows_quotes_is_read_as_windows_1252() -> None:
    assert decode_text("“Booked” – €40".encode("cp1252"), "iso-8859-1") == "“Booked” – €40"


def test_a_seven_bit_charset_is_read_in_its_declared_charset() -> None:
    japanese = "トラックが来ませんでした。"
    assert decode_text(japanese.encode("iso-2022-jp"), "iso-2022-jp") == japanese
    assert decode_text("Café".encode("utf-7"), "utf-7") == "Café"


def test_a_part_declared_windows_1252_but_written_in_koi8_r_is_read_as_written() -> None:
    # A Russian mailer that labels every part with the system's Western charset.
    russian = (
        "Здравствуйте! Грузовик не приехал в субботу, а заказ был оплачен заранее. "
        "Пожалуйста, верните деньги или перезвоните мне сегодня."
    )
    assert decode_text(russian.encode("koi8-r"), "windows-1252") == russian
    assert decode_text(russian.encode("cp1251"), "iso-8859-1") == russian


def test_a_correct_western_declaration_is_kept() -> None:
    german = "Der Lkw kam nicht; bitte rufen Sie mich zurück. Grüße aus Köln, Jürgen Groß."
    assert decode_text(german.encode("iso-8859-1"), "iso-8859-1") == german
    polish = "Ciężarówka nie przyjechała, proszę o zwrot pieniędzy."
    assert decode_text(polish.encode("iso-8859-2"), "iso-8859-2") == polish
