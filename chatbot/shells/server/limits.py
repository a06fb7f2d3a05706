"""Per-client limits: how many requests, and how many new conversations, one client may make.

Without them one client could start 100,000 conversations in about 95 s and push every real one
out of the store. A client is its address (an IPv6 address by its /64 network, which one machine
usually holds whole), or, when the request comes through a trusted reverse proxy, the address that
proxy names in `X-Forwarded-For`. Each client has two token buckets, refilled evenly over a minute;
an empty one is a 429 JSON error with `Retry-After`.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from ...errors import InputError
from ...settings import Settings
from .http import RequestError, error_response

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_CLIENTS = 100_000
"""Buckets kept at once (about 100 bytes each); the least recently seen client is forgotten first."""


def networks(values: Iterable[str], setting: str) -> tuple[Network, ...]:
    """Addresses or networks (`10.0.0.0/8`, `::1`) from a setting, where `none` stands for no
    network (an empty environment variable means "not set"); anything else is an InputError."""
    found = []
    for value in values:
        if value.strip().lower() == "none":
            continue
        try:
            found.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise InputError(f"{setting}: {value!r} is not an IP address or network such as 10.0.0.0/8") from None
    return tuple(found)


class Bucket:
    """Up to `per_minute` tokens, refilled at `per_minute` a minute."""

    __slots__ = ("tokens", "updated")

    def __init__(self, tokens: float, now: float) -> None:
        self.tokens, self.updated = tokens, now


class RateLimit:
    """One token bucket per client, for one kind of thing counted; 0 per minute means no limit."""

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: OrderedDict[str, Bucket] = OrderedDict()

    def take(self, client: str) -> float:
        """Count one for `client`: 0.0 if allowed, else the seconds until it will be."""
        if self.capacity <= 0:
            return 0.0
        with self._lock:
            now = self._clock()
            bucket = self._buckets.get(client)
            if bucket is None:
                bucket = self._buckets[client] = Bucket(self.capacity, now)
                while len(self._buckets) > MAX_CLIENTS:
                    self._buckets.popitem(last=False)
            else:
                bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
                bucket.updated = now
                self._buckets.move_to_end(client)
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.rate


class ClientLimits:
    """Who the client is, and whether it may make another request or start another conversation."""

    def __init__(self, settings: Settings, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.trusted = networks(settings.trusted_proxies, "trusted_proxies")
        self.unlimited = networks(settings.unlimited_clients, "unlimited_clients")
        self.requests = RateLimit(settings.client_requests_per_minute, clock=clock)
        self.sessions = RateLimit(settings.client_sessions_per_minute, clock=clock)

    def client(self, scope: Scope) -> str | None:
        """The client's key, or None for a client that is never limited."""
        peer = scope.get("client")
        address = _address(peer[0]) if peer else None
        if address is None:
            return None  # a Unix socket, or a test transport: nobody to tell apart
        if self.trusted and _within(address, self.trusted):
            forwarded = Headers(scope=scope).getlist("x-forwarded-for")
            for hop in reversed([part for value in forwarded for part in value.split(",")]):
                hop_address = _address(hop.strip())
                if hop_address is None:
                    break  # a proxy wrote something else: the last address we can trust stands
                address = hop_address
                if not _within(address, self.trusted):
                    break
        if _within(address, self.unlimited):
            return None
        if address.version == 6:
            return str(ipaddress.ip_network(f"{address}/64", strict=False))
        return str(address)

    def new_session(self, client: str | None) -> None:
        """Count a new conversation for `client`; RequestError 429 past the limit."""
        if client is None:
            return
        wait = self.sessions.take(client)
        if wait:
            raise too_many("too_many_sessions", "too many new conversations from your address; continue one "
                           "you have (send its session_id), or try again in {} seconds", wait)

    def request(self, client: str | None) -> float:
        """Count a request for `client`: 0.0 if allowed, else the seconds to wait."""
        return 0.0 if client is None else self.requests.take(client)


def too_many(code: str, message: str, wait: float) -> RequestError:
    """A 429 whose message and Retry-After say the whole seconds to wait."""
    seconds = max(1, math.ceil(wait))
    return RequestError(429, code, message.format(seconds), headers={"retry-after": str(seconds)})


class LimitClients:
    """ASGI middleware: the request limit for every HTTP request, and the client's key kept in the
    request's state (`request.state.client`) for the conversation limit."""

    def __init__(self, app: ASGIApp, limits: ClientLimits) -> None:
        self.app, self.limits = app, limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = self.limits.client(scope)
        scope.setdefault("state", {})["client"] = client
        wait = self.limits.request(client)
        if wait:
            error = too_many("too_many_requests", "too many requests from your address; try again in {} seconds", wait)
            await error_response(error.status, error.code, error.message, error.headers)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _within(address: ipaddress.IPv4Address | ipaddress.IPv6Address, nets: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in nets)
