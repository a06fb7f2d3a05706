"""The HTTP service under faults and load: bounded bodies and sessions, slow and vanishing
clients, many requests on one conversation at once, and every class of pasted input."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import socket
import time
import tracemalloc
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

httpx = pytest.importorskip("httpx")

from live_server import LiveServer  # noqa: E402
from test_robustness import CASES, IDS, REFUSED  # noqa: E402
from test_server import conforms  # noqa: E402

from chatbot import Chatbot  # noqa: E402
from chatbot.shells.server.app import create_app  # noqa: E402
from chatbot.shells.server.sessions import MemorySessionStore  # noqa: E402

HEAD = ("POST /v1/chat HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        "Content-Length: {length}\r\n\r\n")


@pytest.fixture(scope="module")
def live(bot: Chatbot) -> Iterator[tuple[LiveServer, MemorySessionStore]]:
    store = MemorySessionStore()
    with LiveServer(create_app(bot, store=store), log_level="critical") as server:
        yield server, store


@pytest.fixture()
def http(live) -> Iterator[Any]:
    with httpx.Client(base_url=live[0].url, timeout=10) as client:
        yield client


def ask(client: Any, message: str, session_id: str | None = None) -> dict[str, Any]:
    body = {"message": message} if session_id is None else {"message": message, "session_id": session_id}
    response = client.post("/v1/chat", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def status_line(connection: socket.socket) -> bytes:
    return connection.recv(4096).split(b"\r\n", 1)[0]


# --- bounded request body ---------------------------------------------------------------------

def test_a_body_that_stalls_gets_a_408_after_the_body_timeout(bot):
    settings = dataclasses.replace(bot.settings, body_timeout_seconds=0.3)
    with LiveServer(create_app(bot, settings), log_level="critical") as server, server.connect() as connection:
        connection.sendall(HEAD.format(length=200).encode() + b'{"message": "what ski')
        assert status_line(connection) == b"HTTP/1.1 408 Request Timeout"


def test_a_declared_oversized_body_is_refused_before_it_is_sent(live):
    """10 MB announced and never sent: the 413 comes at once, so the server read none of it."""
    with live[0].connect() as connection:
        connection.sendall(HEAD.format(length=10 * 1024 * 1024).encode())
        assert status_line(connection) == b"HTTP/1.1 413 Request Entity Too Large"


def test_a_chunked_body_is_cut_off_at_the_limit(http, bot):
    def chunks() -> Iterator[bytes]:
        yield b'{"message": "'
        for _ in range(1000):
            yield b"x" * 1024
        yield b'"}'

    response = http.post("/v1/chat", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413 and response.json()["error"] == "body_too_large"
    assert str(bot.settings.max_body_bytes) in response.json()["message"]


# --- slow and vanishing clients ---------------------------------------------------------------

def test_slow_clients_do_not_hold_up_others(live, http):
    """Sixty connections stalled (idle, half a header, half a body) while others are answered."""
    server = live[0]
    stalled = []
    try:
        for _ in range(20):
            stalled.append(server.connect())
            half_header = server.connect()
            half_header.sendall(b"POST /v1/chat HTTP/1.1\r\nHost: test\r\nContent-Ty")
            half_body = server.connect()
            half_body.sendall(HEAD.format(length=200).encode() + b'{"message": "what ski')
            stalled += [half_header, half_body]
        with ThreadPoolExecutor(8) as pool:
            replies = list(pool.map(lambda q: ask(http, q)["intent"], ["what skills do I need?"] * 40))
        assert replies == ["list_skills"] * 40
    finally:
        for connection in stalled:
            connection.close()
    assert ask(http, "what are the steps?")["intent"] == "list_steps"


@pytest.mark.parametrize("when", ["mid header", "mid body", "before the reply is read"])
def test_a_client_that_disconnects_does_no_harm(live, http, when):
    server, store = live
    before = len(store)
    body = json.dumps({"message": "what are the steps?"}).encode()
    sent = {"mid header": b"POST /v1/chat HTTP/1.1\r\nHost: te",
            "mid body": HEAD.format(length=len(body)).encode() + body[:10],
            "before the reply is read": HEAD.format(length=len(body)).encode() + body}[when]
    for _ in range(20):
        connection = server.connect()
        connection.sendall(sent)
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # reset
        connection.close()
    assert ask(http, "what are the steps?")["intent"] == "list_steps"
    created = len(store) - before - 1  # the last request made one
    if when == "before the reply is read":
        assert 0 <= created <= 20  # answered or not, depending on when the reset arrived
    else:
        assert created == 0


def test_a_disconnect_is_not_logged_as_an_error(live, http, caplog):
    with caplog.at_level(logging.ERROR, logger="chatbot.server"):
        connection = live[0].connect()
        connection.sendall(HEAD.format(length=100).encode() + b'{"mess')
        connection.close()
        ask(http, "hello")  # the server has dealt with the disconnect by the time it answers this
        time.sleep(0.2)
    assert [r for r in caplog.records if r.name == "chatbot.server"] == []


# --- concurrency on sessions ------------------------------------------------------------------

def test_concurrent_requests_on_one_session_keep_it_whole(live, http):
    server, store = live
    session = ask(http, "what are the steps?")["session_id"]
    questions = ["what are the steps?", "the third one", "next", "tell me more", "what skills do I need?",
                 "the second one", "previous", "hello"] * 25

    def turn(question: str) -> int:
        response = http.post("/v1/chat", json={"message": question, "session_id": session})
        assert response.json()["text"].strip()
        return response.status_code

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(turn, questions)) == {200}
    conversation = store.get(session)
    assert conversation is not None and conversation.turns == 1 + len(questions)


def test_parallel_conversations_do_not_mix(http):
    """Half the sessions list the steps and half the skills, all at once; "the third one" then
    picks from each session's own list."""
    def dialogue(n: int) -> tuple[str, str | None]:
        first = "what are the steps?" if n % 2 else "what skills do I need?"
        session = ask(http, first)["session_id"]
        reply = ask(http, "the third one", session)
        return ("steps" if n % 2 else "skills"), (reply["sources"][0]["id"] if reply["sources"] else None)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(dialogue, range(64)))
    expected = {"steps": {"step."}, "skills": {"skill."}}
    for kind, item in results:
        assert item is not None and any(item.startswith(prefix) for prefix in expected[kind]), (kind, item)
    assert len({item for _, item in results}) == 2


