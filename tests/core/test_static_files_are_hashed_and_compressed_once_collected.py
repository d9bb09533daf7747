"""After `sayso collectstatic` (every deployment, and `make run`) static files are linked under
content-hashed names, served pre-compressed and cached for a year; a checkout that never
collected serves them under their own names (issue 22)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CHECK = r"""
import django, json, re
django.setup()
from django.conf import settings
from django.test import Client
page = Client().get("/staff/login/").text
css = re.search(r'href="(/static/sayso/sayso[^"]*\.css)"', page).group(1)
plain = Client().get(css)
gzip = Client().get(css, HTTP_ACCEPT_ENCODING="gzip, br")
print(json.dumps({
    "collected": settings.STATIC_COLLECTED,
    "css": css,
    "status": plain.status_code,
    "cache": plain.get("Cache-Control", ""),
    "encoding": gzip.get("Content-Encoding", ""),
}))
"""


def _run(tmp_path: Path, *args: str) -> str:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sayso.settings",
        "SAYSO_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "SAYSO_ALLOWED_HOSTS": "testserver",
    }
    env.pop("SAYSO_DEBUG", None)
    done = subprocess.run(args, env=env, check=True, capture_output=True, text=True)
    return done.stdout


def test_collected_static_files_are_hashed_compressed_and_cached_for_a_year(
    tmp_path: Path,
) -> None:
    before = json.loads(_run(tmp_path, sys.executable, "-c", CHECK).splitlines()[-1])
    assert before["collected"] is False
    assert before["css"] == "/static/sayso/sayso.css" and before["status"] == 200
    _run(tmp_path, sys.executable, "-m", "sayso", "collectstatic", "--no-input", "-v", "0")
    assert (tmp_path / "static" / "staticfiles.json").exists()
    after = json.loads(_run(tmp_path, sys.executable, "-c", CHECK).splitlines()[-1])
    assert after["collected"] is True
    assert after["css"] != "/static/sayso/sayso.css"  # sayso.<hash>.css
    assert after["status"] == 200
    assert "max-age=315360000" in after["cache"] and "immutable" in after["cache"]
    assert after["encoding"] in ("br", "gzip")
