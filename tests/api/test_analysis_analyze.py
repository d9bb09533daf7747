"""POST /api/v1/analyze"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_analyzes_a_batch_of_texts(api: Any) -> None:
    text = "The truck smelled of smoke and the tank was empty."
    response = api.post(
        "/analyze",
        {
            "items": [
                {"text": text, "author": "Ola", "created_at": "2025-05-01T09:00:00Z"},
                {
                    "text": "Great blog, keep it up!",
                    "author": "Cheap SEO Services London",
                    "author_url": "https://cheap-seo-london.com",
                },
                {"text": text, "author": "Ola"},
                {"text": "Is Haulmax cheaper than you for a weekend?"},
            ],
            "competitors": ["Haulmax"],
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert body["model_version"].startswith("analysis-")
    first, spam, repeat, rival = body["results"]
    assert first["sentiment"] == "negative" and "complaint" in first["intents"]
    assert spam["is_spam"] is True and spam["reasons"]
    assert repeat["duplicate_of"] == 0
    assert "competitor_mention" in rival["intents"]


@pytest.mark.parametrize(
    "body",
    [
        {"items": []},
        {"items": [{"text": ""}]},
        {"items": [{"author": "no text"}]},
        {"items": [{"text": "hi"}] * 257},
        {"texts": ["hi"]},
    ],
)
def test_refuses_bad_input(api: Any, body: Any) -> None:
    response = api.post("/analyze", body)

    assert response.status_code in {400, 422}


def test_a_blank_text_is_refused_with_a_message(api: Any) -> None:
    response = api.post("/analyze", {"items": [{"text": "   "}]})

    assert response.status_code == 400
    assert response.json() == {"detail": "Every item needs a non-empty text."}


def test_needs_a_token_with_cases_read(scoped_api: Any, client: Any) -> None:
    body = {"items": [{"text": "hello"}]}

    assert scoped_api("customers:read").post("/analyze", body).status_code == 403
    assert scoped_api("cases:read").post("/analyze", body).status_code == 200
    assert client.post("/api/v1/analyze", body, content_type="application/json").status_code == 401


def test_created_at_in_any_common_form_is_read_and_a_bad_one_is_a_warning(api: Any) -> None:
    """Like `sayso analyze`: the forms people and exports write are read, a time without a
    zone is taken as UTC (and said), one that cannot be read leaves the item analyzed
    without it — never a 422 for an optional field."""
    forms = [
        "February 23, 2005 at 04:48 AM",
        "Tue, 15 Nov 1994 08:12:31 GMT",
        1109134080,
        "1109134080",
        "2025-05-01T09:00:00+02:00",
        "sometime last spring",
        {"year": 2025},
    ]
    response = api.post(
        "/analyze", {"items": [{"text": "Thanks, great service!", "created_at": f} for f in forms]}
    )

    assert response.status_code == 200
    warnings = [r["warnings"] for r in response.json()["results"]]
    assert warnings[0] == ["“created_at” has no time zone: read as UTC"]
    assert warnings[1:5] == [[], [], [], []]
    assert warnings[5] == [
        "“created_at” was not understood ('sometime last spring'): analyzed without it"
    ]
    assert warnings[6] == [
        "“created_at” was not understood ('{\"year\": 2025}'): analyzed without it"
    ]
    assert all(r["sentiment"] == "positive" for r in response.json()["results"])
