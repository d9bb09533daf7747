"""`sayso ingest-mail`: maildirs, mbox files, single messages and stdin into cases."""

from __future__ import annotations

import io
import mailbox
import sys
import time
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from sayso import cli
from sayso.conversations.models import Case, Message
from sayso.customers.models import Customer

DAY = 24 * 3600


def mail(
    message_id: str,
    *,
    sender: str = "Grace Hopper <grace@example.com>",
    subject: str = "Truck reservation",
    body: str = "I booked a truck.",
    in_reply_to: str = "",
    date: float | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "help@haulright.test"
    msg["Subject"] = subject
    msg["Date"] = formatdate(date)
    msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg.set_content(body)
    return msg.as_bytes()


GOOD = [
    mail("<a1@mail.example.com>", body="I booked a truck."),
    mail("<b1@mail.example.com>", sender="bob@example.net", subject="Invoice", body="Invoice?"),
    mail("<a2@mail.example.com>", body="Nobody called.", in_reply_to="<a1@mail.example.com>"),
]
BROKEN = b"this is not an email at all\n"


def ingest(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("ingest_mail", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def make_maildir(path: Path, messages: list[bytes], *, start: float | None = None) -> Path:
    """A maildir whose messages were delivered one minute apart, in list order."""
    box = mailbox.Maildir(str(path), create=True)
    start = start if start is not None else time.time() - DAY
    for minute, raw in enumerate(messages):
        message = mailbox.MaildirMessage(raw)
        message.set_date(start + 60 * minute)  # the file's delivery time
        box.add(message)
    return path


def make_mbox(path: Path, messages: list[bytes]) -> Path:
    box = mailbox.mbox(str(path), create=True)
    for raw in messages:
        box.add(raw)
    box.flush()
    box.close()
    return path


@pytest.mark.django_db
def test_maildir_is_ingested_onto_cases(org: Any, tmp_path: Path) -> None:
    maildir = make_maildir(tmp_path / "Maildir", GOOD)

    out, err = ingest("--org", org.slug, str(maildir))

    assert out.strip() == (
        "Haulright Trucks: 3 created, 0 already present (re-delivered), 0 failed."
    )
    assert err == ""
    assert Message.objects.filter(organization=org).count() == 3
    assert Customer.objects.filter(organization=org).count() == 2
    grace_case = Case.objects.get(organization=org, customer__display_name="Grace Hopper")
    assert list(grace_case.messages.values_list("body", flat=True)) == [
        "I booked a truck.",
        "Nobody called.",
    ]


@pytest.mark.django_db
def test_maildir_is_ingested_in_delivery_order_so_replies_thread(org: Any, tmp_path: Path) -> None:
    maildir = tmp_path / "Maildir"
    # The reply is added to the maildir first, but was delivered a minute after the original.
    now = time.time() - DAY
    make_maildir(maildir, [GOOD[2]], start=now + 60)
    make_maildir(maildir, [GOOD[0]], start=now)

    ingest("--org", org.slug, str(maildir))

    assert Case.objects.filter(organization=org).count() == 1


@pytest.mark.django_db
def test_maildir_reads_new_and_cur(org: Any, tmp_path: Path) -> None:
    maildir = make_maildir(tmp_path / "Maildir", GOOD[:2])
    box = mailbox.Maildir(str(maildir), create=False)
    key = next(iter(box.keys()))
    seen = box.get_message(key)
    seen.set_subdir("cur")
    seen.add_flag("S")
    box[key] = seen

    out, _ = ingest("--org", org.slug, str(maildir))

    assert "2 created" in out
    assert {p.parent.name for p in maildir.glob("*/*")} == {"new", "cur"}


@pytest.mark.django_db
def test_mbox_is_ingested(org: Any, tmp_path: Path) -> None:
    mbox = make_mbox(tmp_path / "archive.mbox", GOOD)

    out, _ = ingest("--org", org.slug, "--quiet", str(mbox))

    assert "3 created, 0 already present (re-delivered), 0 failed" in out
    assert Case.objects.filter(organization=org).count() == 2


@pytest.mark.django_db
def test_single_eml_file_is_ingested(org: Any, tmp_path: Path) -> None:
    eml = tmp_path / "message.eml"
    eml.write_bytes(GOOD[0])

    out, _ = ingest("--org", org.slug, str(eml))

    assert "1 created" in out
    assert Message.objects.get(organization=org).external_id == "<a1@mail.example.com>"


@pytest.mark.django_db
def test_message_from_stdin_is_ingested(org: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(GOOD[1])))

    out, _ = ingest("--org", org.slug, "-")

    assert "1 created" in out
    assert Message.objects.get(organization=org).body == "Invoice?"


@pytest.mark.django_db
def test_several_paths_in_one_run(org: Any, tmp_path: Path) -> None:
    maildir = make_maildir(tmp_path / "Maildir", GOOD[:1])
    eml = tmp_path / "reply.eml"
    eml.write_bytes(GOOD[2])

    out, _ = ingest("--org", org.slug, str(maildir), str(eml))

    assert "2 created" in out
    assert Case.objects.filter(organization=org).count() == 1


@pytest.mark.django_db
def test_broken_message_is_reported_and_the_others_are_stored(org: Any, tmp_path: Path) -> None:
    mbox = make_mbox(tmp_path / "mixed.mbox", [GOOD[0], BROKEN, GOOD[1]])
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError) as failure:
        call_command("ingest_mail", "--org", org.slug, str(mbox), stdout=out, stderr=err)

    assert failure.value.returncode == 1
    assert "1 message(s) could not be stored" in str(failure.value)
    assert out.getvalue().strip() == (
        "Haulright Trucks: 2 created, 0 already present (re-delivered), 1 failed."
    )
    assert err.getvalue().strip() == (
        f"{mbox} message 2: This is not an email: no headers were found."
    )
    assert Message.objects.filter(organization=org).count() == 2


@pytest.mark.django_db
def test_broken_file_in_a_maildir_is_named_in_the_report(org: Any, tmp_path: Path) -> None:
    maildir = make_maildir(tmp_path / "Maildir", [GOOD[0], b"From: nobody\n\nhi\n"])
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command("ingest_mail", "--org", org.slug, str(maildir), stderr=err)

    [line] = err.getvalue().strip().splitlines()
    path, reason = line.split(": ", 1)
    assert Path(path).parent.parent == maildir
    assert Path(path).is_file()
    assert reason == "The sender “nobody” is not a valid email address."
    assert Message.objects.filter(organization=org).count() == 1


@pytest.mark.django_db
def test_running_the_same_import_again_stores_nothing_new(org: Any, tmp_path: Path) -> None:
    maildir = make_maildir(tmp_path / "Maildir", GOOD)
    ingest("--org", org.slug, str(maildir))
    counts = (Customer.objects.count(), Case.objects.count(), Message.objects.count())

    out, _ = ingest("--org", org.slug, str(maildir))

    assert out.strip() == (
        "Haulright Trucks: 0 created, 3 already present (re-delivered), 0 failed."
    )
    assert (Customer.objects.count(), Case.objects.count(), Message.objects.count()) == counts


@pytest.mark.django_db
def test_unknown_organization_is_refused(org: Any, tmp_path: Path) -> None:
    eml = tmp_path / "message.eml"
    eml.write_bytes(GOOD[0])
    with pytest.raises(CommandError, match="No organization with the slug “nope”"):
        ingest("--org", "nope", str(eml))
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_missing_path_is_refused_before_anything_is_stored(org: Any, tmp_path: Path) -> None:
    eml = tmp_path / "message.eml"
    eml.write_bytes(GOOD[0])
    with pytest.raises(CommandError, match="no such file or directory"):
        ingest("--org", org.slug, str(eml), str(tmp_path / "missing.mbox"))
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_directory_that_is_not_a_maildir_is_refused(org: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="not a maildir"):
        ingest("--org", org.slug, str(tmp_path))


@pytest.mark.django_db
def test_org_is_required(org: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="--org"):
        ingest(str(tmp_path))


@pytest.mark.django_db(transaction=True)
def test_sayso_cli_accepts_ingest_mail_with_a_dash(
    org: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    good = tmp_path / "good.eml"
    good.write_bytes(GOOD[0])
    bad = tmp_path / "bad.eml"
    bad.write_bytes(BROKEN)

    cli.main(["ingest-mail", "--skip-checks", "--org", org.slug, str(good)])
    assert "1 created" in capsys.readouterr().out

    with pytest.raises(SystemExit) as exit_:
        cli.main(["ingest-mail", "--skip-checks", "--org", org.slug, str(good), str(bad)])
    assert exit_.value.code == 1
    output = capsys.readouterr()
    assert "0 created, 1 already present (re-delivered), 1 failed." in output.out
    assert f"{bad}: This is not an email" in output.err


@pytest.mark.django_db
def test_database_failure_stops_with_a_temporary_failure_status(org: Any, tmp_path: Path) -> None:
    """An MTA piping mail to the command keeps a message on status 75 and retries later,
    instead of bouncing it to the customer."""
    eml = tmp_path / "message.eml"
    eml.write_bytes(GOOD[0])
    out = io.StringIO()
    with connection.cursor() as cursor:  # undone when the test's transaction rolls back
        cursor.execute("ALTER TABLE conversations_message RENAME TO conversations_message_away")

    with pytest.raises(CommandError) as failure:
        call_command("ingest_mail", "--org", org.slug, str(eml), str(eml), stdout=out)

    assert failure.value.returncode == 75
    assert str(failure.value).startswith(f"{eml}: the database failed (")
    assert "run the same command again" in str(failure.value)
    assert "0 created, 0 already present (re-delivered), 0 failed." in out.getvalue()
