"""Text inside an attached message (message/rfc822: forwards, digests) is read, with the
attached message's sender, date and subject shown as a quoted part."""

from pathlib import Path

from sayso.conversations.email_parsing import parse_email

FLANKER = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "email" / "flanker"


def test_a_forwarded_message_is_read_with_its_sender_and_subject() -> None:
    parsed = parse_email((FLANKER / "enclosed.eml").read_bytes())
    assert parsed.text.startswith(
        "Hello\n\n---------- Forwarded message ----------\n"
        "From: Kirk Douglas <dan@example.com>\n"
        "Date: Fri, 22 Apr 2011 11:21:06 -0700\n"
        "Subject: Thanks!\n\n"
        "dudes... you're kicking ass."
    )


def test_a_message_that_attaches_itself_without_end_is_read_to_a_limit() -> None:
    parsed = parse_email((FLANKER / "enclosed-endless.eml").read_bytes())
    assert "---------- Forwarded message ----------" in parsed.text
    assert len(parsed.text) < 20_000


def test_messages_nested_in_messages_are_all_read() -> None:
    text = parse_email((FLANKER / "torture.eml").read_bytes()).text
    assert "Subject: Re: a MIME-Version misfeature" in text
    assert "Some kind of version number is, in my opinion, totally vital" in text
    assert "*** STAR TREK 25TH ANNIVERSARY PARTY ***" in text
