"""The service's connections, as `chatbot serve` makes them: kept-alive responses sent at once
(TCP_NODELAY), request heads bounded in size (431) and in time (closed, or 408 when half sent)."""

from __future__ import annotations

import dataclasses
import http.client
import json
import socket
import statistics
import time
from collections.abc import Iterator

import pytest

pytest.importorskip("httpx")

from live_server import LiveServer  # noqa: E402

from chatbot import Chatbot  # noqa: E402
from chatbot.shells.server.app import create_app  # noqa: E402

DELAYED_ACK_MS = 40  # Linux's shortest delayed ACK, which every kept-alive response waited for


@pytest.fixture(scope="module")
def quick(bot: Chatbot) -> Iterator[LiveServer]:
    """A service whose head deadline is short enough to watch it."""
    settings = dataclasses.replace(bot.settings, header_timeout_seconds=0.5)
    with LiveServer(create_app(bot, settings), settings=settings, log_level="critical") as server:
        yield server


def response(connection: socket.socket) -> tuple[bytes, dict[str, str], bytes]:
    """Status line, headers and body of one response (read until the server closes or the body ends)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status, *lines = head.split(b"\r\n")
    headers = {k.decode().lower(): v.decode().strip() for k, _, v in (line.partition(b":") for line in lines)}
    while len(body) < int(headers.get("content-length", 0)):
        chunk = connection.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, headers, body


def closed_by_server(connection: socket.socket) -> bool:
    """True once the server has closed its side (recv gives b"" or a reset) before our 10 s timeout."""
    try:
        while connection.recv(65536):
            pass
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return True


# --- 1. kept-alive responses are not held back for the delayed ACK -----------------------------

def test_a_kept_alive_client_is_answered_without_waiting_for_the_delayed_ack(quick):
    """With the listening socket made with protocol 0, asyncio left Nagle's algorithm on and each
    response's body (written after its headers) waited for the client's delayed ACK: p50 44 ms.
    Fifty requests on one connection now take a fraction of a millisecond each; 15 ms leaves a
    noisy machine ample room while staying far under the 40 ms wait."""
    connection = http.client.HTTPConnection("127.0.0.1", quick.port, timeout=10)
    times = []
    for _ in range(50):
        started = time.perf_counter()
        connection.request("POST", "/v1/chat", body=b'{"message": "what skills do I need?"}',
                           headers={"content-type": "application/json"})
        reply = connection.getresponse()
        assert reply.status == 200 and json.loads(reply.read())["intent"] == "list_skills"
        times.append((time.perf_counter() - started) * 1000)
    connection.close()
    assert statistics.median(times) < 15 < DELAYED_ACK_MS


def test_every_accepted_connection_has_tcp_nodelay(quick):
    with quick.connect() as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
        assert response(connection)[0] == b"HTTP/1.1 200 OK"
        [protocol] = [p for p in quick.server.server_state.connections
                      if p.transport.get_extra_info("peername") == connection.getsockname()]
        accepted = protocol.transport.get_extra_info("socket")
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1


# --- 2. request heads have a size limit --------------------------------------------------------

def test_an_oversized_header_is_refused_with_431_before_it_is_read(quick, bot):
    """A 32 MB header got a 200 and grew the server by 80 MB: now the head stops at the limit."""
    limit = bot.settings.max_header_bytes
    with quick.connect() as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\nX-Big: ")
        sent = 0
        try:
            while sent < 32 * 1024 * 1024:
                connection.sendall(b"a" * 65536)
                sent += 65536
        except (BrokenPipeError, ConnectionResetError):
            pass
        status, headers, body = response(connection)
    assert status == b"HTTP/1.1 431 Request Header Fields Too Large"
    assert headers["content-type"] == "application/json" and headers["x-content-type-options"] == "nosniff"
    error = json.loads(body)
    assert error["error"] == "headers_too_large" and f"{limit}" in error["message"]
    assert sent < 32 * 1024 * 1024  # the server stopped reading long before the end


def test_an_oversized_request_line_is_refused_with_431(quick):
    with quick.connect() as connection:
        connection.sendall(b"GET /" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: test\r\n\r\n")
        status, _, body = response(connection)
    assert status.startswith(b"HTTP/1.1 431") and json.loads(body)["error"] == "headers_too_large"


def test_headers_within_the_limit_are_served_and_the_connection_kept(quick, bot):
    cookie = b"c=" + b"x" * (bot.settings.max_header_bytes - 200)
    with quick.connect() as connection:
        for _ in range(3):
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\nCookie: " + cookie + b"\r\n\r\n")
            assert response(connection)[0] == b"HTTP/1.1 200 OK"


def test_pipelined_requests_are_each_bounded_and_answered(quick):
    request = b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n"
    with quick.connect() as connection:
        connection.sendall(request * 3)
        data = b""
        while data.count(b"HTTP/1.1 200 OK") < 3:
            chunk = connection.recv(65536)
            assert chunk, f"closed after {data!r}"
            data += chunk


# --- 3. idle and half-sent connections are closed ----------------------------------------------

def test_a_connection_that_sends_nothing_is_closed_after_the_header_timeout(quick):
    """It stayed open for as long as the client liked (45 s and more): now `header_timeout_seconds`."""
    with quick.connect() as connection:
        assert closed_by_server(connection)


@pytest.mark.parametrize("sent", [b"GET /heal", b"POST /v1/chat HTTP/1.1\r\nHost: test\r\nContent-Ty"],
                         ids=["half a request line", "half the headers"])
def test_a_half_sent_head_gets_a_408_and_is_closed(quick, sent):
    with quick.connect() as connection:
        connection.sendall(sent)
        status, headers, body = response(connection)
        assert status == b"HTTP/1.1 408 Request Timeout" and json.loads(body)["error"] == "header_timeout"
        assert headers["connection"] == "close" and closed_by_server(connection)


def test_a_head_trickled_byte_by_byte_still_meets_the_deadline(quick):
    """The deadline is for the whole head, not for each byte: a client cannot keep it alive by
    sending one byte at a time."""
    request = b"GET /healthz HTTP/1.1\r\nHost: test\r\nX-Slow: " + b"z" * 100
    with quick.connect() as connection:
        try:
            for byte in request:
                connection.sendall(bytes([byte]))
                time.sleep(0.02)
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert response(connection)[0] == b"HTTP/1.1 408 Request Timeout"


def test_the_deadline_starts_again_after_each_response(quick):
    with quick.connect() as connection:
        for _ in range(3):
            time.sleep(0.3)  # under the 0.5 s deadline each time, 0.9 s in all
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
            assert response(connection)[0] == b"HTTP/1.1 200 OK"
