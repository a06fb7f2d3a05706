"""`chatbot serve --workers 2 --sessions redis://...` as a real service, against a real redis-server
the tests start: turns of one conversation on different workers, 200 dialogues at once, the whole
service killed with SIGKILL and started again, Redis stopped and started mid-dialogue; and the
refusals at start (memory with several workers, Redis down, a bad URL)."""

from __future__ import annotations

import asyncio
import http.client
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis_server import REDIS_SERVER, RedisServer, free_port
from uvicorn.config import STARTUP_FAILURE

from chatbot import Chatbot, Conversation
from chatbot.shells.cli import main
from chatbot.shells.server.app import _listen, _worker_listen

pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="needs Debian's redis-server (apt-get install "
                                                              "redis-server); .ci/run installs it")
redis = pytest.importorskip("redis")

DIALOGUE = ["how do I become a production technician?", "the third one", "what comes next", "tell me more",
            "what skills do I need?", "the second one"]


class Service:
    """`chatbot serve` in a process group of its own (the parent and its workers), logging to a file."""

    def __init__(self, folder: Path, sessions: str, *, workers: int = 2, port: int | None = None) -> None:
        self.folder, self.sessions, self.workers = folder, sessions, workers
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / f"service-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Service:
        command = shutil.which("chatbot") or str(Path(sys.executable).with_name("chatbot"))
        started = self.log.read_text().count("startup complete") if self.log.exists() else 0
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [command, "serve", "--port", str(self.port), "--workers", str(self.workers), "--sessions", self.sessions],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                env={**os.environ, "CHATBOT_SESSIONS_TIMEOUT_SECONDS": "0.5"})
        deadline = time.monotonic() + 30
        while len(self.worker_pids()) < self.workers or \
                self.log.read_text().count("startup complete") < started + self.workers:
            assert self.process.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, "the workers did not start:\n" + self.log.read_text()
            time.sleep(0.05)
        return self

    def worker_pids(self) -> list[int]:
        """The worker processes: the parent's children that listen on the service's port."""
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pids = [int(pid) for pid in children.read_text().split()] if children.exists() else []
        listening = _inodes(self.port, listening=True)
        return [pid for pid in pids if _socket_inodes(pid) & listening]

    def owner(self, client_port: int) -> int:
        """The worker that accepted the connection from this client port."""
        inodes = _inodes(self.port, client_port=client_port)
        owners = [pid for pid in self.worker_pids() if _socket_inodes(pid) & inodes]
        assert len(owners) == 1, owners
        return owners[0]

    def connections(self) -> dict[int, int]:
        """How many open client connections each worker holds."""
        established = _inodes(self.port)
        return {pid: len(_socket_inodes(pid) & established) for pid in self.worker_pids()}

    def kill(self) -> None:
        """SIGKILL to the whole service at once: nothing gets to save or close anything."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.process = None

    def stop(self) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
            self.process = None

    def __enter__(self) -> Service:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _inodes(port: int, *, client_port: int | None = None, listening: bool = False) -> set[str]:
    """Socket inodes of TCP connections on the service's side of `port` (from /proc/net/tcp*)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
            if int(local.rsplit(":", 1)[1], 16) != port:
                continue
            if listening and state == "0A" or not listening and state == "01" and (
                    client_port is None or int(remote.rsplit(":", 1)[1], 16) == client_port):
                found.add(inode)
    return found


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        pass
    return inodes


