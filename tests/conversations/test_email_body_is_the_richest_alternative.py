"""The body is the richest alternative that has text: an empty text/plain loses to the HTML
one (converted to text with its layout whitespace collapsed), a text/plain that only points at
the HTML version loses too, and a real text/plain wins."""

import email
import email.policy
import os
from email.message import EmailMessage
from pathlib import Path

import pytest

from sayso.conversations.email_parsing import parse_email

FLANKER = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "email" / "flanker"


def _office365_with_empty_plain_part() -> bytes:
    """flanker's Office 365 bounce (21 kB of HTML beside a text/plain part) with its text/plain
    alternative emptied, as in the mail that stored its subject as the body."""
    msg = email.message_from_bytes(
        (FLANKER / "bounce_office365.eml").read_bytes(), policy=email.policy.default
    )
    assert isinstance(msg, EmailMessage)
    plain = next(part for part in msg.walk() if part.get_content_type() == "text/plain")
    plain.set_content("\n  \n", charset="utf-8")
    return msg.as_bytes()


def test_an_empty_text_plain_loses_to_the_html_alternative() -> None:
    parsed = parse_email(_office365_with_empty_plain_part())
    assert "Your message to noname@example.com couldn't be delivered." in parsed.text
    assert "How to Fix It" in parsed.text


def test_html_layout_whitespace_is_collapsed() -> None:
    text = parse_email(_office365_with_empty_plain_part()).text
    whitespace = sum(ch.isspace() for ch in text)
    assert whitespace / len(text) < 0.25


def _alternative(plain: str, markup: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Dana <dana@example.com>"
    msg["Subject"] = "Truck"
    msg.set_content(plain)
    msg.add_alternative(markup, subtype="html")
    return msg.as_bytes()


HTML = (
    "<html><body><p>The truck for Saturday never came.</p>"
    "<ul><li>Booking 4411</li><li>Pickup at 9:00</li></ul>"
    "<p>Please call me back before Friday, I need it for the move.</p></body></html>"
)


def test_a_plain_part_that_points_at_the_html_version_loses() -> None:
    parsed = parse_email(_alternative("This is an HTML message. View it in a browser.", HTML))
    assert parsed.text.startswith("The truck for Saturday never came.")
    assert "* Booking 4411" in parsed.text


def test_a_real_plain_part_wins() -> None:
    parsed = parse_email(_alternative("Truck never came. Call me.", HTML))
    assert parsed.text == "Truck never came. Call me."


CPYTHON_DATA = Path("/usr/lib/python3.11/test/test_email/data")


@pytest.mark.skipif(
    not CPYTHON_DATA.is_dir() and not os.environ.get("CI"), reason="make testdata installs it"
)
@pytest.mark.parametrize(
    ("name", "expected", "absent"),
    [
        # The header names BOUNDARY_, the body's delimiter lines --BOUNDARY.
        ("msg_31.txt", "message 1\n\nmessage 2", "Content-Type"),
        # A delivery report whose header names no boundary at all.
        ("msg_25.txt", "The original message was received at", "--JAB03225"),
    ],
)
def test_parts_are_read_with_the_boundary_the_body_uses(
    name: str, expected: str, absent: str
) -> None:
    text = parse_email((CPYTHON_DATA / name).read_bytes()).text
    assert text.startswith(expected)
    assert absent not in text
