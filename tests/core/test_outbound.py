"""sayso.core.outbound: the address policy, the pinned connection and the limits, against real
HTTP servers on 127.0.0.1 (a name is pointed at them by replacing the resolver's answer)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from sayso.core import outbound
from tests.listening.sources import closed_port, record_connects
from tests.listening.stand_in import Reply, StandIn

FORBIDDEN = [
    "http://127.0.0.1:{port}/",
    "http://localhost:{port}/",
    "http://10.0.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/",
    "http://[::ffff:127.0.0.1]:{port}/",
    "http://[::1]:{port}/",
    "http://0.0.0.0:{port}/",
    "http://100.64.0.1/",
    "http://224.0.0.1/",
    "http://[64:ff9b::7f00:1]/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://loopback-name.example.com:{port}/",  # resolves to 127.0.0.1 (see the fixture)
    # 127.0.0.1 as the resolver also reads it.
    "http://2130706433:{port}/",
    "http://0x7f000001:{port}/",
    "http://127.1:{port}/",
]


@pytest.fixture
def attempts(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    return record_connects(monkeypatch)


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Names the resolver answers with given addresses, in turn (one list per lookup; the last
    answer repeats); other names resolve as usual."""
    answers: dict[str, list[str]] = {"loopback-name.example.com": ["127.0.0.1"]}
    lookups: dict[str, int] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host in answers:
            turn = lookups.get(host, 0)
            lookups[host] = turn + 1
            address = answers[host][min(turn, len(answers[host]) - 1)]
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (address, int(port or 0)))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    answers["__lookups__"] = lookups  # type: ignore[assignment]
    return answers


@pytest.fixture
def plain_stand_in() -> Iterator[StandIn]:
    with StandIn() as server:
        yield server


@pytest.mark.parametrize("template", FORBIDDEN)
def test_internal_addresses_are_refused_before_any_connection(
    template: str,
    settings: Any,
    plain_stand_in: StandIn,
    attempts: list[Any],
    resolver: dict[str, list[str]],
) -> None:
    settings.SAYSO_OUTBOUND_ALLOW = []
    plain_stand_in.route("/", Reply(body="secret internal page"))
    url = template.format(port=plain_stand_in.server.server_address[1])

    with pytest.raises(outbound.AddressRefused), outbound.client(timeout=2) as client:
        client.get(url)
    with pytest.raises(outbound.AddressRefused):
        outbound.requests_session().get(url, timeout=2)

    assert attempts == []
    assert plain_stand_in.requests == []


def test_a_name_with_one_internal_address_is_refused(
    settings: Any, resolver: dict[str, list[str]], attempts: list[Any]
) -> None:
    settings.SAYSO_OUTBOUND_ALLOW = []
    assert outbound.resolve("93.184.215.14", 80) == ["93.184.215.14"]
    resolver["mixed.example.com"] = ["10.1.2.3"]
    with pytest.raises(outbound.AddressRefused):
        outbound.resolve("mixed.example.com", 80)


def test_the_allow_list_lets_networks_and_names_through(
    settings: Any, plain_stand_in: StandIn, resolver: dict[str, list[str]]
) -> None:
    plain_stand_in.route("/", Reply(body="on-premises feed"))
    port = plain_stand_in.server.server_address[1]
    settings.SAYSO_OUTBOUND_ALLOW = ["127.0.0.1/32"]
    with outbound.client(timeout=2) as client:
        assert client.get(f"http://127.0.0.1:{port}/").text == "on-premises feed"
    settings.SAYSO_OUTBOUND_ALLOW = [".intranet.example"]
    resolver["feeds.intranet.example"] = ["127.0.0.1"]
    with outbound.client(timeout=2) as client:
        assert client.get(f"http://feeds.intranet.example:{port}/").status_code == 200
        with pytest.raises(outbound.AddressRefused):
            client.get(f"http://127.0.0.1:{port}/")


@pytest.mark.parametrize("target", ["http://169.254.169.254/latest/", "http://localhost:{port}/"])
def test_a_redirect_to_an_internal_address_is_refused(
    target: str, settings: Any, plain_stand_in: StandIn, attempts: list[Any]
) -> None:
    settings.SAYSO_OUTBOUND_ALLOW = ["127.0.0.1/32"]
    port = plain_stand_in.server.server_address[1]
    plain_stand_in.route("/feed", Reply(302, headers={"Location": target.format(port=port)}))
    plain_stand_in.route("/", Reply(body="internal"))

    with pytest.raises(outbound.AddressRefused), outbound.client(timeout=2) as client:
        client.get(f"{plain_stand_in.url}/feed")
    with pytest.raises(outbound.AddressRefused):
        outbound.requests_session().get(f"{plain_stand_in.url}/feed", timeout=2)

    assert [r.path for r in plain_stand_in.requests] == ["/feed", "/feed"]
    assert all(address[0] == "127.0.0.1" for address in attempts)