def _running(pid: int) -> bool:
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def post(connection: http.client.HTTPConnection, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    connection.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    response = connection.getresponse()
    return response.status, json.loads(response.read())


async def post_on(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                  body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """POST /v1/chat on a kept-alive connection (httpx's pool is slow with 200 connections at once)."""
    data = json.dumps(body).encode()
    writer.write(b"POST /v1/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 b"Content-Length: %d\r\n\r\n%s" % (len(data), data))
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))
    return int(head.split(b" ", 2)[1]), json.loads(await reader.readexactly(length))


def expected(bot: Chatbot, questions: list[str]) -> list[str]:
    """What the library answers to these questions as one conversation."""
    conversation = Conversation()
    return [bot.ask(question, conversation).text for question in questions]


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(scope="module")
def service(redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with Service(tmp_path_factory.mktemp("service"), redis_server.url) as running:
        yield running
    assert "Traceback" not in running.log.read_text()


def test_turns_of_one_dialogue_on_different_workers_are_one_conversation(service: Service, bot: Chatbot) -> None:
    by_worker: dict[int, http.client.HTTPConnection] = {}
    for _ in range(64):
        connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=10)
        connection.request("GET", "/healthz")
        assert connection.getresponse().read()
        by_worker.setdefault(service.owner(connection.sock.getsockname()[1]), connection)
        if len(by_worker) == 2:
            break
    assert len(by_worker) == 2, "every connection went to one worker"
    first, second = by_worker.values()
    status, reply = post(first, "/v1/chat", {"message": DIALOGUE[0]})
    assert status == 200
    replies, session = [reply["text"]], reply["session_id"]
    for turn, question in enumerate(DIALOGUE[1:], 1):
        status, reply = post((first, second)[turn % 2], "/v1/chat", {"message": question, "session_id": session})
        assert status == 200 and reply["session_id"] == session
        replies.append(reply["text"])
    first.close()
    second.close()
    assert replies == expected(bot, DIALOGUE)
    assert "Step 3 of 5" in replies[1] and "Step 4 of 5" in replies[2]


def test_200_concurrent_dialogues_over_2_workers_lose_no_turn(service: Service, redis_server: RedisServer,
                                                               bot: Chatbot) -> None:
    want = expected(bot, DIALOGUE)

    async def dialogue(ready: asyncio.Event) -> tuple[str, list[str], asyncio.StreamWriter]:
        reader, writer = await asyncio.open_connection("127.0.0.1", service.port)
        await ready.wait()  # every connection open before the first turn: 200 dialogues at once
        session, texts = None, []
        for question in DIALOGUE:
            body = {"message": question} if session is None else {"message": question, "session_id": session}
            status, reply = await post_on(reader, writer, body)
            assert status == 200, reply
            session = reply["session_id"]
            texts.append(reply["text"])
        assert session is not None
        return session, texts, writer

    async def crowd() -> tuple[list[tuple[str, list[str], asyncio.StreamWriter]], dict[int, int]]:
        ready = asyncio.Event()
        dialogues = [asyncio.ensure_future(dialogue(ready)) for _ in range(200)]
        await asyncio.sleep(0.2)
        ready.set()
        done = await asyncio.gather(*dialogues)
        served = service.connections()  # while the 200 connections are still open
        for _, _, writer in done:
            writer.close()
        return done, served

    done, served = asyncio.run(crowd())
    assert len({session for session, _, _ in done}) == 200
    assert all(texts == want for _, texts, _ in done)
    assert len(served) == 2 and all(served.values()) and sum(served.values()) >= 200, \
        f"connections held by each worker: {served}"
    store = redis.Redis.from_url(redis_server.url)
    turns = [json.loads(store.hget("chatbot:" + session, "c"))["turns"] for session, _, _ in done]
    store.close()
    assert turns == [len(DIALOGUE)] * 200


def test_connections_opened_at_once_are_spread_evenly_over_the_workers(service: Service) -> None:
    """Bursts of keep-alive connections (a proxy filling its pool, a benchmark's clients) are
    shared between the workers. On the one socket they all shared before, the worker that woke
    first accepted most of a burst (of 10 bursts of 100, three to six left 10 or fewer to the
    other worker; 45 of the benchmark's 50 went to one), and the other stood idle while it served
    every request on them."""
    def burst() -> int:
        opened = [socket.create_connection(("127.0.0.1", service.port), timeout=10) for _ in range(100)]
        for connection in opened:
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        for connection in opened:  # answered: every connection has been accepted by a worker
            assert connection.recv(4096).startswith(b"HTTP/1.1 200")
        held = service.connections()
        for connection in opened:
            connection.close()
        assert len(held) == 2 and sum(held.values()) >= 100, held
        return min(held.values())

    fewest = [burst() for _ in range(10)]
    # The kernel picks a worker by a hash of each connection's addresses, so each holds 50 of a
    # burst on average: under 25 has a chance of about 3 in 10 million, and fewer than 400 of the
    # 1,000 connections on the less used worker over the 10 bursts far less.
    assert min(fewest) >= 25 and sum(fewest) >= 400, f"connections on the less used worker, burst by burst: {fewest}"


def test_a_worker_that_cannot_listen_stops_the_service_rather_than_restarting(
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each worker opens its own socket; if another program took the port after the supervisor's
    check, the worker says so and exits with uvicorn's start-up failure, which stops the service
    instead of restarting the worker twice a second for ever."""
    taken = _listen("127.0.0.1", 0)
    logger = logging.getLogger("uvicorn.error")
    # Other tests set up uvicorn's logging in this process (its level, handlers, propagation): rely on none of it.
    monkeypatch.setattr(logger, "disabled", False)
    caplog.set_level(logging.INFO, logger="uvicorn.error")
    logger.addHandler(caplog.handler)
    try:
        with pytest.raises(SystemExit) as stopped:
            _worker_listen("127.0.0.1", taken.getsockname()[1])
    finally:
        logger.removeHandler(caplog.handler)
        taken.close()
    assert stopped.value.code == STARTUP_FAILURE
    assert "cannot listen on 127.0.0.1:" in caplog.text


def test_turns_sent_at_once_to_one_conversation_on_both_workers_are_all_kept(
        service: Service, redis_server: RedisServer) -> None:
    async def burst() -> tuple[str, dict[int, int]]:
        limits = httpx.Limits(max_connections=40, max_keepalive_connections=40)
        async with httpx.AsyncClient(base_url=service.url, limits=limits, timeout=30) as client:
            session = (await client.post("/v1/chat", json={"message": "what skills do I need?"})).json()["session_id"]
            replies = await asyncio.gather(*(client.post("/v1/chat", json={"message": "next", "session_id": session})
                                             for _ in range(120)))
            assert all(reply.status_code == 200 for reply in replies), {r.status_code for r in replies}
            return session, service.connections()

    session, connections = asyncio.run(burst())
    assert all(count > 0 for count in connections.values()), connections
    store = redis.Redis.from_url(redis_server.url)
    assert json.loads(store.hget("chatbot:" + session, "c"))["turns"] == 121
    store.close()


def test_after_sigkill_of_the_whole_service_a_restart_continues_every_conversation(
        redis_server: RedisServer, tmp_path: Path, bot: Chatbot) -> None:
    service = Service(tmp_path, redis_server.url).start()
    try:
        sessions = []
        with httpx.Client(base_url=service.url, timeout=10) as client:
            for _ in range(20):
                first = client.post("/v1/chat", json={"message": DIALOGUE[0]}).json()["session_id"]
                assert client.post("/v1/chat", json={"message": DIALOGUE[1], "session_id": first}).status_code == 200
                sessions.append(first)
        pids = service.worker_pids()
        service.kill()
        deadline = time.monotonic() + 10
        while any(_running(pid) for pid in pids):
            assert time.monotonic() < deadline, "the workers outlived SIGKILL"
            time.sleep(0.02)
        service.start()
        want = expected(bot, DIALOGUE[:4])[2:]
        with httpx.Client(base_url=service.url, timeout=10) as client:
            for session in sessions:
                texts = []
                for question in DIALOGUE[2:4]:
                    response = client.post("/v1/chat", json={"message": question, "session_id": session})
                    assert response.status_code == 200, response.text
                    texts.append(response.json()["text"])
                assert texts == want
    finally:
        service.stop()


def test_redis_stopped_mid_dialogue_gives_503s_and_then_the_dialogue_carries_on(tmp_path: Path, bot: Chatbot) -> None:
    with RedisServer(tmp_path / "redis") as redis_server, Service(tmp_path, redis_server.url) as service, \
            httpx.Client(base_url=service.url, timeout=10) as client:
        session = client.post("/v1/chat", json={"message": DIALOGUE[0]}).json()["session_id"]
        redis_server.stop()
        refused = [client.post("/v1/chat", json={"message": DIALOGUE[1], "session_id": session}),
                   client.post("/v1/chat", json={"message": DIALOGUE[1], "session_id": session}),
                   client.post("/v1/chat", json={"message": "hello"}),
                   client.post("/webhooks/rest/webhook", json={"sender": "visitor-42", "message": "hello"})]
        assert [r.status_code for r in refused] == [503] * 4
        assert all(r.json()["error"] == "sessions_unavailable" for r in refused)
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.json() == {"status": "unavailable", "sessions": None, "store": "redis", "reachable": False}
        assert client.get("/v1/topics").status_code == 200  # what needs no conversation still works

        redis_server.start()
        texts = [client.post("/v1/chat", json={"message": question, "session_id": session}).json()["text"]
                 for question in DIALOGUE[1:4]]
        assert texts == expected(bot, DIALOGUE[:4])[1:]
        assert client.get("/healthz").json()["reachable"] is True
        log = service.log.read_text()
    assert "Traceback" not in log and "is back" in log


# --- refusals at start -------------------------------------------------------------------------

def test_several_workers_on_the_memory_store_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", str(free_port()), "--workers", "2"]) == 2
    error = capsys.readouterr().err
    assert "--workers 2 needs a session store the workers share" in error and "--sessions redis://" in error


def test_a_redis_that_does_not_answer_at_start_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with RedisServer(tmp_path / "redis") as gone:
        url = gone.url
    assert main(["serve", "--port", str(free_port()), "--sessions", url]) == 2
    error = capsys.readouterr().err
    assert f"cannot reach the session store at {url}" in error and "start Redis" in error
    assert "Traceback" not in error


@pytest.mark.parametrize("url, message", [("redis:/nowhere", "is not a session store"),
                                          ("redis://localhost:port/0", "is not a Redis URL"),
                                          ("postgres://localhost/chat", "is not a session store")])
def test_a_sessions_url_that_is_not_one_is_refused(url: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", str(free_port()), "--sessions", url]) == 2
    assert message in capsys.readouterr().err


def test_without_the_redis_package_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)
    monkeypatch.delitem(sys.modules, "chatbot.shells.server.redis_store", raising=False)
    assert main(["serve", "--port", str(free_port()), "--sessions", "redis://localhost:6379/0"]) == 2
    assert 'needs the redis package: pip install -e ".[server]"' in capsys.readouterr().err