# --- bounded sessions -------------------------------------------------------------------------

def test_memory_stays_flat_past_the_session_limit():
    """Fill a store past its limit (one round, so its table has its working size), then make
    100,000 more conversations: the oldest are forgotten and memory does not grow at all."""
    store = MemorySessionStore(max_sessions=10_000)
    tracemalloc.start()
    try:
        for _ in range(20_000):
            store.create()
        full = tracemalloc.get_traced_memory()[0]
        for _ in range(100_000):
            store.create()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(store) == 10_000
    assert after <= full * 1.01


def test_a_forgotten_session_gets_a_clear_404(bot):
    store = MemorySessionStore(max_sessions=50)
    app = create_app(bot, store=store)

    async def run() -> tuple[list[str], Any, Any]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://chatbot") as client:
            sessions = [(await client.post("/v1/chat", json={"message": "hi"})).json()["session_id"] for _ in range(200)]
            old = await client.post("/v1/chat", json={"message": "next", "session_id": sessions[0]})
            health = await client.get("/healthz")
            return sessions, old, health

    sessions, old, health = asyncio.run(run())
    assert len(set(sessions)) == 200 and health.json()["sessions"] == 50
    assert old.status_code == 404 and old.json()["error"] == "unknown_session"
    assert "without session_id" in old.json()["message"]


# --- every class of pasted input --------------------------------------------------------------

@pytest.fixture(scope="module")
def asgi(bot):
    """Requests straight to the app, without sockets (a 10 MB body is refused early, which a real
    socket would report as a broken pipe)."""
    loop = asyncio.new_event_loop()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(bot)), base_url="http://chatbot")
    yield lambda body: loop.run_until_complete(
        client.post("/v1/chat", content=body, headers={"content-type": "application/json"}))
    loop.run_until_complete(client.aclose())
    loop.close()


