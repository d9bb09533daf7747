"""``sayso check --deploy`` passes, without a single warning, on the production environment
docs/deploy.md installs (deploy/env.example, read from the file itself), and
reports every problem of the development defaults."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.test import override_settings

from sayso.core.checks import sayso_deploy_check

ROOT = Path(__file__).resolve().parents[2]
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
ENV_FILE = ROOT / "deploy" / "env.example"


def documented_environment() -> dict[str, str]:
    """The variables of deploy/env.example, the environment file docs/deploy.md installs as
    /etc/sayso/env (read from the file itself, so the two cannot drift apart)."""
    environment: dict[str, str] = {}
    for line in ENV_FILE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, value = line.partition("=")
        environment[name.strip()] = value.split("  #")[0].strip()
    assert "/etc/sayso/env" in DEPLOY_DOC.read_text(encoding="utf-8")
    return environment


def _check(environment: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sayso.cli", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), **environment},
        cwd=tmp_path,
        timeout=180,
    )


def test_the_documented_production_settings_pass_with_no_warning(tmp_path: Path) -> None:
    environment = documented_environment()
    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir()
    receipt_key = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    contents = {
        "secret_key": secrets.token_urlsafe(50),
        "encryption_key": Fernet.generate_key().decode(),
        "smtp_password": "smtp-secret",
        "receipt_signing_key.pem": receipt_key.decode(),
    }
    for name, value in environment.items():
        if name.endswith("_FILE"):  # the files the environment keeps a secret in
            secret = secrets_dir / Path(value).name
            secret.write_text(contents[secret.name], encoding="utf-8")
            environment[name] = str(secret)
    # The database and data directory of this test (SQLite: no server to reach).
    environment["DATABASE_URL"] = f"sqlite:///{tmp_path / 'sayso.sqlite3'}"
    environment["SAYSO_DATA_DIR"] = str(tmp_path / "data")
    environment["SAYSO_MODEL_CACHE"] = str(tmp_path / "models")
    assert {"SAYSO_HSTS_SECONDS", "SAYSO_SSL_REDIRECT", "SAYSO_TRUSTED_PROXY_COUNT"} <= set(
        environment
    )

    result = _check(environment, tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_the_development_defaults_are_reported_problem_by_problem(tmp_path: Path) -> None:
    result = _check({"SAYSO_DATA_DIR": str(tmp_path / "data")}, tmp_path)

    assert result.returncode == 1
    for problem in (
        "sayso.W001",  # the generated development secret key
        "sayso.W002",  # ALLOWED_HOSTS of a laptop
        "sayso.W003",  # cookies over plain HTTP
        "sayso.W005",  # no encryption key from the environment
        "sayso.W006",  # an http:// base URL
        "security.W004",  # no HSTS
        "security.W008",  # no redirect to HTTPS
        "security.W012",  # insecure session cookie
    ):
        assert problem in result.stderr, problem
    assert "sayso.W004" not in result.stderr  # the policy itself is always there


def test_a_policy_allowing_inline_script_or_no_policy_at_all_is_reported() -> None:
    def ids() -> list[str]:
        return [message.id or "" for message in sayso_deploy_check()]

    assert "sayso.W004" not in ids()
    policy = {
        "DIRECTIVES": {
            "default-src": ["'self'"],
            "script-src": ["'self'", "'unsafe-inline'"],
            "object-src": ["'none'"],
            "base-uri": ["'self'"],
            "frame-ancestors": ["'none'"],
        }
    }
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        assert "sayso.W004" in ids()
    with override_settings(CONTENT_SECURITY_POLICY={}):
        assert "sayso.W004" in ids()
    without = [name for name in settings.MIDDLEWARE if name != "csp.middleware.CSPMiddleware"]
    with override_settings(MIDDLEWARE=without):
        assert "sayso.W004" in ids()
