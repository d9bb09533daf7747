"""Real Chromium records no Content-Security-Policy violation on Sayso's pages: the staff inbox
with its htmx search, the mentions charts, a listening source (its remove button asks first,
without an inline handler), the commitments filter (sent on change), the public idea board and
reviews, and the API docs (Swagger UI). The feedback widget, on a customer's site whose own
policy allows no inline style element, is styled and works."""

from __future__ import annotations

from typing import Any

import pytest

from sayso.community import reviews
from sayso.community.ideas import idea_post
from sayso.core.models import Role
from sayso.listening.models import Source
from sayso.listening.services import source_create
from tests import factories
from tests.browser.test_truck_reservation_in_chromium import _staff_login
from tests.browser.test_widget_in_chromium import host_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every violation reaches the console, including those of pages navigated away from.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`
    + ` at ${e.sourceFile}:${e.lineNumber} (${e.sample})`);
});
"""


class Violations:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def watch(self, page: Any) -> Any:
        page.add_init_script(REPORT_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.seen.append(f"page error: {error}"))
        return page

    def _console(self, message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or "CSP violation" in text:
            self.seen.append(f"{message.page.url if message.page else ''}: {text}")


def test_staff_and_public_pages_and_the_api_docs_raise_no_violation(
    live_server: Any, new_page: Any
) -> None:
    base = live_server.url
    org = factories.make_org("Haulright Truck Rental", "haulright")
    manager = factories.make_member(org, Role.ADMIN, username="maria").user
    ada = factories.make_customer(org, "Ada", "ada@example.com")
    case = factories.make_case(org, ada, subject="Truck never came")
    factories.make_case(org, subject="Invoice in the wrong currency")
    factories.make_commitment(case, manager)
    idea_post(organization=org, author=ada, title="Let me book a trailer")
    reviews.review_post(customer=ada, rating=4, body="On time and friendly")
    source = source_create(organization=org, name="Blog", kind="widget", allowed_origins=base)
    violations = Violations()
    page = violations.watch(new_page())

    _staff_login(page, base, "maria")
    # htmx: typing in the search swaps the results in.
    page.type("#search", "currency", delay=20)
    page.wait_for_function(
        "() => !document.querySelector('#results').innerText.includes('Truck never came')"
    )
    assert "Invoice in the wrong currency" in page.inner_text("#results")
    page.goto(f"{base}/staff/haulright/cases/{case.number}/")
    page.wait_for_selector("h1")

    page.goto(f"{base}/staff/haulright/listening/")
    page.wait_for_selector("#chart-source")
    page.wait_for_function("() => window.Chart !== undefined")

    # The commitments filter is sent as soon as it changes.
    page.goto(f"{base}/staff/haulright/commitments/")
    with page.expect_navigation():
        page.check("input[name=mine]")
    assert "mine=1" in page.url

    # Removing a source asks first; saying no keeps it.
    page.goto(f"{base}/staff/haulright/listening/sources/{source.pk}/")
    questions: list[str] = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.click("text=Remove the source")
    page.wait_for_timeout(300)
    assert questions == ["Remove this source and the mentions heard there?"]
    assert Source.objects.filter(pk=source.pk).exists()

    for path in ("/o/haulright/ideas/", "/o/haulright/reviews/", "/o/haulright/status/"):
        page.goto(base + path)
        page.wait_for_selector("h1")
    assert page.evaluate("() => getComputedStyle(document.querySelector('.topbar')).display")

    page.goto(f"{base}/api/docs")
    page.wait_for_selector(".swagger-ui .info .title:has-text('Sayso API')")
    page.wait_for_selector(".opblock-tag")

    assert violations.seen == []


def test_the_widget_works_on_a_site_whose_policy_allows_no_inline_style_element(
    live_server: Any, new_page: Any
) -> None:
    org = factories.make_org("Haulright Truck Rental", "haulright")
    sayso = live_server.url
    # The customer's own policy: Sayso's script and posts to Sayso allowed, no <style> element
    # but its own (the page's style attributes are allowed).
    policy = (
        f"default-src 'self'; script-src 'self' {sayso}; connect-src 'self' {sayso}; "
        "style-src-elem 'self'; style-src-attr 'unsafe-inline'; object-src 'none'"
    )
    with host_site(sayso, policy) as site:
        source_create(organization=org, name="Website", kind="widget", allowed_origins=site)
        violations = Violations()
        page = violations.watch(new_page(1100, 700))
        page.goto(site)
        launch = page.wait_for_selector("[data-sayso-widget] button.launch")
        assert launch.evaluate("el => getComputedStyle(el).position") == "fixed"
        launch.click()
        page.fill("[data-sayso-widget] textarea", "The booking page froze on Saturday.")
        page.click("[data-sayso-widget] button.send")
        page.wait_for_selector("[data-sayso-widget] [role=status]:has-text('Thanks!')")
    assert violations.seen == []
