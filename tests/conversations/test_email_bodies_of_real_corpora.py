"""Every message of the real corpora (flanker's fixtures in ../shared/data and CPython's own
email test data, installed by ``make testdata``) is read without a traceback, and has a body
wherever the message has text. The few without any text are listed here, each checked by
reading the file."""

import email
import email.policy
import os
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from sayso.conversations.email_parsing import _body_text, parse_email

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
FLANKER = DATA / "email" / "flanker"
CPYTHON = Path("/usr/lib/python3.11/test/test_email/data")

# Messages with no text a person could read (verified by reading each file).
NO_TEXT = {
    # multipart/alternative without a boundary; the body is blank lines only.
    "false-multipart.eml",
    # Only a message/delivery-status part: status fields for machines, no human-readable part.
    "bounce_delayed-broken.eml",
    # Every part is empty (text/plain, text/html and nested parts with no content).
    "msg_08.txt",
    "msg_09.txt",
    "msg_12.txt",
    "msg_12a.txt",
    # One part holding nothing at all.
    "msg_24.txt",
    # Headers and an empty body.
    "msg_18.txt",
}


def _cpython_messages() -> list[Path]:
    if not CPYTHON.is_dir():
        if os.environ.get("CI"):
            raise RuntimeError(f"{CPYTHON} is missing: run `make testdata` (CI must have it).")
        return []
    return sorted(CPYTHON.glob("msg_*.txt"))


MESSAGES = sorted(FLANKER.glob("*.eml")) + _cpython_messages()


def test_the_corpora_are_there() -> None:
    assert len(sorted(FLANKER.glob("*.eml"))) >= 48
    if not CPYTHON.is_dir() and not os.environ.get("CI"):
        pytest.skip(f"{CPYTHON} is absent (Debian's libpython3.11-testsuite: make testdata)")
    assert len(_cpython_messages()) >= 40


@pytest.mark.parametrize("path", MESSAGES, ids=lambda path: path.name)
def test_every_message_is_read_without_a_traceback(path: Path) -> None:
    raw = path.read_bytes()
    try:
        parsed = parse_email(raw)
    except ValidationError:
        # Unusable as an email (no sender, not an email): a clear 4xx, not a crash.
        parsed = None
    body = _body_text(email.message_from_bytes(raw, policy=email.policy.default))
    if parsed is not None:
        assert parsed.text == body.replace("\x00", "")
        assert "\ufffd" not in parsed.from_name
    if path.name in NO_TEXT:
        assert body.strip() == ""
    else:
        assert body.strip(), f"{path.name} has text but its body came out empty"
