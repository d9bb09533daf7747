"""Backups of the database: `sayso backup` writes one file, `sayso restore FILE` reads it back.

- SQLite: SQLite's online backup API (a consistent copy while the server and workers run),
  written as a SQLite database file.
- PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean --if-exists --no-owner``,
  from ``PATH`` or, where PostgreSQL's client programs are not installed, from the ``pgserver``
  wheel (the same major version as its server).

A restore refuses to overwrite a database that holds Sayso's data unless told to (``force``).
The data directory's other files (the generated secret key and encryption key, when they are
not given through the environment) are not in the database: back them up with it
(docs/deploy.md).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections


class BackupError(Exception):
    """What went wrong, in words for the operator."""


def _vendor() -> str:
    return str(connection.vendor)


def backup_default_path() -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    suffix = "sqlite3" if _vendor() == "sqlite" else "pgdump"
    return Path(settings.DATA_DIR) / "backups" / f"sayso-{stamp}.{suffix}"


def _candidates(name: str) -> list[str]:
    found = []
    if os.environ.get("SAYSO_PG_BIN"):
        found.append(str(Path(os.environ["SAYSO_PG_BIN"]) / name))
    if shutil.which(name):
        found.append(str(shutil.which(name)))
    try:
        import pgserver
    except ImportError:
        pass
    else:
        found.append(str(Path(pgserver.__file__).parent / "pginstall" / "bin" / name))
    return [path for path in found if Path(path).exists()]


def _major(program: str) -> int:
    done = subprocess.run([program, "--version"], capture_output=True, text=True)
    digits = re.search(r"(\d+)(?:\.\d+)?", done.stdout)
    return int(digits.group(1)) if digits else 0


def pg_program(name: str) -> str:
    """``pg_dump`` or ``pg_restore`` of the server's major version or newer (pg_dump refuses
    an older one): from ``SAYSO_PG_BIN``, ``PATH``, or the ``pgserver`` wheel."""
    connection.ensure_connection()
    server = int(connection.connection.info.server_version) // 10000
    candidates = _candidates(name)
    for program in candidates:
        if _major(program) >= server:
            return program
    raise BackupError(
        f"No {name} of PostgreSQL {server} or newer (found: {', '.join(candidates) or 'none'}); "
        "install PostgreSQL's client programs or set SAYSO_PG_BIN."
    )


def _pg_environment() -> tuple[list[str], dict[str, str]]:
    db: dict[str, Any] = connection.settings_dict
    args = ["--dbname", str(db["NAME"])]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _sqlite_path() -> str:
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        raise BackupError("An in-memory database has nothing to back up.")
    return name


def backup_create(*, output: Path | None = None) -> Path:
    """Write a backup of the database to ``output`` (by default a timestamped file under the
    data directory's ``backups/``) and return its path."""
    target = output or backup_default_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    if _vendor() == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(_sqlite_path())
        try:
            destination = sqlite3.connect(partial)
            try:
                source.backup(destination)
            finally:
                destination.close()
        finally:
            source.close()
    elif _vendor() == "postgresql":
        args, env = _pg_environment()
        done = subprocess.run(
            [pg_program("pg_dump"), "--format=custom", "--no-owner", "--file", str(partial), *args],
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            partial.unlink(missing_ok=True)
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    else:
        raise BackupError(f"Backups of a {_vendor()} database are not supported.")
    partial.replace(target)  # a backup file is complete or absent
    return target


def database_holds_data() -> bool:
    """Whether the database has Sayso's tables with any organization in them."""
    tables = connection.introspection.table_names()
    if "core_organization" not in tables:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM core_organization LIMIT 1")
        return cursor.fetchone() is not None


def backup_restore(*, source: Path, force: bool = False) -> None:
    """Replace the database's contents with the backup at ``source``."""
    if not source.is_file():
        raise BackupError(f"No backup at {source}.")
    if database_holds_data() and not force:
        raise BackupError(
            "The database holds data: restoring would replace it. Give --force to do so."
        )
    if _vendor() == "sqlite":
        try:
            backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            backup.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{source} is not a SQLite backup: {error}") from error
        connections.close_all()
        destination = sqlite3.connect(_sqlite_path())
        try:
            backup.backup(destination)
        finally:
            destination.close()
            backup.close()
    elif _vendor() == "postgresql":
        args, env = _pg_environment()
        connections.close_all()
        done = subprocess.run(
            [
                pg_program("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                *args,
                str(source),
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
    else:
        raise BackupError(f"Restoring a {_vendor()} database is not supported.")