@pytest.mark.parametrize("name,text,expected", CASES, ids=IDS)
def test_the_api_answers_or_refuses_every_class_of_input_with_json(asgi, bot, name, text, expected):
    body = json.dumps({"message": text})  # lone surrogates travel as \ud800 escapes
    response = asgi(body)
    assert response.headers["content-type"].startswith("application/json")
    data = response.json()
    if len(body.encode()) > bot.settings.max_body_bytes:
        assert response.status_code == 413 and data["error"] == "body_too_large"
    elif len(text) > bot.settings.max_question_chars:
        assert response.status_code == 413 and data["error"] == "message_too_long"
    elif expected == REFUSED:
        assert response.status_code == 422 and "empty" in data["message"]
    else:
        assert response.status_code == 200, data
        assert data["text"].strip() and 0 <= data["confidence"] <= 1
        assert not any(bad in response.text for bad in ("<script", "<img", "onerror", "\\u001b"))


# --- the Rasa channel's callers -----------------------------------------------------------------

RASA = "/webhooks/rest/webhook"


@pytest.fixture(scope="module")
def with_token(bot: Chatbot) -> Iterator[Any]:
    settings = dataclasses.replace(bot.settings, rasa_token="s3cret-token")
    with LiveServer(create_app(bot, settings), settings=settings, log_level="critical") as server, \
            httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def test_with_a_token_only_its_holders_reach_a_sender(with_token):
    """Anyone who knew `visitor-42` read its conversation ("tell me more" gave its step details)."""
    first = with_token.post(RASA + "?token=s3cret-token", json={"sender": "visitor-42", "message": "what is step 3"})
    assert first.status_code == 200
    for headers, url in [({}, RASA), ({}, RASA + "?token=guess"), ({"authorization": "Bearer guess"}, RASA),
                         ({"authorization": "Basic czNjcmV0LXRva2Vu"}, RASA)]:
        refused = with_token.post(url, json={"sender": "visitor-42", "message": "tell me more"}, headers=headers)
        assert conforms(refused, RASA).status_code == 401 and refused.json()["error"] == "unauthorized"
        assert refused.headers["www-authenticate"] == "Bearer" and "step" not in refused.text.lower()
    bearer = with_token.post(RASA, json={"sender": "visitor-42", "message": "tell me more"},
                             headers={"authorization": "Bearer s3cret-token"})
    assert bearer.status_code == 200 and "certif" in bearer.text.lower()


def test_without_a_token_no_page_elsewhere_can_post_plain_text(http):
    """text/plain needs no CORS preflight, so any page could make its visitors' browsers post to
    the webhook; it is refused when a browser says the page is on another origin."""
    body = json.dumps({"sender": "visitor-7", "message": "hi"})
    plain = {"content-type": "text/plain"}
    refused = http.post(RASA, content=body, headers={**plain, "origin": "https://evil.example"})
    assert conforms(refused, RASA).status_code == 403 and refused.json()["error"] == "cross_site_request"
    assert http.post(RASA, content=body, headers={**plain, "sec-fetch-site": "cross-site"}).status_code == 403
    assert http.post(RASA, content=body, headers=plain).status_code == 200  # a front end's own server
    own_origin = "http://" + http.base_url.netloc.decode()
    assert http.post(RASA, content=body, headers={**plain, "origin": own_origin}).status_code == 200
    assert http.post(RASA, content=body, headers={"content-type": "application/json",
                                                  "origin": "https://evil.example"}).status_code == 200


# --- smaller ones -------------------------------------------------------------------------------

