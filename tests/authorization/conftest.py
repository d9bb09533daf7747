from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.authorization.world import World, world_fixture


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    """The seeded world, built once per test module and rolled back at its end."""
    yield from world_fixture(django_db_setup, django_db_blocker)
