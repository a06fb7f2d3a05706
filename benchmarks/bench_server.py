"""Benchmark of the HTTP service beside its floors, in one run: requests per second and p50/p99
latency for 1 and 2 workers, memory and Redis session stores, and two floors on the same uvicorn
and the same listening socket:

- "fixed JSON": a minimal Starlette app that returns one fixed JSON object;
- "Starlette + bot.ask()": a minimal Starlette app that reads the message and returns
  `bot.ask(message).to_dict()`, with no sessions, checks or middleware.

Then, with one worker and the memory store: latency with 100,000 conversations kept (p99 against
p50), and the memory each conversation takes, in the service and in Redis.

Each server runs as its own process (the floors too: this script started with --floor), with the
uvicorn settings `chatbot serve` uses (access log on). The client is one process of 50 keep-alive
connections speaking HTTP/1.1 over asyncio streams directly: a general-purpose client costs more
CPU per request than the service does, and on a small machine it would measure itself. Client,
workers and Redis share the machine's CPUs.

    python benchmarks/bench_server.py                          # full run (a few minutes)
    python benchmarks/bench_server.py --requests 5000 --sessions 20000
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DIALOGUE = [
    "how do i become a production technician",
    "the third one",
    "tell me more",
    "next",
    "what skills do i need?",
    "how much do they earn",
]


# --- the floors, served by this script in its own process ------------------------------------

@dataclass(frozen=True)
class Floor:
    """A picklable app factory for uvicorn's workers: the fixed-JSON app or the bot.ask() app."""

    kind: str

    def __call__(self) -> Any:
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import JSONResponse
        from starlette.routing import Route

        if self.kind == "fixed":
            async def fixed(request: Request) -> JSONResponse:
                return JSONResponse({"text": "Hello!", "session_id": "x"})
            return Starlette(routes=[Route("/v1/chat", fixed, methods=["POST"])])

        from chatbot import Chatbot

        bot = Chatbot.load()

        async def ask(request: Request) -> JSONResponse:
            body = await request.json()
            return JSONResponse({**bot.ask(body["message"]).to_dict(), "session_id": "x"})

        app = Starlette(routes=[Route("/v1/chat", ask, methods=["POST"])])
        gc.freeze()
        return app


