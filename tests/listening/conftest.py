from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.listening.stand_in import StandIn


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    with StandIn() as server:
        yield server
