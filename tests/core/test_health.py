"""/health/ for load balancers: 200 while the database answers, 503 when it does not."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError
from django.test import Client


@pytest.mark.django_db
def test_health_answers_ok_while_the_database_answers() -> None:
    response = Client().get("/health/")
    assert response.status_code == 200 and response.json() == {"ok": True}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_health_answers_503_when_the_database_does_not(monkeypatch: Any) -> None:
    from django.db.backends.utils import CursorWrapper

    def broken(self: Any, sql: str, params: Any = None) -> Any:
        raise DatabaseError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", broken)
    response = Client().get("/health/")
    assert response.status_code == 503 and response.json() == {"ok": False}