def test_a_refused_cors_preflight_is_a_json_error(bot):
    settings = dataclasses.replace(bot.settings, allowed_origins=("https://help.example.com",))
    with LiveServer(create_app(bot, settings), settings=settings, log_level="critical") as server, \
            httpx.Client(base_url=server.url, timeout=10) as client:
        refused = client.options("/v1/chat", headers={"origin": "https://evil.example",
                                                      "access-control-request-method": "POST"})
    assert refused.status_code == 400 and refused.headers["content-type"] == "application/json"
    assert refused.json()["error"] == "cors_refused" and "origin" in refused.json()["message"]
    assert refused.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("method,path,body", [
    ("POST", "/v1/chat", {"message": "hi"}), ("POST", "/v1/chat", {"message": ""}), ("GET", "/v1/topics", None),
    ("GET", "/healthz", None), ("GET", "/openapi.json", None), ("GET", "/nowhere", None),
    ("POST", RASA, {"sender": "s", "message": "hi"})])
def test_every_json_response_says_nosniff(http, method, path, body):
    response = http.request(method, path, json=body)
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path,location", [("/webhooks/rest", "rest/"), ("/v1/chat/", "../chat"),
                                           ("/webhooks/rest?x=1", "rest/?x=1")])
def test_the_trailing_slash_redirect_never_reflects_the_host(live, path, location):
    with live[0].connect() as connection:
        method = "POST" if "chat" in path else "GET"
        connection.sendall(f"{method} {path} HTTP/1.1\r\nHost: evil.example\r\nContent-Length: 0\r\n\r\n".encode())
        head = connection.recv(65536).decode()
    assert head.startswith("HTTP/1.1 307")
    assert f"\r\nlocation: {location}\r\n" in head and "evil.example" not in head


@pytest.mark.parametrize("body,code,says", [
    ('{"message": ' + "7" * 5000 + "}", "invalid_message", '"message" must be a string, not a number'),
    ('{"message": "hi", "session_id": -' + "1" * 5000 + "}", "invalid_session_id", "session_id must be"),
], ids=["message", "session_id"])
def test_a_5000_digit_number_is_named_for_what_it_is(http, body, code, says):
    response = http.post("/v1/chat", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.json()["error"] == code
    assert says in response.json()["message"]


# --- the unanswered log, through the service ---------------------------------------------------

UNANSWERABLE = "what is the salary of a production technician"


def unanswerable(n: int) -> str:
    """A different unanswerable question for each n (spelt in letters: a number would be read as a step)."""
    return f"{UNANSWERABLE} in town {''.join(chr(97 + int(d)) for d in str(n))}"


def test_the_service_keeps_the_log_under_its_cap(bot, tmp_path):
    """One client grew the log by 17 MB in 20 s; now it is rotated at its cap."""
    log = tmp_path / "unanswered.jsonl"
    settings = dataclasses.replace(bot.settings, unanswered_log=log, unanswered_log_max_bytes=5_000)
    app = create_app(bot, settings)
    with LiveServer(app, settings=settings, log_level="critical") as server, \
            httpx.Client(base_url=server.url, timeout=10) as client:
        for n in range(150):
            assert client.post("/v1/chat", json={"message": unanswerable(n)}).status_code == 200
        assert app.state.service.log_writer.flush(10)
    backup = tmp_path / "unanswered.jsonl.1"
    assert log.stat().st_size <= 5_000 and backup.stat().st_size <= 5_000
    last = [json.loads(line)["question"] for line in log.read_text().splitlines()][-1]
    assert last == unanswerable(149)


def test_a_stalled_pipe_as_log_never_stops_the_service(bot, tmp_path, caplog):
    """Pointed at a FIFO whose reader stalls, the service hung, /healthz too, and stayed hung."""
    fifo = tmp_path / "unanswered.fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # opened, and never read
    settings = dataclasses.replace(bot.settings, unanswered_log=fifo)
    try:
        with caplog.at_level(logging.WARNING, logger="chatbot.server"), \
                LiveServer(create_app(bot, settings), settings=settings, log_level="critical") as server, \
                httpx.Client(base_url=server.url, timeout=10) as client:
            for n in range(800):  # 64 KiB of pipe holds a few hundred entries
                assert client.post("/v1/chat", json={"message": unanswerable(n)}).status_code == 200
            assert client.get("/healthz").status_code == 200
    finally:
        os.close(reader)
    assert any("not keeping up" in record.getMessage() for record in caplog.records)
