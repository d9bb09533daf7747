"""The files docs/deploy.md installs, kept in deploy/, exercised as far as this machine allows:
the systemd units pass `systemd-analyze verify` (pointing at this checkout's `sayso`) and their
command lines parse with the commands' own argument parsers; the nginx site passes `nginx -t`
and, run for real in front of a stand-in upstream, redirects HTTP to HTTPS and sets the proxy
headers Sayso trusts (replacing a client's X-Forwarded-For). (deploy/env.example is exercised
by test_check_deploy_passes_on_the_documented_settings.py.)"""

from __future__ import annotations

import configparser
import datetime
import http.server
import json
import shlex
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.management import load_command_class

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
INSTALLED = "/opt/sayso/.venv/bin/sayso"


def _units() -> list[Path]:
    return sorted((DEPLOY / "systemd").glob("sayso-*"))


def test_every_file_the_guide_shows_is_in_the_repository() -> None:
    guide = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    for path in [*_units(), DEPLOY / "nginx" / "sayso.conf", DEPLOY / "env.example"]:
        assert str(path.relative_to(ROOT)) in guide, path


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_the_systemd_units_verify(tmp_path: Path) -> None:
    here = str(Path(sys.executable).parent / "sayso")
    paths = []
    for unit in _units():
        text = unit.read_text(encoding="utf-8").replace(INSTALLED, here)
        name = unit.name.replace("@.service", "@all.service")
        target = tmp_path / name
        target.write_text(text, encoding="utf-8")
        paths.append(str(target))
    done = subprocess.run(
        ["systemd-analyze", "verify", *paths], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _exec_lines(unit: Path) -> list[list[str]]:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(unit, encoding="utf-8")
    lines = []
    for key in ("ExecStart", "ExecReload", "ExecStartPost"):
        if parser.has_option("Service", key):
            words = shlex.split(parser.get("Service", key))
            if words[:2] == ["/bin/sh", "-c"]:  # the worker unit's queue choice
                for part in words[2].split(";"):
                    if "exec " in part:
                        lines.append(shlex.split(part.split("exec ", 1)[1].replace("%i", "x")))
            else:
                lines.append(words)
    return lines


def test_the_units_command_lines_parse_with_the_commands_own_parsers() -> None:
    seen = set()
    for unit in _units():
        for words in _exec_lines(unit):
            if words[0] != INSTALLED:
                continue
            command, *arguments = words[1:]
            handler = load_command_class("sayso.core", command)
            handler.create_parser("sayso", command).parse_args(arguments)
            seen.add(command)
    assert {"serve", "worker", "backup"} <= seen


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _certificate(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "support.example.com")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "fullchain.pem", directory / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class _Echo(http.server.BaseHTTPRequestHandler):
    """The upstream stand-in: answers with the headers it received."""

    def do_GET(self) -> None:
        body = json.dumps({k.lower(): v for k, v in self.headers.items()}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed here")
def test_the_nginx_site_redirects_to_https_and_sets_the_proxy_headers(tmp_path: Path) -> None:
    cert, key = _certificate(tmp_path)
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    http_port, https_port = _free_port(), _free_port()
    site = (DEPLOY / "nginx" / "sayso.conf").read_text(encoding="utf-8")
    site = (
        site.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream.server_port};")
        .replace("/etc/letsencrypt/live/support.example.com/fullchain.pem", str(cert))
        .replace("/etc/letsencrypt/live/support.example.com/privkey.pem", str(key))
        .replace("listen [::]:80;", "")
        .replace("listen [::]:443 ssl http2;", "")
        .replace("listen 80;", f"listen 127.0.0.1:{http_port};")
        .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    )
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"""
        error_log {tmp_path}/error.log;
        pid {tmp_path}/nginx.pid;
        events {{ worker_connections 64; }}
        http {{
            access_log off;
            client_body_temp_path {tmp_path}/body;
            proxy_temp_path {tmp_path}/proxy;
            fastcgi_temp_path {tmp_path}/fastcgi;
            uwsgi_temp_path {tmp_path}/uwsgi;
            scgi_temp_path {tmp_path}/scgi;
            include {tmp_path}/site.conf;
        }}
        """,
        encoding="utf-8",
    )
    nginx = ["nginx", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
    tested = subprocess.run([*nginx, "-t"], capture_output=True, text=True, timeout=60)
    assert tested.returncode == 0, tested.stderr
    server = subprocess.Popen([*nginx, "-g", "daemon off;"], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        plain = urllib.request.build_opener(_NoRedirect())
        request = urllib.request.Request(
            f"http://127.0.0.1:{http_port}/o/haulright/status/",
            headers={"Host": "support.example.com"},
        )
        try:
            plain.open(request, timeout=10)
            raise AssertionError("plain HTTP was served")
        except urllib.error.HTTPError as redirect:
            assert redirect.code == 301
            assert redirect.headers["Location"] == (
                "https://support.example.com/o/haulright/status/"
            )
        context = ssl.create_default_context(cafile=str(cert))
        context.check_hostname = False
        secure = urllib.request.Request(
            f"https://127.0.0.1:{https_port}/o/haulright/",
            headers={"Host": "support.example.com", "X-Forwarded-For": "6.6.6.6"},
        )
        with urllib.request.urlopen(secure, context=context, timeout=10) as response:
            seen = json.loads(response.read())
        assert seen["x-forwarded-proto"] == "https"
        assert seen["x-forwarded-for"] == "127.0.0.1"  # the client's claim replaced
        assert seen["host"] == "support.example.com"
    finally:
        server.terminate()
        server.wait(timeout=30)
        upstream.shutdown()