def serve_floor(kind: str, port: int, workers: int) -> None:
    """Serve a floor the way `chatbot serve` serves the service: its socket, its uvicorn settings."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from chatbot.shells.server.app import _listen

    listener = _listen("127.0.0.1", port)
    config = uvicorn.Config(Floor(kind), factory=True, workers=workers, log_level="info", server_header=False)
    if workers == 1:
        uvicorn.Server(config).run(sockets=[listener])
    else:
        Multiprocess(config, sockets=[listener]).run()


# --- the client --------------------------------------------------------------------------------

class Connection:
    """One keep-alive HTTP/1.1 connection that posts JSON and reads JSON back."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str) -> None:
        self.reader, self.writer, self.host = reader, writer, host

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer, f"{host}:{port}")

    async def post(self, path: str, payload: dict) -> tuple[int, dict]:
        body = json.dumps(payload).encode()
        self.writer.write(f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
                          f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:"))
        return status, json.loads(await self.reader.readexactly(length))

    def close(self) -> None:
        self.writer.close()


async def converse(connection: Connection, count: int, latencies: list[float]) -> None:
    """Run `count` requests as back-to-back conversations, recording each request's latency."""
    session_id = None
    for turn in range(count):
        question = DIALOGUE[turn % len(DIALOGUE)]
        payload = {"message": question} if turn % len(DIALOGUE) == 0 else {"message": question, "session_id": session_id}
        started = time.perf_counter()
        status, reply = await connection.post("/v1/chat", payload)
        latencies.append(time.perf_counter() - started)
        if status != 200:
            raise RuntimeError(f"{status}: {reply}")
        session_id = reply["session_id"]


async def load(port: int, clients: int, requests: int) -> tuple[float, list[float]]:
    """Run `requests` requests from `clients` concurrent connections; return (seconds, latencies)."""
    connections = [await Connection.open("127.0.0.1", port) for _ in range(clients)]
    await asyncio.gather(*(converse(c, 4 * len(DIALOGUE), []) for c in connections))  # warm-up
    latencies: list[float] = []
    started = time.perf_counter()
    await asyncio.gather(*(converse(c, requests // clients, latencies) for c in connections))
    elapsed = time.perf_counter() - started
    for connection in connections:
        connection.close()
    return elapsed, latencies


async def create_sessions(port: int, count: int, clients: int = 50) -> None:
    """Start `count` new conversations, one request each."""
    async def worker(share: int) -> None:
        connection = await Connection.open("127.0.0.1", port)
        for _ in range(share):
            status, reply = await connection.post("/v1/chat", {"message": "hello"})
            if status != 200:
                raise RuntimeError(f"{status}: {reply}")
        connection.close()

    await asyncio.gather(*(worker(count // clients + (i < count % clients)) for i in range(clients)))


# --- servers -------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def start(command: list[str], port: int, env: dict[str, str] | None = None) -> subprocess.Popen:
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, **(env or {})}, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            body = json.dumps({"message": "hello"}).encode()
            request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/chat", body,
                                             {"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=1):
                time.sleep(1.0)  # let every worker finish starting
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError(f"{' '.join(command)} did not start")


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, 15)
    server.wait(timeout=20)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


@dataclass
class Result:
    name: str
    workers: int
    rates: list[float]
    p50s: list[float]
    p99s: list[float]

    @property
    def rate(self) -> float:
        return statistics.median(self.rates)

    def line(self) -> str:
        return (f"{self.name:<24} {self.workers} worker{'s' if self.workers > 1 else ' '} {self.rate:>7,.0f} requests/s "
                f"(runs: {', '.join(f'{r:,.0f}' for r in self.rates)})  p50 {statistics.median(self.p50s):5.1f} ms  "
                f"p99 {statistics.median(self.p99s):5.1f} ms")


def measure(result: Result, port: int, args: argparse.Namespace) -> None:
    """One run of the load against one server, added to its result."""
    elapsed, latencies = asyncio.run(load(port, args.clients, args.requests))
    ms = [x * 1000 for x in latencies]
    result.rates.append(len(ms) / elapsed)
    result.p50s.append(percentile(ms, .5))
    result.p99s.append(percentile(ms, .99))


def redis_server(folder: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    process = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(folder),
                                "--save", "", "--appendonly", "no", "--maxmemory", "1gb",
                                "--maxmemory-policy", "volatile-ttl"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    return process, f"redis://127.0.0.1:{port}/0"


def redis_memory(url: str) -> tuple[int, int]:
    import redis

    client = redis.Redis.from_url(url)
    try:
        return client.dbsize(), client.info("memory")["used_memory"]
    finally:
        client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=30_000)
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3, help="runs of each server, taken in turn (the median is shown)")
    parser.add_argument("--floor", choices=["fixed", "ask"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor:
        serve_floor(args.floor, args.port, args.workers)
        return

    print(f"{os.cpu_count()} CPUs; {args.clients} clients on keep-alive connections, conversations of "
          f"{len(DIALOGUE)} turns; {args.rounds} runs of {args.requests:,} requests per server", flush=True)
    here, python = str(Path(__file__).resolve()), sys.executable
    chatbot = [python, "-m", "chatbot", "serve"]
    folder = Path(tempfile.mkdtemp(prefix="bench-redis-"))
    redis_process, url = redis_server(folder)
    configs = [("fixed JSON", 1, ["--floor", "fixed"]), ("Starlette + bot.ask()", 1, ["--floor", "ask"]),
               ("service, memory store", 1, []), ("service, Redis store", 1, ["--sessions", url]),
               ("fixed JSON", 2, ["--floor", "fixed"]), ("Starlette + bot.ask()", 2, ["--floor", "ask"]),
               ("service, Redis store", 2, ["--sessions", url])]
    servers: list[tuple[Result, int, subprocess.Popen]] = []
    try:
        for name, workers, options in configs:
            port = free_port()
            command = [python, here, *options] if "--floor" in options else [*chatbot, *options]
            servers.append((Result(name, workers, [], [], []),
                            port, start([*command, "--port", str(port), "--workers", str(workers)], port)))
        for _ in range(args.rounds):  # each server in turn, round after round: a busy moment hits all alike
            for result, port, _ in servers:
                measure(result, port, args)
        results = {(r.name.split(", ")[-1].split()[0] if r.name.startswith("service") else r.name, r.workers): r
                   for r, _, _ in servers}
        for result, _, _ in servers:
            print(result.line())
        for _, _, server in servers:
            stop(server)
        servers.clear()
        print()
        ask1, ask2 = results["Starlette + bot.ask()", 1].rate, results["Starlette + bot.ask()", 2].rate
        print(f"ratios: memory, 1 worker / Starlette + bot.ask(), 1 worker = {results['memory', 1].rate / ask1:.2f}x; "
              f"Redis, 1 worker = {results['Redis', 1].rate / ask1:.2f}x; "
              f"Redis, 2 workers / Starlette + bot.ask(), 2 workers = {results['Redis', 2].rate / ask2:.2f}x")
        print(f"ratios: 2 workers / 1 worker: Redis store {results['Redis', 2].rate / results['Redis', 1].rate:.2f}x, "
              f"Starlette + bot.ask() {ask2 / ask1:.2f}x, fixed JSON "
              f"{results['fixed JSON', 2].rate / results['fixed JSON', 1].rate:.2f}x", flush=True)

        # Many conversations kept: one worker, memory store.
        port = free_port()
        server = start([*chatbot, "--port", str(port)], port)
        try:
            before = rss_mb(server.pid)
            asyncio.run(create_sessions(port, args.sessions))
            after = rss_mb(server.pid)
            elapsed, latencies = asyncio.run(load(port, args.clients, args.requests))
        finally:
            stop(server)
        ms = [x * 1000 for x in latencies]
        p50, p99 = percentile(ms, .5), percentile(ms, .99)
        print(f"\nmemory store, 1 worker, {args.sessions:,} conversations kept: {len(ms) / elapsed:,.0f} requests/s, "
              f"p50 {p50:.1f} ms, p99 {p99:.1f} ms (p99 = {p99 / p50:.1f}x p50); "
              f"{(after - before) * 1024 * 1024 / args.sessions:,.0f} bytes per conversation in the process")
        keys_before, used_before = redis_memory(url)
        port = free_port()
        server = start([*chatbot, "--port", str(port), "--sessions", url], port)
        try:
            asyncio.run(create_sessions(port, args.sessions))
        finally:
            stop(server)
        keys_after, used_after = redis_memory(url)
        print(f"Redis: {(used_after - used_before) / max(1, keys_after - keys_before):,.0f} bytes per conversation "
              f"({keys_after:,} kept)")
    finally:
        for _, _, server in servers:
            stop(server)
        redis_process.terminate()
        redis_process.wait()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
