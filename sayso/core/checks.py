"""Sayso's own deployment checks, run by ``sayso check --deploy`` with Django's.

Django's deploy checks cover DEBUG, HSTS, the HTTPS redirect, secure cookies and a weak
SECRET_KEY; these add what only Sayso knows: the development key file, the development host
names, the encryption key for source credentials, the Content-Security-Policy and the public
address. Each names the environment variable that fixes it (docs/deploy.md).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, register
from django.core.checks import Warning as CheckWarning

DEVELOPMENT_HOSTS = {"127.0.0.1", "localhost", "[::1]", "testserver", "*"}
CSP_MIDDLEWARE = "csp.middleware.CSPMiddleware"
UNSAFE_SCRIPT = {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"}


def _from_environment(name: str) -> bool:
    return bool(os.environ.get(name) or os.environ.get(f"{name}_FILE"))


def _development_key_file_in_use() -> bool:
    key_file = Path(settings.DATA_DIR) / "secret_key"
    try:
        return key_file.read_text(encoding="utf-8").strip() == settings.SECRET_KEY
    except OSError:
        return False


def _csp_problem() -> str | None:
    if CSP_MIDDLEWARE not in settings.MIDDLEWARE:
        return f"{CSP_MIDDLEWARE} is not in MIDDLEWARE: pages are sent without a policy."
    policy: dict[str, Any] = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
    directives: dict[str, Any] = policy.get("DIRECTIVES") or {}
    for name in ("default-src", "object-src", "base-uri", "frame-ancestors"):
        if not directives.get(name):
            return f"CONTENT_SECURITY_POLICY sets no {name}."
    scripts = set(directives.get("script-src") or directives["default-src"])
    if scripts & UNSAFE_SCRIPT:
        allowed = ", ".join(sorted(scripts & UNSAFE_SCRIPT))
        return f"CONTENT_SECURITY_POLICY lets scripts run from {allowed}."
    return None


@register(Tags.security, "sayso", deploy=True)
def sayso_deploy_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    if not _from_environment("SAYSO_SECRET_KEY") or _development_key_file_in_use():
        problems.append(
            CheckWarning(
                "The secret key is the development one generated in the data directory.",
                hint="Set SAYSO_SECRET_KEY_FILE (or SAYSO_SECRET_KEY) to a long random key "
                "kept outside the data directory.",
                id="sayso.W001",
            )
        )
    development_hosts = sorted(set(settings.ALLOWED_HOSTS) & DEVELOPMENT_HOSTS)
    if development_hosts:
        problems.append(
            CheckWarning(
                f"ALLOWED_HOSTS holds development names: {', '.join(development_hosts)}.",
                hint="Set SAYSO_ALLOWED_HOSTS to the site's host name(s), e.g. "
                "support.example.com.",
                id="sayso.W002",
            )
        )
    if not (settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE):
        problems.append(
            CheckWarning(
                "Session and CSRF cookies are also sent over plain HTTP.",
                hint="Set SAYSO_SECURE_COOKIES=true.",
                id="sayso.W003",
            )
        )
    csp = _csp_problem()
    if csp:
        problems.append(
            CheckWarning(
                csp,
                hint="Keep the Content-Security-Policy of sayso/settings.py.",
                id="sayso.W004",
            )
        )
    if not _from_environment("SAYSO_ENCRYPTION_KEY"):
        problems.append(
            CheckWarning(
                "Source credentials are encrypted with a key generated in the data directory.",
                hint="Set SAYSO_ENCRYPTION_KEY_FILE (or SAYSO_ENCRYPTION_KEY) to a Fernet key "
                "kept outside the data directory and its backups.",
                id="sayso.W005",
            )
        )
    if not settings.SAYSO_BASE_URL.startswith("https://"):
        problems.append(
            CheckWarning(
                f"SAYSO_BASE_URL ({settings.SAYSO_BASE_URL}) is not an https:// address: "
                "links in emails and feeds would send people over plain HTTP.",
                hint="Set SAYSO_BASE_URL to the public https:// address.",
                id="sayso.W006",
            )
        )
    return problems
