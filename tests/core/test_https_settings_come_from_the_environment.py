"""HSTS, the redirect to HTTPS and the TLS proxy's header are set from the environment
(SAYSO_HSTS_*, SAYSO_SSL_REDIRECT, SAYSO_SECURE_PROXY_SSL_HEADER) and take effect on
responses; unset, none of them applies, and a malformed proxy header stops the start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# Run in a fresh interpreter: settings are read from the environment once, at start.
PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
client = Client()
plain = client.get("/static/sayso/sayso.css")
proxied = client.get("/static/sayso/sayso.css", HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({
    "proxy_header": list(getattr(settings, "SECURE_PROXY_SSL_HEADER", None) or []),
    "plain": [plain.status_code, plain.headers.get("Location", "")],
    "proxied": [proxied.status_code, proxied.headers.get("Strict-Transport-Security", "")],
    "referrer": proxied.headers.get("Referrer-Policy", ""),
    "nosniff": proxied.headers.get("X-Content-Type-Options", ""),
}))
"""


def _probe(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "sayso.settings",
        "SAYSO_DATA_DIR": str(tmp_path),
        "SAYSO_SECRET_KEY": "probe-" + "k" * 60,
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        env=environment,
        cwd=Path(__file__).resolve().parents[2],
        timeout=120,
    )


def test_set_they_redirect_to_https_and_send_hsts_behind_the_tls_proxy(tmp_path: Path) -> None:
    result = _probe(
        tmp_path,
        SAYSO_HSTS_SECONDS="31536000",
        SAYSO_HSTS_INCLUDE_SUBDOMAINS="true",
        SAYSO_HSTS_PRELOAD="true",
        SAYSO_SSL_REDIRECT="true",
        SAYSO_SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO=https",
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["proxy_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert seen["plain"] == [301, "https://testserver/static/sayso/sayso.css"]
    assert seen["proxied"] == [200, "max-age=31536000; includeSubDomains; preload"]
    assert seen["referrer"] == "same-origin" and seen["nosniff"] == "nosniff"


def test_unset_there_is_no_redirect_no_hsts_and_no_proxy_header_is_trusted(
    tmp_path: Path,
) -> None:
    result = _probe(tmp_path)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["proxy_header"] == []
    assert seen["plain"] == [200, ""]
    assert seen["proxied"] == [200, ""]


def test_a_malformed_proxy_header_setting_stops_the_start_with_a_clear_message(
    tmp_path: Path,
) -> None:
    result = _probe(tmp_path, SAYSO_SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto")
    assert result.returncode != 0
    assert "SAYSO_SECURE_PROXY_SSL_HEADER must be HEADER=value" in result.stderr