def test_the_connection_goes_to_the_address_that_was_checked(
    settings: Any, plain_stand_in: StandIn, resolver: dict[str, list[str]], attempts: list[Any]
) -> None:
    # DNS rebinding: the first answer is allowed, every later one internal. The name is
    # looked up once per connection, and the socket goes to the address that was checked.
    settings.SAYSO_OUTBOUND_ALLOW = ["127.0.0.1/32"]
    resolver["rebind.example.com"] = ["127.0.0.1", "10.9.9.9"]
    plain_stand_in.route("/feed", Reply(body="feed"))
    port = plain_stand_in.server.server_address[1]

    with outbound.client(timeout=2) as client:
        assert client.get(f"http://rebind.example.com:{port}/feed").text == "feed"

    assert resolver["__lookups__"]["rebind.example.com"] == 1  # type: ignore[index]
    assert attempts == [("127.0.0.1", port)]
    # Host header (and TLS's SNI) keep the name.
    assert plain_stand_in.requests[0].headers["host"] == f"rebind.example.com:{port}"


def test_sni_and_certificate_name_are_the_host_name(
    settings: Any, resolver: dict[str, list[str]]
) -> None:
    # A TLS listener on 127.0.0.1 records the SNI name the client sends.
    import ssl

    settings.SAYSO_OUTBOUND_ALLOW = ["127.0.0.1/32"]
    resolver["tls.example.com"] = ["127.0.0.1"]
    names: list[str | None] = []
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            try:
                hello = conn.recv(4096)
            except OSError:
                return
            names.append("tls.example.com" if b"tls.example.com" in hello else None)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    with pytest.raises(Exception), outbound.client(timeout=2) as client:  # noqa: B017
        client.get(f"https://tls.example.com:{port}/")
    thread.join(5)
    listener.close()
    assert names == ["tls.example.com"]
    assert ssl.HAS_SNI


def test_an_answer_larger_than_the_cap_is_cut_off(settings: Any, plain_stand_in: StandIn) -> None:
    settings.SAYSO_OUTBOUND_ALLOW = ["127.0.0.1/32"]
    settings.SAYSO_OUTBOUND_MAX_BYTES = 64 * 1024
    plain_stand_in.route("/big", Reply(body=b"x" * (256 * 1024)))
    plain_stand_in.route("/small", Reply(body=b"x" * 1024))

    with outbound.client(timeout=5) as client:
        assert len(client.get(f"{plain_stand_in.url}/small").content) == 1024
        with pytest.raises(outbound.ResponseTooLarge):
            client.get(f"{plain_stand_in.url}/big")
    with pytest.raises(outbound.ResponseTooLarge):
        outbound.requests_session().get(f"{plain_stand_in.url}/big", timeout=5)


def test_a_server_dripping_its_answer_is_stopped_at_the_total_time(settings: Any) -> None:
    # Each byte comes within the read timeout, so only a limit on the whole answer stops it.
    settings.SAYSO_OUTBOUND_ALLOW = ["127.0.0.1/32"]
    settings.SAYSO_OUTBOUND_TOTAL_SECONDS = 1
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    stop = threading.Event()

    def drip() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(4096)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
            for _ in range(100):
                if stop.wait(0.1):
                    return
                try:
                    conn.sendall(b"x")
                except OSError:
                    return

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    started = time.monotonic()
    try:
        with pytest.raises(outbound.ResponseTooSlow), outbound.client(timeout=2) as client:
            client.get(f"http://127.0.0.1:{port}/")
    finally:
        stop.set()
        thread.join(5)
        listener.close()
    assert time.monotonic() - started < 2.5


def test_proxies_from_the_environment_are_not_used(
    settings: Any, monkeypatch: pytest.MonkeyPatch, plain_stand_in: StandIn
) -> None:
    # A proxy would be the connection's real destination, unchecked.
    settings.SAYSO_OUTBOUND_ALLOW = ["127.0.0.1/32"]
    monkeypatch.setenv("HTTP_PROXY", "http://10.0.0.1:3128")
    monkeypatch.setenv("http_proxy", "http://10.0.0.1:3128")
    plain_stand_in.route("/feed", Reply(body="feed"))
    with outbound.client(timeout=2) as client:
        assert client.get(f"{plain_stand_in.url}/feed").text == "feed"
    assert outbound.requests_session().get(f"{plain_stand_in.url}/feed").text == "feed"


def test_forms_learn_of_internal_hosts_without_resolving(settings: Any) -> None:
    settings.SAYSO_OUTBOUND_ALLOW = []
    for host in [
        "127.0.0.1",
        "localhost",
        "10.0.0.1",
        "[fd00:ec2::254]",
        "metadata.google.internal",
    ]:
        assert "does not fetch from" in outbound.host_refusal(host)
    assert outbound.host_refusal("mastodon.social") == ""
    settings.SAYSO_OUTBOUND_ALLOW = ["10.0.0.0/8"]
    assert outbound.host_refusal("10.0.0.1") == ""


def test_requests_errors_keep_their_kind(settings: Any) -> None:
    settings.SAYSO_OUTBOUND_ALLOW = ["127.0.0.1/32"]
    with pytest.raises(requests.exceptions.ConnectionError) as failure:
        outbound.requests_session().get(f"http://127.0.0.1:{closed_port()}/", timeout=2)
    assert outbound.connection_failed(failure.value)
