"""The embeddable feedback widget in real Chromium, on other sites' pages (other origins):
a visitor on an allowed site sends a message using the keyboard only and it becomes a case;
a page on a site that is not allowed is refused, and the widget says so."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from sayso.conversations.models import Channel, Message
from sayso.listening.models import Mention, Outcome
from sayso.listening.services import source_create
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MESSAGE = "The booking page froze when I picked Saturday pickup."
SENT = "Thanks! Your message reached Haulright Truck Rental."


@contextmanager
def host_site(sayso: str, policy: str = "") -> Iterator[str]:
    """A customer's own web site (plain HTTP on another port: another origin) that embeds the
    widget with a script tag; with ``policy``, under that Content-Security-Policy of its own."""
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Haulright: rent a truck</title></head>
<body style="font-family: sans-serif; margin: 40px">
<h1>Rent a truck</h1>
<p>Pick a day and a size. <a href="/reserve">Reserve</a></p>
<script src="{sayso}/widget.js" data-org="haulright" async></script>
</body></html>""".encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            if policy:
                self.send_header("Content-Security-Policy", policy)
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def focused(page: Any) -> str:
    """What has the keyboard focus inside the widget ("" when it is elsewhere)."""
    return str(
        page.evaluate(
            """() => {
                const host = document.querySelector('[data-sayso-widget]');
                const el = host && host.shadowRoot.activeElement;
                return el ? (el.id ? el.tagName.toLowerCase() : el.className) : '';
            }"""
        )
    )


def tab_to(page: Any, target: str) -> None:
    for _ in range(10):
        if focused(page) == target:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target} (focus is on {focused(page)!r})")


def open_with_keyboard(page: Any, site: str) -> None:
    page.goto(site)
    page.wait_for_selector("[data-sayso-widget] button.launch")
    tab_to(page, "launch")
    page.keyboard.press("Enter")
    dialog = page.wait_for_selector("[role=dialog][aria-modal=true]", state="visible")
    assert "Send us feedback" in dialog.inner_text()
    assert focused(page) == "textarea"  # focus moved into the dialog


def test_a_visitor_sends_feedback_with_the_keyboard_only(
    live_server: Any, new_page: Any, shot: Any
) -> None:
    org = factories.make_org("Haulright Truck Rental", "haulright")
    with host_site(live_server.url) as site:
        widget = source_create(
            organization=org, name="Website widget", kind="widget", allowed_origins=site
        )
        page = new_page(1100, 700)
        open_with_keyboard(page, site)
        page.keyboard.type(MESSAGE)
        page.keyboard.press("Tab")
        assert focused(page) == "input"
        page.keyboard.type("dana@whitfield.example")
        page.screenshot(path="/tmp/widget.png")
        shot(page, "widget-01-open-on-a-customer-site")
        tab_to(page, "send")
        page.keyboard.press("Enter")
        page.wait_for_selector(f"[data-sayso-widget] [role=status]:has-text('{SENT}')")
        shot(page, "widget-02-sent")
        assert page.input_value("[data-sayso-widget] textarea") == ""

        # Escape closes it and gives the focus back to the button that opened it.
        page.keyboard.press("Escape")
        page.wait_for_selector("[data-sayso-widget] [role=dialog]", state="hidden")
        assert focused(page) == "launch"
        shot(page, "widget-03-closed")

    mention = Mention.objects.get(source=widget)
    assert mention.outcome == Outcome.OPENED
    assert mention.url == f"{site}/"
    message = mention.message
    assert message is not None
    assert message.channel == Channel.WIDGET
    assert message.body == MESSAGE
    assert message.customer.identities.filter(value="dana@whitfield.example").exists()


def test_a_site_that_is_not_allowed_is_refused(live_server: Any, new_page: Any, shot: Any) -> None:
    org = factories.make_org("Haulright Truck Rental", "haulright")
    with host_site(live_server.url) as allowed, host_site(live_server.url) as elsewhere:
        source_create(
            organization=org, name="Website widget", kind="widget", allowed_origins=allowed
        )
        page = new_page(1100, 700)
        open_with_keyboard(page, elsewhere)
        page.keyboard.type(MESSAGE)
        tab_to(page, "send")
        page.keyboard.press("Enter")
        page.wait_for_selector(
            "[data-sayso-widget] [role=status]:has-text('could not be sent')", state="visible"
        )
        shot(page, "widget-04-refused-elsewhere")
        # The message stays in the form, to copy elsewhere or retry.
        assert page.input_value("[data-sayso-widget] textarea") == MESSAGE

    assert not Mention.objects.exists()
    assert not Message.objects.exists()
