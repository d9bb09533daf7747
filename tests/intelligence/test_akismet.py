"""Optional Akismet (issue 21) against a local HTTP server on 127.0.0.1 that speaks Akismet's
REST API (verify-key, comment-check, submit-spam, submit-ham, as documented at
https://akismet.com/developers/): its verdict is used, moderator decisions are reported back,
and Akismet slow or down never blocks a post."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.urls import reverse

from sayso.community import ideas
from sayso.community.models import CommentState
from sayso.core.models import Role
from sayso.intelligence.analysis.spam_akismet import NO_ADDRESS
from sayso.intelligence.models import AkismetSetting, SpamDecision
from tests import factories
from tests.community.test_idea_pages import _staff_client

pytestmark = pytest.mark.django_db

KEY = "0123456789ab"
THANKS = "Thanks for making the web a better place."


@dataclass
class FakeAkismet:
    """What the stand-in received, and how it behaves."""

    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    delay: float = 0.0

    def of(self, endpoint: str) -> list[dict[str, str]]:
        return [data for path, data in self.requests if path.endswith("/" + endpoint)]


def _handler(state: FakeAkismet) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            state.requests.append((self.path, form))
            if state.delay:
                time.sleep(state.delay)
            if self.path == "/1.1/verify-key":
                body = "valid" if form.get("key") == KEY else "invalid"
            elif form.get("api_key") != KEY:
                body = "invalid"
            elif self.path == "/1.1/comment-check":
                # Akismet's documented test value: this author is always spam.
                body = (
                    "true" if form.get("comment_author") == "akismet-guaranteed-spam" else "false"
                )
            elif self.path in ("/1.1/submit-spam", "/1.1/submit-ham"):
                body = THANKS
            else:
                self.send_response(404)
                self.end_headers()
                return
            encoded = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(encoded)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(encoded)  # (Sayso may have stopped waiting: the slow case)

    return Handler


@pytest.fixture
def akismet(settings: Any) -> Iterator[FakeAkismet]:
    state = FakeAkismet()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SAYSO_AKISMET_URL = f"http://127.0.0.1:{server.server_address[1]}"
    settings.SAYSO_AKISMET_TIMEOUT_SECONDS = 0.5
    settings.SAYSO_OUTBOUND_ALLOW = ["127.0.0.1/32"]
    yield state
    server.shutdown()
    server.server_close()


def _set_up(org: Any, admin: Any, akismet: FakeAkismet) -> None:
    staff = _staff_client(admin)
    url = reverse("spam-filter-akismet", kwargs={"org": org.slug})
    refused = staff.post(
        url, {"api_key": "wrong", "blog_url": "https://haulright.example", "enabled": "1"}
    )
    assert refused.status_code == 302
    assert not AkismetSetting.objects.exists()
    staff.post(url, {"api_key": KEY, "blog_url": "https://haulright.example", "enabled": "1"})
    setting = AkismetSetting.objects.get(organization=org)
    assert KEY not in setting.api_key  # sealed
    assert [d["key"] for d in akismet.of("verify-key")] == ["wrong", KEY]
    page = staff.get(reverse("spam-filter", kwargs={"org": org.slug})).content.decode()
    assert "Akismet is on" in page and KEY not in page


def test_akismets_verdict_joins_sayso_and_decisions_are_reported_back(
    org: Any, akismet: FakeAkismet, django_capture_on_commit_callbacks: Any
) -> None:
    admin = factories.make_member(org, Role.ADMIN, username="boss").user
    _set_up(org, admin, akismet)
    author = factories.make_customer(org, "Ann", "ann@example.com")
    idea, _ = ideas.idea_post(organization=org, author=author, title="Dark mode please")
    genuine, _ = ideas.comment_post(idea=idea, author=author, body="Yes, for the night shift")
    assert genuine.state == CommentState.VISIBLE
    bot = factories.make_customer(org, "akismet-guaranteed-spam", "bot@example.com")
    held, _ = ideas.comment_post(idea=idea, author=bot, body="Nice board, love it")
    assert held.state == CommentState.SPAM
    assert held.state_reason == "Akismet says spam"
    checks = akismet.of("comment-check")
    assert len(checks) >= 3  # the idea, the genuine comment, the held one
    last = checks[-1]
    assert last["comment_content"] == "Nice board, love it"
    assert last["comment_type"] == "comment"
    assert last["blog"] == "https://haulright.example"
    assert last["user_ip"] == NO_ADDRESS
    assert last["api_key"] == KEY

    # A moderator's decisions are reported (submit-spam, then submit-ham), once each.
    agent = factories.make_member(org, Role.AGENT, username="mod").user
    with django_capture_on_commit_callbacks(execute=True):
        ideas.comment_hide(comment=genuine, category="spam", actor=agent)
    with django_capture_on_commit_callbacks(execute=True):
        ideas.comment_restore(comment=held, actor=agent)
    spam = akismet.of("submit-spam")
    ham = akismet.of("submit-ham")
    assert [s["comment_content"] for s in spam] == ["Yes, for the night shift"]
    assert [h["comment_content"] for h in ham] == ["Nice board, love it"]
    assert ham[0]["comment_author"] == "akismet-guaranteed-spam"
    assert ham[0]["permalink"].startswith("http://testserver/o/haulright/ideas/")
    assert set(SpamDecision.objects.values_list("label", "reported_label")) == {
        ("spam", "spam"),
        ("ham", "ham"),
    }
    from sayso.intelligence.analysis.spam_akismet import akismet_report

    decision = SpamDecision.objects.get(label="ham")
    assert akismet_report(decision_id=decision.pk) == "already reported"
    assert len(akismet.of("submit-ham")) == 1


def test_akismet_slow_or_down_never_blocks_a_post(
    org: Any, akismet: FakeAkismet, settings: Any
) -> None:
    admin = factories.make_member(org, Role.ADMIN, username="boss").user
    _set_up(org, admin, akismet)
    bot = factories.make_customer(org, "akismet-guaranteed-spam", "bot@example.com")
    idea, _ = ideas.idea_post(organization=org, author=bot, title="Dark mode please")
    assert idea.hidden_at is not None  # Akismet up: held

    akismet.delay = 2.0  # slower than the 0.5 s Sayso waits
    started = time.monotonic()
    person = factories.make_customer(org, "Ann", "ann@example.com")
    other, _ = ideas.idea_post(organization=org, author=person, title="Export to CSV please")
    assert time.monotonic() - started < 2.0
    assert other.hidden_at is None
    setting = AkismetSetting.objects.get(organization=org)
    assert "comment-check failed" in setting.last_error
    page = _staff_client(admin).get(reverse("spam-filter", kwargs={"org": org.slug}))
    assert b"Last problem" in page.content

    akismet.delay = 0.0
    settings.SAYSO_AKISMET_URL = "http://127.0.0.1:9"  # nothing listens there
    down, _ = ideas.idea_post(organization=org, author=person, title="Route history export")
    assert down.hidden_at is None
