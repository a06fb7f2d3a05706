"""One JSON line per request, and the request id that ties it to the client's own logs.

Each line holds the time it arrived, the request id, the method, the route (the path pattern, never the raw
path), the status, the latency, and, for a turn of a conversation, the intent answered and whether
it fell back. The question itself is a visitor's own words: it is logged only when
`Settings.log_questions` is on. A client may send `X-Request-ID` (letters, digits and `._:-`, at
most 128); otherwise one is made. Either way it is echoed in the response.

The lines go to the `chatbot.access` logger; `chatbot serve` prints them on standard error in place
of uvicorn's plain access log. Every request is also counted in the app's `Metrics`.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ...dialogue.reply import Reply
from .metrics import Metrics

REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
UNMATCHED = "unmatched"
"""The route label of a request no route took (a 404, a CORS preflight): raw paths would let any
client create new label values."""

log = logging.getLogger("chatbot.access")


@dataclass
class Exchange:
    """What one request (or one Socket.IO message) did, filled in as it is handled."""

    request_id: str
    method: str
    route: str = UNMATCHED
    status: int = 500
    intent: str | None = None
    fallback: bool | None = None
    question: str | None = None
    arrived: float = field(default_factory=time.time)


_current: ContextVar[Exchange | None] = ContextVar("chatbot_exchange", default=None)


class Observer:
    """Times exchanges, counts them in the metrics and writes their access-log lines."""

    def __init__(self, metrics: Metrics, *, log_questions: bool = False) -> None:
        self.metrics = metrics
        self.log_questions = log_questions

    @contextmanager
    def exchange(self, method: str, route: str = UNMATCHED, request_id: str | None = None) -> Iterator[Exchange]:
        """The exchange being handled, current for `answered` until the block ends; then counted and logged."""
        exchange = Exchange(request_id if request_id and REQUEST_ID.fullmatch(request_id) else secrets.token_hex(8),
                            method, route)
        token = _current.set(exchange)
        started = time.perf_counter()
        try:
            yield exchange
        finally:
            _current.reset(token)
            seconds = time.perf_counter() - started
            self.metrics.request(exchange.route, exchange.method, exchange.status, seconds)
            if log.isEnabledFor(logging.INFO):
                log.info("%s", self.line(exchange, seconds))

    def answered(self, question: str, reply: Reply) -> None:
        """Count a reply, and note it on the exchange it answers (if any)."""
        self.metrics.answered(reply)
        exchange = _current.get()
        if exchange is not None:
            exchange.intent, exchange.fallback = reply.intent, reply.fallback
            if self.log_questions:
                exchange.question = question

    def line(self, exchange: Exchange, seconds: float) -> str:
        """The access-log line of a finished exchange."""
        arrived = exchange.arrived
        entry: dict[str, object] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(arrived)) + f".{int(arrived * 1000) % 1000:03d}Z",
            "request_id": exchange.request_id, "method": exchange.method, "route": exchange.route,
            "status": exchange.status, "latency_ms": round(seconds * 1000, 3),
            "intent": exchange.intent, "fallback": exchange.fallback}
        if self.log_questions and exchange.question is not None:
            entry["question"] = exchange.question
        return json.dumps(entry, ensure_ascii=False)


class ObserveRequests:
    """ASGI middleware: every HTTP request gets a request id (echoed as `X-Request-ID`), a line in
    the access log and its place in the metrics. Outermost, so refusals and 500s count too."""

    def __init__(self, app: ASGIApp, observer: Observer) -> None:
        self.app = app
        self.observer = observer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or ()).get(b"x-request-id", b"").decode("latin-1")
        with self.observer.exchange(scope["method"], request_id=given) as exchange:
            header = (b"x-request-id", exchange.request_id.encode())

            async def sending(message: Message) -> None:
                if message["type"] == "http.response.start":
                    exchange.status = message["status"]
                    message["headers"] = [*message.get("headers", ()), header]
                await send(message)

            try:
                await self.app(scope, receive, sending)
            finally:
                route = scope.get("route")
                exchange.route = getattr(route, "path", UNMATCHED)
