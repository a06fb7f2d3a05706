"""Benchmark of the HTTP service: throughput and latency under 50 concurrent clients, and memory
as conversations pile up.

Starts `chatbot serve` as its own process on a free localhost port (default settings, access log
on), then:
1. 50 clients, each on its own keep-alive connection, run short conversations (a question, then
   follow-ups, then a new conversation) as fast as the service answers; requests per second and
   p50/p90/p99 latency are measured over `--requests` requests after a warm-up.
2. Creates `--sessions` conversations (one POST each, no session_id) and reads the server's
   resident memory (VmRSS) before, at the bound, and after going past it.

The client speaks HTTP/1.1 over asyncio streams directly: a general-purpose client costs more CPU
per request than the service does, and on a small machine it would measure itself.

    python benchmarks/bench_server.py                 # full run (a few minutes)
    python benchmarks/bench_server.py --requests 5000 --sessions 20000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

DIALOGUE = [
    "how do i become a production technician",
    "the third one",
    "tell me more",
    "next",
    "what skills do i need?",
    "how much do they earn",
]


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


async def load(host: str, port: int, clients: int, requests: int) -> tuple[float, list[float]]:
    """Run `requests` requests from `clients` concurrent connections; return (seconds, latencies)."""
    connections = [await Connection.open(host, port) for _ in range(clients)]
    await asyncio.gather(*(converse(c, 2 * len(DIALOGUE), []) for c in connections))  # warm-up
    latencies: list[float] = []
    started = time.perf_counter()
    await asyncio.gather(*(converse(c, requests // clients, latencies) for c in connections))
    elapsed = time.perf_counter() - started
    for connection in connections:
        connection.close()
    return elapsed, latencies


async def create_sessions(host: str, port: int, count: int, clients: int = 50) -> None:
    """Start `count` new conversations, one request each."""
    async def worker(share: int) -> None:
        connection = await Connection.open(host, port)
        for _ in range(share):
            status, reply = await connection.post("/v1/chat", {"message": "hello"})
            if status != 200:
                raise RuntimeError(f"{status}: {reply}")
        connection.close()

    await asyncio.gather(*(worker(count // clients + (i < count % clients)) for i in range(clients)))


def rss_mb(pid: int) -> float:
    """Resident memory of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def sessions_kept(base: str) -> int:
    with urllib.request.urlopen(base + "/healthz") as response:
        return json.load(response)["sessions"]


def start_server(port: int) -> subprocess.Popen:
    command = shutil.which("chatbot") or str(Path(sys.executable).with_name("chatbot"))
    server = subprocess.Popen([command, "serve", "--port", str(port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            sessions_kept(f"http://127.0.0.1:{port}")
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the server did not start")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=30_000)
    parser.add_argument("--sessions", type=int, default=100_000)
    args = parser.parse_args()
    host, port = "127.0.0.1", free_port()
    server = start_server(port)
    try:
        base_rss = rss_mb(server.pid)
        elapsed, latencies = asyncio.run(load(host, port, args.clients, args.requests))
        ms = [x * 1000 for x in latencies]
        print(f"throughput: {len(ms)} requests from {args.clients} concurrent clients in {elapsed:.1f} s "
              f"= {len(ms) / elapsed:,.0f} requests/s")
        print(f"latency: p50 {percentile(ms, .5):.1f} ms, p90 {percentile(ms, .9):.1f} ms, "
              f"p99 {percentile(ms, .99):.1f} ms, max {max(ms):.1f} ms, mean {statistics.mean(ms):.1f} ms")
        print(f"memory: {base_rss:.1f} MB RSS at start, {rss_mb(server.pid):.1f} MB after the load test "
              f"({sessions_kept(f'http://{host}:{port}')} sessions)")
        started = time.perf_counter()
        asyncio.run(create_sessions(host, port, args.sessions))
        kept = sessions_kept(f"http://{host}:{port}")
        print(f"memory: {rss_mb(server.pid):.1f} MB RSS after {args.sessions:,} more new conversations "
              f"({kept:,} kept; {args.sessions / (time.perf_counter() - started):,.0f} new conversations/s)")
        asyncio.run(create_sessions(host, port, args.sessions // 2))
        print(f"memory: {rss_mb(server.pid):.1f} MB RSS after {args.sessions // 2:,} more "
              f"({sessions_kept(f'http://{host}:{port}'):,} kept; the bound is CHATBOT_MAX_SESSIONS, "
              f"default 100,000)")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
