"""The one door for requests Sayso's server makes to the outside world (feeds, Mastodon,
Bluesky, webhooks): an address policy, a pinned connection, and limits on size and time.

    from sayso.core import outbound
    with outbound.client(timeout=10) as client:      # an httpx.Client
        client.get(url)
    session = outbound.requests_session()            # a requests.Session (Mastodon.py)

Every connection — the first request and every redirect hop — resolves its host once, refuses
it unless every address it would use is public (not loopback, private, link-local, shared,
reserved, multicast or unspecified, in IPv4 or IPv6, IPv4-mapped and NAT64/6to4 forms
included), and then connects to the address it checked, keeping the name for the ``Host``
header and TLS (SNI and certificate): a name cannot answer the check with a public address
and the connection with an internal one (DNS rebinding).

``SAYSO_OUTBOUND_ALLOW`` lists what an operator lets through anyway: networks in CIDR form
(``10.20.0.0/16``, ``127.0.0.1/32``) or host names (``feeds.intranet.example``; a leading dot,
``.intranet.example``, allows the name's subdomains too). Each response may be at most
``SAYSO_OUTBOUND_MAX_BYTES`` (counted on the wire) and take at most
``SAYSO_OUTBOUND_TOTAL_SECONDS`` from the request's start to its body's last byte, however
slowly a server drips it.

The errors (``OutboundError``) say what Sayso refused; callers that show errors to people
turn every connection failure — refused here, refused there, no answer, unknown name — into
one message (``UNREACHABLE``), so that the answers of internal hosts cannot be told apart.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx
import requests
from django.conf import settings
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

# One message for every way a connection can fail (see the module's docstring).
UNREACHABLE = (
    "Sayso could not connect to this address: it does not answer, or it is a local, private "
    "or otherwise non-public address that Sayso does not fetch from."
)
DEFAULT_MAX_BYTES = 32 * 1024 * 1024
DEFAULT_TOTAL_SECONDS = 60
MAX_REDIRECTS = 5
# Names that are internal whatever they resolve to (cloud metadata services, local names).
_INTERNAL_NAMES = ("localhost", "metadata.google.internal", "metadata")
_INTERNAL_SUFFIXES = (".localhost", ".internal", ".local", ".localdomain", ".home.arpa")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class OutboundError(Exception):
    """A request Sayso refused to make or to finish."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AddressRefused(OutboundError):
    """The host is (or resolves to) an address the policy does not allow."""


class ResponseTooLarge(OutboundError):
    """More bytes came than ``SAYSO_OUTBOUND_MAX_BYTES``."""


class ResponseTooSlow(OutboundError):
    """The response took longer than ``SAYSO_OUTBOUND_TOTAL_SECONDS``."""


@dataclass(frozen=True)
class Policy:
    networks: tuple[IPNetwork, ...] = ()
    hosts: tuple[str, ...] = ()
    max_bytes: int = DEFAULT_MAX_BYTES
    total_seconds: float = DEFAULT_TOTAL_SECONDS

    @classmethod
    def from_settings(cls) -> Policy:
        networks: list[IPNetwork] = []
        hosts: list[str] = []
        for entry in _entries(getattr(settings, "SAYSO_OUTBOUND_ALLOW", [])):
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                hosts.append(entry.lower().rstrip("."))
        return cls(
            networks=tuple(networks),
            hosts=tuple(hosts),
            max_bytes=int(getattr(settings, "SAYSO_OUTBOUND_MAX_BYTES", DEFAULT_MAX_BYTES)),
            total_seconds=float(
                getattr(settings, "SAYSO_OUTBOUND_TOTAL_SECONDS", DEFAULT_TOTAL_SECONDS)
            ),
        )

    def host_allowed(self, host: str) -> bool:
        name = host.lower().rstrip(".")
        for allowed in self.hosts:
            if name == allowed.lstrip(".") or (allowed.startswith(".") and name.endswith(allowed)):
                return True
        return False

    def address_allowed(self, address: IPAddress) -> bool:
        if any(
            address in network for network in self.networks if network.version == address.version
        ):
            return True
        return is_public(address)


def _entries(value: str | Iterable[str]) -> list[str]:
    items = value.split(",") if isinstance(value, str) else list(value)
    return [item.strip() for item in items if item and item.strip()]


