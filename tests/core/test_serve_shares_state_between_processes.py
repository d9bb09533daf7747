"""`sayso serve` with two app processes behind one port: a staff session opened through one is
open on the other, and a rate limit counts requests whichever process answered them (issue
22). A round-robin proxy on one port sends each connection to the next process in turn, so
the test knows which process answered what."""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SAYSO = [sys.executable, "-m", "sayso"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RoundRobin:
    """Accepts on one port; connection i goes to backend i mod n. ``served`` records it."""

    def __init__(self, backends: list[int]) -> None:
        self.backends = backends
        self.served: list[int] = []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            backend = self.backends[len(self.served) % len(self.backends)]
            self.served.append(backend)
            upstream = socket.create_connection(("127.0.0.1", backend))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.server.close()


def _wait_for(port: int, process: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"sayso serve exited: {process.stdout.read()!r}")  # type: ignore[union-attr]
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"nothing listens on {port}")


@pytest.fixture
def two_processes(tmp_path: Path) -> Iterator[tuple[RoundRobin, dict[str, str]]]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sayso.settings",
        "SAYSO_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite3'}",
        "SAYSO_RATE_LIMIT_PER_MINUTE": "4",
        "SAYSO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "SAYSO_TASKS_BACKEND": "django_tasks.backends.dummy.DummyBackend",
        "SAYSO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    env.pop("SAYSO_DEBUG", None)
    subprocess.run([*SAYSO, "migrate", "--no-input", "-v", "0"], env=env, check=True)
    seed = (
        "from tests import factories; from sayso.core.models import Role;"
        "org = factories.make_org('Haulright Trucks', 'haulright');"
        "factories.make_member(org, Role.AGENT, username='agent')"
    )
    subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {seed}"], env=env, check=True
    )
    ports = [_free_port(), _free_port()]
    processes = [
        subprocess.Popen(
            [*SAYSO, "serve", "--workers", "1", "--bind", f"127.0.0.1:{port}", "--access-log", ""],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for port in ports
    ]
    proxy = None
    try:
        for port, process in zip(ports, processes, strict=True):
            _wait_for(port, process)
        proxy = RoundRobin(ports)
        yield proxy, env
    finally:
        if proxy is not None:
            proxy.close()
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


class Browser:
    """One client with a cookie jar; a new connection per request (so the proxy alternates)."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def get(self, path: str) -> tuple[int, str, dict[str, str]]:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, fields: dict[str, str]) -> tuple[int, str, dict[str, str]]:
        token = next((c.value for c in self.jar if c.name == "csrftoken"), "")
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
        request = urllib.request.Request(
            self.base + path, data=data, headers={"Referer": self.base + path}
        )
        return self._open(request)

    def _open(self, request: urllib.request.Request) -> tuple[int, str, dict[str, str]]:
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), dict(error.headers)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def test_a_session_and_a_rate_limit_span_both_processes(
    two_processes: tuple[RoundRobin, dict[str, str]],
) -> None:
    from tests.factories import PASSWORD

    proxy, _ = two_processes
    staff = Browser(proxy.port)
    status, page, _ = staff.get("/staff/login/")
    assert status == 200 and re.search(r'name="csrfmiddlewaretoken"', page)
    status, _, headers = staff.post("/staff/login/", {"username": "agent", "password": PASSWORD})
    assert status == 302, status
    signed_in_by = proxy.served[-1]
    status, _, headers = staff.get("/staff/")
    assert proxy.served[-1] != signed_in_by  # the other process...
    assert status in (200, 302) and "/staff/login" not in headers.get("Location", "")  # ...knows

    customer = Browser(proxy.port)
    assert customer.get("/o/haulright/signin/")[0] == 200
    answers = []
    for n in range(5):
        status, _, _ = customer.post("/o/haulright/signin/", {"email": f"c{n}@example.com"})
        answers.append((status, proxy.served[-1]))
    assert [status for status, _ in answers] == [200, 200, 200, 200, 429], answers
    assert {backend for _, backend in answers[:4]} == set(proxy.backends)
