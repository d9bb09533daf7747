"""Any path under /api/ that is no operation (a non-numeric id, a typo) answers the API's
JSON 404, not the site's HTML page."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/cases/abc",
        "/customers/1.5",
        "/cases/-3/messages",
        "/ideas/%F0%9F%9A%90",
        "/cases/1%0A",
        "/nope",
    ],
)
def test_answers_a_json_404(api: Any, path: str) -> None:
    for send in (api.get, api.delete):
        response = send(path)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"detail": "Not found."}
    assert api.patch(path, {"status": "open"}).json() == {"detail": "Not found."}


def test_a_wrong_method_on_an_operation_is_a_json_405(api: Any) -> None:
    response = api.delete("/cases")
    assert response.status_code == 405 and set(response["Allow"].split(", ")) == {"GET", "POST"}
    assert response.json() == {"detail": "Method not allowed."}
