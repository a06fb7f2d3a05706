"""The HTTP connection within the service's limits: uvicorn's httptools protocol with a bound on
the size of a request line and headers, and a deadline for them.

httptools itself reads a header of any size (a client sending 32 MB of one header grew the server
by 80 MB), and uvicorn's keep-alive limit starts only after a response, so a connection that sends
nothing, or half a request line, was kept for ever. Here the head of every request must fit in
`max_header_bytes` (else 431) and arrive within `header_timeout_seconds` of the connection opening
or of the previous response (else the connection is closed, with a 408 if part of a request came).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from ...settings import Settings


def refusal(status: int, code: str, message: str) -> bytes:
    """A whole HTTP response carrying our JSON error, after which the connection is closed."""
    body = json.dumps({"error": code, "message": message}).encode()
    return (STATUS_LINE[status] + b"content-type: application/json\r\nx-content-type-options: nosniff\r\n"
            b"connection: close\r\ncontent-length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


class GuardedProtocol(HttpToolsProtocol):
    """One client connection: the request head is counted and timed before httptools buffers it."""

    def __init__(self, config: uvicorn.Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self.max_head_bytes: int = getattr(config, "max_head_bytes", 16_384)
        self.head_timeout: float = getattr(config, "head_timeout", 10.0)
        self._in_head = True
        self._head_bytes = 0
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        # While a head is awaited, feed the parser no more than the room left, so that a head over
        # the limit is refused before httptools has buffered more than the limit of it.
        while self._in_head and data and not self.transport.is_closing():
            room = self.max_head_bytes - self._head_bytes
            if room <= 0:
                self._refuse(431, "headers_too_large",
                             f"the request line and headers are over the limit of {self.max_head_bytes} bytes")
                return
            piece, data = data[:room], data[room:]
            self._head_bytes += len(piece)
            super().data_received(piece)
        if data and not self.transport.is_closing():
            super().data_received(data)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._stop_head_timer()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head, self._head_bytes = True, 0  # the next request's head is counted afresh

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._start_head_timer()

    def _start_head_timer(self) -> None:
        self._stop_head_timer()
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if not self._in_head or self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            return  # still answering the previous request: the wait starts again after the response
        if self._head_bytes:
            self._refuse(408, "header_timeout",
                         f"the request line and headers did not arrive within {self.head_timeout:g} seconds")
        else:
            self.transport.close()  # idle: nothing to answer

    def _refuse(self, status: int, code: str, message: str) -> None:
        self._stop_head_timer()
        self.transport.write(refusal(status, code, message))
        self.transport.close()


class GuardedConfig(uvicorn.Config):
    """uvicorn's configuration with our protocol and its two limits. A class of its own rather
    than a protocol class made per setting, so that it pickles: `--workers` hands it to each process."""

    def __init__(self, app: Any, settings: Settings, **options: Any) -> None:
        super().__init__(app, http="chatbot.shells.server.protocol:GuardedProtocol", **options)
        self.max_head_bytes = settings.max_header_bytes
        self.head_timeout = settings.header_timeout_seconds
