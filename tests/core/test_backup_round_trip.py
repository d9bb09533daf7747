"""`sayso backup` and `sayso restore` round trips on SQLite and PostgreSQL: data written, backed
up, changed, restored — the backed-up data is back and the later change gone; a restore over a
database that holds data needs --force (issue 22). Each runs the real commands in their own
processes against a database of their own."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

SAYSO = [sys.executable, "-m", "sayso"]
NAMES = (
    "import django, json; django.setup();"
    "from sayso.core.models import Organization;"
    "print(json.dumps(sorted(Organization.objects.values_list('slug', flat=True))))"
)


def _env(tmp_path: Path, database_url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sayso.settings",
        "SAYSO_DATA_DIR": str(tmp_path),
        "DATABASE_URL": database_url,
    }
    env.pop("SAYSO_DEBUG", None)
    return env


def _run(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env, capture_output=True, text=True, check=check)


def _add_org(env: dict[str, str], slug: str) -> None:
    code = (
        "import django; django.setup(); from tests import factories;"
        f"factories.make_org({slug.title()!r}, {slug!r})"
    )
    _run(env, sys.executable, "-c", code)


def _slugs(env: dict[str, str]) -> list[str]:
    import json

    return list(json.loads(_run(env, sys.executable, "-c", NAMES).stdout.splitlines()[-1]))


def _round_trip(env: dict[str, str], tmp_path: Path) -> None:
    _run(env, *SAYSO, "migrate", "--no-input", "-v", "0")
    _add_org(env, "before")
    made = _run(env, *SAYSO, "backup").stdout.strip().splitlines()[-1]
    backup = Path(made)
    assert backup.is_file() and backup.parent == tmp_path / "backups"
    _add_org(env, "after")
    assert _slugs(env) == ["after", "before"]
    refused = _run(env, *SAYSO, "restore", str(backup), check=False)
    assert refused.returncode != 0 and "--force" in refused.stderr
    assert _slugs(env) == ["after", "before"]  # nothing touched
    _run(env, *SAYSO, "restore", str(backup), "--force")
    assert _slugs(env) == ["before"]
    missing = _run(env, *SAYSO, "restore", str(tmp_path / "nothing.bak"), "--force", check=False)
    assert missing.returncode != 0 and "No backup" in missing.stderr


def test_sqlite_backup_and_restore(tmp_path: Path) -> None:
    env = _env(tmp_path, f"sqlite:///{tmp_path / 'sayso.sqlite3'}")
    _round_trip(env, tmp_path)
    # A file that is not a backup is refused before anything changes.
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    refused = _run(env, *SAYSO, "restore", str(junk), "--force", check=False)
    assert refused.returncode != 0 and "not a SQLite backup" in refused.stderr
    assert _slugs(env) == ["before"]


@pytest.fixture
def scratch_postgres() -> Iterator[str]:
    """A database of its own on the suite's PostgreSQL server (runs only on PostgreSQL)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("the suite is on SQLite: .ci/run runs this on PostgreSQL")
    import psycopg

    name = f"sayso_backup_{uuid.uuid4().hex[:8]}"
    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_postgresql_backup_and_restore(tmp_path: Path, scratch_postgres: str) -> None:
    _round_trip(_env(tmp_path, scratch_postgres), tmp_path)
