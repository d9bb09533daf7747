"""Serve the real WSGI application over HTTP on 127.0.0.1 in a thread, and time requests to
it over one keep-alive connection, signed in through the real staff login form."""

from __future__ import annotations

import http.client
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

_CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class QuietHandler(WSGIRequestHandler):
    """Django's development request handler (HTTP/1.1 keep-alive), without a log line per
    request and with Nagle off so that headers and body are not held back by delayed ACKs."""

    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextmanager
def serving(application: WSGIHandler) -> Iterator[int]:
    """Serve ``application`` on 127.0.0.1 in a thread; yields the port."""
    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler)
    server.set_app(application)
    thread = threading.Thread(target=server.serve_forever, name="bench-http", daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class HttpClient:
    """One keep-alive HTTP/1.1 connection that keeps its cookies."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self._connection = self._connect()

    def _connect(self) -> http.client.HTTPConnection:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=900)
        connection.connect()
        assert connection.sock is not None
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self._connection.request(method, path, body=body, headers=headers)
        response = self._connection.getresponse()
        content = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie: SimpleCookie = SimpleCookie()
            cookie.load(header)
            self.cookies.update({name: morsel.value for name, morsel in cookie.items()})
        if response.will_close:
            self._connection.close()
            self._connection = self._connect()
        return response.status, content

    def get(self, path: str) -> tuple[int, bytes]:
        return self.request("GET", path)

    def timed_get(self, path: str) -> tuple[float, int, bytes]:
        """One GET, timed from sending the request to reading the last byte (ms)."""
        start = time.perf_counter()
        status, content = self.get(path)
        return (time.perf_counter() - start) * 1000, status, content

    def log_in(self, username: str, password: str) -> None:
        """Sign in through the real /staff/login/ form, CSRF token and all."""
        status, page = self.get("/staff/login/")
        match = _CSRF_RE.search(page.decode())
        if status != 200 or match is None:
            raise RuntimeError(f"the login page answered {status} without a CSRF token")
        form = urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": match[1]}
        )
        status, _ = self.request(
            "POST",
            "/staff/login/",
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://127.0.0.1:{self.port}/staff/login/",
            },
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"signing in as {username} failed (HTTP {status})")

    def close(self) -> None:
        self._connection.close()
