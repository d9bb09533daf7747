from __future__ import annotations

import socket
from typing import Any

import pytest

from sayso.core.models import Role
from tests import factories

pytest_plugins = ["tests.chromium"]

_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: Any) -> Any:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and (
        host.startswith("127.") or host in {"localhost", "::1"} or host.startswith("/")
    ):
        return _real_connect(self, address)
    if self.family == socket.AF_UNIX:
        return _real_connect(self, address)
    raise OSError(f"Network access outside this machine is blocked in tests: {address!r}")


@pytest.fixture(autouse=True)
def _block_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


@pytest.fixture(autouse=True)
def _test_settings(settings: Any, tmp_path: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SAYSO_DATA_DIR = str(tmp_path)
    settings.SAYSO_BASE_URL = "http://testserver"
    settings.SAYSO_RATE_LIMIT_PER_MINUTE = 1000
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Static files from the apps under their own names, whatever `make run` collected in var/.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"}
    }
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def org(db: Any) -> Any:
    return factories.make_org("Haulright Trucks", "haulright")


@pytest.fixture
def other_org(db: Any) -> Any:
    return factories.make_org("Rival Vans", "rival")


@pytest.fixture
def agent(org: Any) -> Any:
    return factories.make_member(org, Role.AGENT, username="agent").user


@pytest.fixture
def manager(org: Any) -> Any:
    return factories.make_member(org, Role.MANAGER, username="manager").user


@pytest.fixture
def admin_user(org: Any) -> Any:
    return factories.make_member(org, Role.ADMIN, username="boss").user


@pytest.fixture
def outsider(other_org: Any) -> Any:
    return factories.make_member(other_org, Role.ADMIN, username="outsider").user


@pytest.fixture
def customer(org: Any) -> Any:
    return factories.make_customer(org, "Ada Lovelace", "ada@example.com")


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks: Any) -> Any:
    """Run on-commit callbacks (task enqueues) inside a test transaction."""
    return django_capture_on_commit_callbacks


@pytest.fixture
def stand_in() -> Any:
    """A real HTTP server on 127.0.0.1 standing in for a blog, Mastodon or Bluesky."""
    from tests.listening.stand_in import StandIn

    with StandIn() as server:
        yield server


@pytest.fixture
def migrator(transactional_db: Any) -> Any:
    """A migration executor for tests of one data migration. The test migrates the schema back
    to the migration before, fills it and migrates forward; afterwards the schema is brought to
    the latest migrations again, so the tests after it do not meet a database without the newer
    columns."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    yield executor
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