def is_public(address: IPAddress) -> bool:
    """Whether an address is one of the public internet's (what Sayso may fetch from)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address.teredo is not None:
            embedded = address.teredo[1]
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None and not is_public(embedded):
            return False
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def _internal_name(host: str) -> bool:
    name = host.lower().rstrip(".")
    return name in _INTERNAL_NAMES or name.endswith(_INTERNAL_SUFFIXES)


def host_refusal(host: str, policy: Policy | None = None) -> str:
    """Why Sayso will not fetch from ``host`` as written (an internal address or name), without
    resolving it; "" when nothing is known against it. For forms: the fetch checks again."""
    policy = policy or Policy.from_settings()
    host = (host or "").strip()
    if not host or policy.host_allowed(host):
        return ""
    literal = _literal(host)
    if literal is not None:
        return "" if policy.address_allowed(literal) else _refused(host)
    return _refused(host) if _internal_name(host) else ""


def _refused(host: str) -> str:
    return (
        f"Sayso does not fetch from {host}: it is a local, private or otherwise non-public "
        "address (an operator can allow it with SAYSO_OUTBOUND_ALLOW)."
    )


def resolve(host: str, port: int, policy: Policy | None = None) -> list[str]:
    """The addresses of ``host`` that Sayso may connect to, in the resolver's order; raises
    ``AddressRefused`` when there is none (an internal name or address, or an unknown name)."""
    policy = policy or Policy.from_settings()
    by_name = policy.host_allowed(host)
    if not by_name and _internal_name(host):
        raise AddressRefused(_refused(host))
    literal = _literal(host)
    candidates: list[IPAddress | None] = []
    if literal is not None:
        candidates.append(literal)
    else:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            raise AddressRefused(f"{host} could not be resolved.") from None
        candidates.extend(_literal(str(info[4][0])) for info in infos)
    permitted: list[str] = []
    for address in candidates:
        if address is None:
            continue
        if by_name or policy.address_allowed(address):
            text = str(address)
            if text not in permitted:
                permitted.append(text)
        else:
            # One internal answer is enough to refuse the name: it points inside.
            raise AddressRefused(_refused(host))
    if not permitted:
        raise AddressRefused(_refused(host))
    return permitted


class _Meter:
    """The current response's budget: a deadline and the bytes received so far."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.deadline = time.monotonic() + policy.total_seconds
        self.received = 0

    def timeout(self, timeout: float | None) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise self.too_slow()
        return left if timeout is None else min(timeout, left)

    def too_slow(self) -> ResponseTooSlow:
        return ResponseTooSlow(
            f"The answer took longer than {self.policy.total_seconds:g} seconds; Sayso "
            "stopped reading it."
        )

    def expired(self) -> bool:
        return time.monotonic() >= self.deadline

    def count(self, size: int) -> None:
        self.received += size
        if self.received > self.policy.max_bytes:
            raise ResponseTooLarge(
                f"The answer is larger than {_size(self.policy.max_bytes)}; Sayso stopped "
                "reading it."
            )


