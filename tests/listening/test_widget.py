"""The embeddable feedback widget: its script, and the endpoint its form posts to (origin
allow-list, CORS without credentials, JSON only, rate limit, body limit, spam held silently)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client

from sayso.conversations.models import Case, Channel, Message
from sayso.listening.models import Mention, Outcome, Source
from sayso.listening.services import source_create, source_update

SITE = "https://www.haulright.example"
URL = "/o/haulright/widget/messages"

pytestmark = pytest.mark.django_db


@pytest.fixture
def widget(org: Any) -> Source:
    return source_create(
        organization=org, name="Website widget", kind="widget", allowed_origins=SITE
    )


def post(
    client: Client,
    payload: Any,
    *,
    origin: str | None = SITE,
    url: str = URL,
    content_type: str = "application/json",
) -> Any:
    headers = {"Origin": origin} if origin is not None else {}
    data = payload if isinstance(payload, (str, bytes)) else json.dumps(payload)
    return client.post(url, data=data, content_type=content_type, headers=headers)


def feedback(**extra: str) -> dict[str, str]:
    return {
        "message": "The booking page froze when I picked Saturday. Could you check it?",
        "email": "dana@whitfield.example",
        "page": f"{SITE}/reserve",
        "submission_id": str(uuid.uuid4()),
        **extra,
    }


def assert_cors_for(response: Any, origin: str) -> None:
    assert response["Access-Control-Allow-Origin"] == origin
    assert "Origin" in response["Vary"]
    assert "Access-Control-Allow-Credentials" not in response


def test_a_post_from_an_allowed_site_opens_a_widget_case(client: Client, widget: Source) -> None:
    response = post(client, feedback())

    assert response.status_code == 201
    assert response.json() == {
        "ok": True,
        "message": "Thanks! Your message reached Haulright Trucks. To get the answer by email, "
        "confirm your address with the link we sent to it.",
    }
    assert_cors_for(response, SITE)
    mention = Mention.objects.get(source=widget)
    assert mention.outcome == Outcome.OPENED
    assert mention.url == f"{SITE}/reserve"
    message = mention.message
    assert message is not None
    assert message.channel == Channel.WIDGET
    assert message.body.startswith("The booking page froze")
    assert message.case.channel == Channel.WIDGET
    assert message.customer.identities.filter(value="dana@whitfield.example").exists()
    widget.refresh_from_db()
    assert widget.items_total == 1


def test_the_email_is_optional(client: Client, widget: Source) -> None:
    response = post(client, {"message": "Love the new trucks."})

    assert response.status_code == 201
    assert Message.objects.filter(channel=Channel.WIDGET).count() == 1


@pytest.mark.parametrize("origin", [None, "https://evil.example", "null", SITE + ".evil"])
def test_a_post_from_any_other_site_is_refused_without_cors(
    client: Client, widget: Source, origin: str | None
) -> None:
    response = post(client, feedback(), origin=origin)

    assert response.status_code == 403
    assert response.json()["error"] == "This site is not allowed to send feedback here."
    assert "Access-Control-Allow-Origin" not in response
    assert not Mention.objects.exists()


def test_a_disabled_widget_takes_no_posts(client: Client, widget: Source) -> None:
    source_update(source=widget, enabled=False)

    assert post(client, feedback()).status_code == 403
    assert not Mention.objects.exists()


def test_the_preflight_is_answered_for_an_allowed_site_only(client: Client, widget: Source) -> None:
    preflight_headers = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    allowed = client.options(URL, headers={"Origin": SITE, **preflight_headers})
    refused = client.options(URL, headers={"Origin": "https://evil.example", **preflight_headers})

    assert allowed.status_code == 204
    assert_cors_for(allowed, SITE)
    assert "POST" in allowed["Access-Control-Allow-Methods"]
    assert allowed["Access-Control-Allow-Headers"].lower() == "content-type"
    assert refused.status_code == 403
    assert "Access-Control-Allow-Origin" not in refused


def test_a_form_or_text_post_is_refused_as_unsupported(client: Client, widget: Source) -> None:
    as_text = post(client, json.dumps(feedback()), content_type="text/plain")
    as_form = client.post(URL, {"message": "hello"}, headers={"Origin": SITE})

    assert as_text.status_code == 415
    assert as_form.status_code == 415
    assert "application/json" in as_text.json()["error"]
    assert not Mention.objects.exists()


@pytest.mark.parametrize(
    "body", ["{not json", " ", "[1, 2]", '"text"', "[" * 5000 + "]" * 5000, b"\xff\xfe{}"]
)
def test_a_body_that_is_not_a_json_object_is_a_400(
    client: Client, widget: Source, body: str | bytes
) -> None:
    response = post(client, body)

    assert response.status_code == 400
    assert response.json()["ok"] is False
    assert_cors_for(response, SITE)


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"message": "   "}, "Write a message first."),
        ({"email": "x@example.com"}, "Write a message first."),
        ({"message": 42}, "“message” must be text."),
        ({"message": "Hi", "email": ["a"]}, "“email” must be text."),
        (
            {"message": "Hi", "email": "not-an-email"},
            "“not-an-email” is not a valid email address.",
        ),
        ({"message": "x" * 5001}, "The message is too long (5,000 characters at most)."),
        ({"message": "\ud800 broken"}, "“message” contains characters that are not valid text."),
    ],
)
def test_a_bad_message_is_a_400_that_says_why(
    client: Client, widget: Source, payload: dict[str, Any], error: str
) -> None:
    response = post(client, payload)

    assert response.status_code == 400
    assert response.json() == {"ok": False, "error": error}
    assert not Mention.objects.exists()


def test_a_body_over_the_limit_is_a_413(client: Client, widget: Source) -> None:
    response = post(client, feedback(message="x" * 40_000))

    assert response.status_code == 413
    assert not Mention.objects.exists()


def test_nul_characters_are_dropped_not_an_error(client: Client, widget: Source) -> None:
    response = post(client, feedback(message="Broken\x00 booking page"))

    assert response.status_code == 201
    assert Mention.objects.get().text == "Broken booking page"


def test_too_many_posts_from_one_address_are_a_429(
    client: Client, widget: Source, settings: Any
) -> None:
    settings.SAYSO_WIDGET_RATE_LIMIT_PER_MINUTE = 2
    codes = [post(client, feedback(message=f"Message number {n}")).status_code for n in range(3)]
    limited = post(client, feedback())

    assert codes == [201, 201, 429]
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert "Too many messages" in limited.json()["error"]
    assert_cors_for(limited, SITE)
    assert Mention.objects.count() == 2


def test_a_retried_submission_is_stored_once(client: Client, widget: Source) -> None:
    payload = feedback()

    first = post(client, payload)
    again = post(client, payload)

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json() == first.json()
    assert Mention.objects.count() == 1
    assert Message.objects.filter(channel=Channel.WIDGET).count() == 1
    assert Case.objects.count() == 1


def test_spam_is_held_and_the_sender_is_not_told(client: Client, widget: Source) -> None:
    response = post(
        client,
        feedback(
            message="Helpful read. Order sildenafil and more at http://rx-express-meds.net today.",
            email="",
        ),
    )

    assert response.status_code == 201
    assert response.json() == {
        "ok": True,
        "message": "Thanks! Your message reached Haulright Trucks.",
    }
    mention = Mention.objects.get()
    assert mention.is_spam
    assert mention.outcome == Outcome.SPAM
    assert not Message.objects.exists()


def test_another_organizations_widget_cannot_be_used(
    client: Client, widget: Source, other_org: Any
) -> None:
    source_create(
        organization=other_org,
        name="Website widget",
        kind="widget",
        allowed_origins="https://www.rival.example",
    )

    # Haulright's site cannot post to the rival, nor the rival's site to Haulright.
    to_rival = post(client, feedback(), url="/o/rival/widget/messages")
    from_rival = post(client, feedback(), origin="https://www.rival.example")

    assert to_rival.status_code == 403
    assert from_rival.status_code == 403
    assert not Mention.objects.exists()


def test_an_unknown_organization_is_a_404(client: Client, widget: Source) -> None:
    response = post(client, feedback(), url="/o/nobody/widget/messages")

    assert response.status_code == 404
    assert response.json()["ok"] is False


def test_only_post_and_the_preflight_are_allowed(client: Client, widget: Source) -> None:
    response = client.get(URL, headers={"Origin": SITE})

    assert response.status_code == 405
    assert response["Allow"] == "POST, OPTIONS"


def test_the_script_is_small_cacheable_javascript(client: Client) -> None:
    response = client.get("/widget.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert len(response.content) < 20 * 1024
    assert "public" in response["Cache-Control"]
    assert "max-age=" in response["Cache-Control"]
    body = response.content.decode()
    assert "data-org" in body
    assert "/widget/messages" in body
    assert 'credentials: "omit"' in body
    assert "randomUUID" in body
    again = client.get("/widget.js", headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304
    assert not again.content
