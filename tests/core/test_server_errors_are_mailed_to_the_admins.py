"""A server error is mailed to SAYSO_ADMINS by a thread of the process, not by the failing
request (issue 22: error mail in the deployment)."""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

from django.core import mail
from django.test import RequestFactory


def test_an_error_logged_by_a_request_reaches_the_admins_mailbox(settings: Any) -> None:
    settings.ADMINS = [("Ops", "ops@example.com")]
    request = RequestFactory().get("/o/haulright/status/")
    try:
        raise RuntimeError("the database went away")
    except RuntimeError:
        logging.getLogger("django.request").error(
            "Internal Server Error: %s",
            request.path,
            exc_info=sys.exc_info(),
            extra={"status_code": 500, "request": request},
        )
    deadline = time.monotonic() + 10
    while not mail.outbox and time.monotonic() < deadline:
        time.sleep(0.05)
    (sent,) = mail.outbox
    assert sent.to == ["ops@example.com"]
    assert "Internal Server Error: /o/haulright/status/" in sent.subject
    assert "the database went away" in sent.body


def test_without_admins_nothing_is_sent(settings: Any) -> None:
    settings.ADMINS = []
    logging.getLogger("django.request").error("Internal Server Error: /x")
    time.sleep(0.3)
    assert mail.outbox == []