def _size(count: int) -> str:
    if count >= 1024 * 1024 and count % (1024 * 1024) == 0:
        return f"{count // (1024 * 1024)} MB"
    return f"{count:,} bytes"


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, backend: _Backend) -> None:
        self._inner = inner
        self._backend = backend

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        meter = self._backend.meter
        try:
            data = self._inner.read(max_bytes, meter.timeout(timeout))
        except httpcore.ReadTimeout:
            if meter.expired():
                raise meter.too_slow() from None
            raise
        meter.count(len(data))
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        meter = self._backend.meter
        try:
            self._inner.write(buffer, meter.timeout(timeout))
        except httpcore.WriteTimeout:
            if meter.expired():
                raise meter.too_slow() from None
            raise

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        # TLS is for the name (SNI, certificate), though the socket goes to the checked address.
        inner = self._inner.start_tls(
            ssl_context, server_hostname, self._backend.meter.timeout(timeout)
        )
        return _Stream(inner, self._backend)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    """httpcore's socket backend, connecting only to addresses the policy checked."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._inner = httpcore.SyncBackend()
        self._local = threading.local()

    @property
    def meter(self) -> _Meter:
        meter: _Meter | None = getattr(self._local, "meter", None)
        if meter is None:
            meter = self.start()
        return meter

    def start(self) -> _Meter:
        meter = _Meter(self.policy)
        self._local.meter = meter
        return meter

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        failure: Exception | None = None
        for address in resolve(host, port, self.policy):
            try:
                stream = self._inner.connect_tcp(
                    address,
                    port,
                    timeout=self.meter.timeout(timeout),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
                continue
            return _Stream(stream, self)
        assert failure is not None
        raise failure

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise AddressRefused("Sayso does not fetch from local sockets.")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


_ssl_context: ssl.SSLContext | None = None
_ssl_lock = threading.Lock()


def _tls() -> ssl.SSLContext:
    """One TLS context for every outbound client (loading the CA bundle takes ~30 ms)."""
    global _ssl_context
    with _ssl_lock:
        if _ssl_context is None:
            _ssl_context = httpx.create_ssl_context(trust_env=False)
        return _ssl_context


class Transport(httpx.HTTPTransport):
    """An httpx transport that applies the policy to every connection it opens (redirect hops
    included) and gives each request its own size and time budget."""

    def __init__(self, policy: Policy | None = None) -> None:
        # httpx.HTTPTransport's own __init__ only builds the pool replaced here.
        self.policy = policy or Policy.from_settings()
        self._backend = _Backend(self.policy)
        self._pool = httpcore.ConnectionPool(
            ssl_context=_tls(),
            max_connections=10,
            max_keepalive_connections=5,
            keepalive_expiry=5.0,
            network_backend=self._backend,
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._backend.start()
        return super().handle_request(request)


def client(
    *,
    timeout: float,
    follow_redirects: bool = True,
    headers: dict[str, str] | None = None,
    policy: Policy | None = None,
) -> httpx.Client:
    """An ``httpx.Client`` through the policy (no proxies or ``.netrc`` from the environment)."""
    return httpx.Client(
        **client_options(timeout=timeout, policy=policy),
        headers=headers,
        follow_redirects=follow_redirects,
    )


def client_options(*, timeout: float, policy: Policy | None = None) -> dict[str, Any]:
    """Keyword arguments for an ``httpx.Client`` made by a library (the atproto SDK's)."""
    return {
        "transport": Transport(policy),
        "timeout": timeout,
        "trust_env": False,
        "max_redirects": MAX_REDIRECTS,
    }


class RequestsAdapter(BaseAdapter):
    """A ``requests`` adapter sending each request (each redirect hop: ``requests`` follows
    them itself) through the policy's httpx transport."""

    def __init__(self, policy: Policy | None = None) -> None:
        super().__init__()
        self._client = httpx.Client(transport=Transport(policy), trust_env=False)

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        if isinstance(timeout, tuple):
            timeout = httpx.Timeout(timeout[1], connect=timeout[0])
        body = request.body
        if body is not None and not isinstance(body, bytes | str):
            body = b"".join(_chunks(body))
        try:
            answer = self._client.request(
                str(request.method),
                str(request.url),
                headers={
                    k: v.decode("latin-1") if isinstance(v, bytes) else v
                    for k, v in request.headers.items()
                },
                content=body,
                timeout=timeout,
                follow_redirects=False,
            )
        except httpx.TimeoutException as exc:
            raise requests.exceptions.Timeout(str(exc), request=request) from exc
        except httpx.HTTPError as exc:
            raise requests.exceptions.ConnectionError(str(exc), request=request) from exc
        response = requests.Response()
        response.status_code = answer.status_code
        response.reason = answer.reason_phrase
        response.headers = CaseInsensitiveDict(
            {k: v for k, v in answer.headers.items() if k.lower() != "content-encoding"}
        )
        response._content = answer.content
        response._content_consumed = True
        response.encoding = requests.utils.get_encoding_from_headers(response.headers)
        response.url = str(request.url)
        response.request = request
        return response

    def close(self) -> None:
        self._client.close()


def _chunks(body: Any) -> Iterator[bytes]:
    for chunk in body:
        yield chunk.encode() if isinstance(chunk, str) else bytes(chunk)


def requests_session(policy: Policy | None = None) -> requests.Session:
    """A ``requests.Session`` whose every request goes through the policy."""
    session = requests.Session()
    session.trust_env = False
    session.max_redirects = MAX_REDIRECTS
    adapter = RequestsAdapter(policy)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def cause(exc: BaseException | None) -> OutboundError | None:
    """The policy's error behind a library's exception (Mastodon.py and atproto wrap it)."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OutboundError):
            return exc
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def connection_failed(exc: BaseException | None) -> bool:
    """Whether an error is a failure to connect (refused by the policy or by the host, no
    route, unknown name, no answer to the connection) rather than a bad answer."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(
            exc,
            AddressRefused
            | httpx.ConnectError
            | httpx.ConnectTimeout
            | httpcore.ConnectError
            | httpcore.ConnectTimeout
            | requests.exceptions.ConnectionError
            | ConnectionError,
        ):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False
