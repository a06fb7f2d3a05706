"""Benchmark of the HTTP service beside its floors, in one run: 1 and 2 workers, memory and Redis
session stores, and two floors served the same way (the same uvicorn configuration, through the
same `run` and listening socket as `chatbot serve`):

- "fixed JSON": a minimal Starlette app that returns one fixed JSON object;
- "Starlette + bot.ask()": a minimal Starlette app that reads the message and returns
  `bot.ask(message).to_dict()`, with no sessions, checks or middleware; and the same app with
  uvicorn's own access log on (as uvicorn serves an app by default), since the service writes an
  access-log line for every request too. The service also runs once with its access log off.

For each server, per round: requests per second, p50 and p99 latency, requests refused or failed
(by status), the CPU time its processes spent per request (steadier than requests per second on a
machine shared with other work), and, with 2 workers, how the connections and the CPU were shared
between them; after the rounds, its memory (PSS, so that pages shared by processes count once).
Ratios to the floors are taken round by round, between servers loaded one right after the other.

Then, with one worker and the memory store: the same load before and after 100,000 conversations
are stored (p99 against p50), and the memory each conversation takes, in the service and in Redis.

Each server runs as its own process group (the floors too: this script started with --floor).
The client is one process of 50 keep-alive connections speaking HTTP/1.1 over asyncio streams
directly: a general-purpose client costs more CPU per request than the service does, and on a
small machine it would measure itself. Client, workers and Redis share the machine's CPUs; the CPU
that other processes took meanwhile is reported too. Everything talks over 127.0.0.1, which the
per-client limits never count; the servers run with those limits off all the same
(CHATBOT_CLIENT_REQUESTS_PER_MINUTE=0, CHATBOT_CLIENT_SESSIONS_PER_MINUTE=0), so that a setting
in the environment cannot turn the load into 429s.

    python benchmarks/bench_server.py                          # full run (about 5 minutes)
    python benchmarks/bench_server.py --requests 5000 --sessions 20000 --rounds 1
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import gc
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import asdict, dataclass, field
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
UNLIMITED = {"CHATBOT_CLIENT_REQUESTS_PER_MINUTE": "0", "CHATBOT_CLIENT_SESSIONS_PER_MINUTE": "0"}
TICK = os.sysconf("SC_CLK_TCK")


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
    """Serve a floor the way `chatbot serve` serves the service: its socket, uvicorn configuration
    (connection protocol, logging) and supervisor. "quiet" is the service itself, as `chatbot
    serve` runs it but with its access log off (log level warning), to show what the log costs."""
    from chatbot.settings import Settings
    from chatbot.shells.server.app import _listen, run, serve, server_config

    if kind == "quiet":
        from chatbot import Chatbot

        settings = Settings.from_env(port=port, workers=workers)
        serve(Chatbot.load(settings=settings), settings, log_level="warning")
        return
    settings = Settings(port=port, workers=workers)
    logged = kind.endswith("-logged")  # with uvicorn's own access log, as uvicorn serves an app by default
    config = server_config(Floor(kind.removesuffix("-logged")), settings, factory=True, workers=workers,
                           access_log=logged)
    run(config, _listen("127.0.0.1", port))


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


async def converse(connection: Connection, count: int, latencies: list[float], statuses: Counter[int]) -> None:
    """Run `count` requests as back-to-back conversations, recording each request's latency and
    status; a refused turn starts the next conversation afresh."""
    session_id = None
    for turn in range(count):
        question = DIALOGUE[turn % len(DIALOGUE)]
        payload = {"message": question} if session_id is None or turn % len(DIALOGUE) == 0 else \
            {"message": question, "session_id": session_id}
        started = time.perf_counter()
        status, reply = await connection.post("/v1/chat", payload)
        latencies.append(time.perf_counter() - started)
        statuses[status] += 1
        session_id = reply.get("session_id") if status == 200 else None


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


# --- processes, CPU and memory, from /proc (Linux) ----------------------------------------------

def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def machine_busy() -> float:
    """CPU seconds every process on the machine has used since boot (steal left out)."""
    user, nice, system, _idle, _iowait, irq, softirq = (int(x) for x in Path("/proc/stat").read_text().split()[1:8])
    return (user + nice + system + irq + softirq) / TICK


def memory_mb(pid: int, kind: str = "Pss") -> float:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith(kind + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {kind} for {pid}")


def socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def tcp_inodes(port: int, state: str) -> set[str]:
    """Inodes of the TCP sockets on this side of `port` in `state` ("0A" listening, "01" established)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
                found.add(fields[9])
    return found


# --- servers -------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


@dataclass
class Sample:
    """One round of load against one server."""

    rate: float
    p50: float
    p99: float
    statuses: dict[int, int]
    cpu_us: float
    """CPU time of the server's processes per request, in microseconds."""
    redis_us: float
    client_us: float
    others: float
    """CPUs used by other processes on the machine meanwhile (0 to 2 on 2 CPUs)."""
    connections: list[int]
    """Connections each worker held."""
    busiest: float
    """The busiest worker's share of the server's CPU time (0.5 is an even split of 2)."""


@dataclass
class Server:
    name: str
    workers: int
    command: list[str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    samples: list[Sample] = field(default_factory=list)
    memory: float = 0.0

    def start(self) -> None:
        self.process = subprocess.Popen([*self.command, "--port", str(self.port), "--workers", str(self.workers)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        env={**os.environ, **UNLIMITED}, start_new_session=True)

    def wait_ready(self) -> None:
        """Until the server answers and every worker listens."""
        assert self.process is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}")
            try:
                body = json.dumps({"message": "hello"}).encode()
                request = urllib.request.Request(f"http://127.0.0.1:{self.port}/v1/chat", body,
                                                 {"Content-Type": "application/json"})
                with urllib.request.urlopen(request, timeout=1):
                    pass
                if len(self.worker_pids()) == self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not start")

    def worker_pids(self) -> list[int]:
        """The processes that serve: this one, or the supervisor's children that listen on the port."""
        assert self.process is not None
        if self.workers == 1:
            return [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        listening = tcp_inodes(self.port, "0A")
        return [int(pid) for pid in children if socket_inodes(int(pid)) & listening]

    def all_pids(self) -> list[int]:
        assert self.process is not None
        return sorted({self.process.pid, *self.worker_pids()})

    def stop(self) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, 15)
            self.process.wait(timeout=20)
            self.process = None


def measure(server: Server, clients: int, requests: int, redis_pid: int) -> Sample:
    """One round of load against one server: `requests` requests from `clients` connections."""
    workers = server.worker_pids()
    pids = server.all_pids()

    async def load() -> Sample:
        connections = [await Connection.open("127.0.0.1", server.port) for _ in range(clients)]
        await asyncio.gather(*(converse(c, 4 * len(DIALOGUE), [], Counter()) for c in connections))  # warm-up
        established = tcp_inodes(server.port, "01")
        held = [len(socket_inodes(pid) & established) for pid in workers]
        latencies: list[float] = []
        statuses: Counter[int] = Counter()
        cpu = {pid: cpu_seconds(pid) for pid in [*pids, redis_pid]}
        client, busy, started = time.process_time(), machine_busy(), time.perf_counter()
        await asyncio.gather(*(converse(c, requests // clients, latencies, statuses) for c in connections))
        elapsed = time.perf_counter() - started
        client, busy = time.process_time() - client, machine_busy() - busy
        used = {pid: cpu_seconds(pid) - before for pid, before in cpu.items()}
        for connection in connections:
            connection.close()
        count = len(latencies)
        server_cpu = sum(used[pid] for pid in pids)
        ms = [x * 1000 for x in latencies]
        return Sample(rate=count / elapsed, p50=percentile(ms, .5), p99=percentile(ms, .99), statuses=dict(statuses),
                      cpu_us=server_cpu / count * 1e6, redis_us=used[redis_pid] / count * 1e6,
                      client_us=client / count * 1e6,
                      others=max(0.0, busy - server_cpu - used[redis_pid] - client) / elapsed,
                      connections=held, busiest=max(used[pid] for pid in workers) / max(server_cpu, 1e-9))

    return asyncio.run(load())


def redis_server(folder: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    process = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(folder),
                                "--save", "", "--appendonly", "no", "--maxmemory", "1gb",
                                "--maxmemory-policy", "volatile-ttl"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            redis_memory(url)
            return process, url
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("redis-server did not start")


def redis_memory(url: str) -> tuple[int, int]:
    """(keys, used_memory) of the Redis at `url`; OSError if it does not answer."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        return client.dbsize(), client.info("memory")["used_memory"]
    except redis.ConnectionError as error:
        raise OSError(str(error)) from None
    finally:
        client.close()


# --- the report ------------------------------------------------------------------------------------

def spread(values: list[float], fmt: str = ",.0f") -> str:
    """The median, and the range when there are several values."""
    median = format(statistics.median(values), fmt)
    return median if len(values) == 1 else f"{median} ({format(min(values), fmt)}–{format(max(values), fmt)})"


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal"))) // 1024
    import redis
    import starlette
    import uvicorn

    version = subprocess.run([shutil.which("redis-server") or "/usr/bin/redis-server", "--version"],
                             capture_output=True, text=True).stdout.split()[2].removeprefix("v=")
    return (f"{datetime.date.today()}; {os.cpu_count()} CPUs ({cpu}), {memory:,} MB; Linux {platform.release()}; "
            f"Python {platform.python_version()}, uvicorn {uvicorn.__version__}, starlette {starlette.__version__}, "
            f"redis-py {redis.__version__}, redis-server {version}; load average {os.getloadavg()[0]:.2f}")


def report(servers: list[Server]) -> None:
    print(f"\n{'server':<32} {'workers':>7}  {'requests/s':<24} {'p50 ms':<18} {'p99 ms':<20} "
          f"{'CPU µs/request':<18} {'memory MB':>9}")
    for server in servers:
        s = server.samples
        print(f"{server.name:<32} {server.workers:>7}  {spread([x.rate for x in s]):<24} "
              f"{spread([x.p50 for x in s], '.1f'):<18} {spread([x.p99 for x in s], '.1f'):<20} "
              f"{spread([x.cpu_us for x in s]):<18} {server.memory:>9.0f}")
    print("\nper server: failed or refused requests; Redis and client CPU per request; other work on the machine; "
          "with 2 workers, connections per worker and the busiest worker's share of the CPU")
    for server in servers:
        s = server.samples
        failed = Counter[int]()
        for x in s:
            failed.update({status: n for status, n in x.statuses.items() if status != 200})
        shares = "" if server.workers == 1 else (f"; connections {', '.join('/'.join(map(str, x.connections)) for x in s)}"
                                                 f"; busiest worker {spread([x.busiest * 100 for x in s])}% of the CPU")
        print(f"  {server.name} ({server.workers}): {dict(failed) or 'none failed'}; Redis "
              f"{spread([x.redis_us for x in s])} µs, client {spread([x.client_us for x in s])} µs; "
              f"others {spread([x.others for x in s], '.2f')} CPUs{shares}")


QUIET = 0.25
"""CPUs other processes may take during both measurements of a ratio for its round to count as quiet."""


def ratios(servers: dict[tuple[str, int], Server], pairs: list[tuple[str, tuple[str, int], tuple[str, int]]]) -> None:
    """Each ratio taken round by round (servers loaded one right after the other), then its median
    and range: over all rounds, and over the quiet ones, when other work took little CPU."""
    print("\nratios, round by round: requests/s, and CPU per request (the inverse, so that higher is better too); "
          f"then requests/s in the quiet rounds (other work under {QUIET} CPUs during both)")
    for label, top, bottom in pairs:
        a, b = servers[top].samples, servers[bottom].samples
        rates = [x.rate / y.rate for x, y in zip(a, b, strict=True)]
        cpu = [y.cpu_us / x.cpu_us for x, y in zip(a, b, strict=True)]
        quiet = [x.rate / y.rate for x, y in zip(a, b, strict=True) if max(x.others, y.others) < QUIET]
        print(f"  {label}: {spread(rates, '.2f')}x; CPU {spread(cpu, '.2f')}x; quiet: "
              f"{spread(quiet, '.2f') + 'x' if quiet else '-'} ({len(quiet)} of {len(rates)} rounds)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20_000, help="requests per server and round")
    parser.add_argument("--sessions", type=int, default=100_000, help="conversations stored for the p99 test")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all the servers, each loaded in turn")
    parser.add_argument("--json", type=Path, help="also write every sample to this file")
    parser.add_argument("--floor", choices=["fixed", "ask", "ask-logged", "quiet"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor:
        serve_floor(args.floor, args.port, args.workers)
        return

    print(machine())
    print(f"{args.clients} clients on keep-alive connections, conversations of {len(DIALOGUE)} turns; "
          f"{args.rounds} rounds of {args.requests:,} requests per server", flush=True)
    here, python = str(Path(__file__).resolve()), sys.executable
    chatbot = [python, "-m", "chatbot", "serve"]
    folder = Path(tempfile.mkdtemp(prefix="bench-redis-"))
    redis_process, url = redis_server(folder)
    servers = [Server("fixed JSON", 1, [python, here, "--floor", "fixed"]),
               Server("Starlette + bot.ask()", 1, [python, here, "--floor", "ask"]),
               Server("the same, uvicorn's access log", 1, [python, here, "--floor", "ask-logged"]),
               Server("service, memory store", 1, chatbot),
               Server("service, memory, no access log", 1, [python, here, "--floor", "quiet"]),
               Server("service, Redis store", 1, [*chatbot, "--sessions", url]),
               Server("fixed JSON", 2, [python, here, "--floor", "fixed"]),
               Server("Starlette + bot.ask()", 2, [python, here, "--floor", "ask"]),
               Server("service, Redis store", 2, [*chatbot, "--sessions", url])]
    kept: list[Server] = []
    try:
        for server in servers:
            server.start()
        for server in servers:
            server.wait_ready()
        for _ in range(args.rounds):  # each server in turn, round after round: a busy moment hits all alike
            for server in servers:
                server.samples.append(measure(server, args.clients, args.requests, redis_process.pid))
        for server in servers:
            server.memory = sum(memory_mb(pid) for pid in server.all_pids())
            server.stop()
        report(servers)
        by = {(s.name.removeprefix("service, ").removesuffix(" store"), s.workers): s for s in servers}
        ratios(by, [("service, memory, 1 worker / Starlette + bot.ask() with uvicorn's access log (both log)",
                     ("memory", 1), ("the same, uvicorn's access log", 1)),
                    ("service, memory, no access log / Starlette + bot.ask() (neither logs)",
                     ("memory, no access log", 1), ("Starlette + bot.ask()", 1)),
                    ("service, memory, 1 worker / Starlette + bot.ask(), 1 worker", ("memory", 1),
                     ("Starlette + bot.ask()", 1)),
                    ("service, Redis, 2 workers / service, Redis, 1 worker", ("Redis", 2), ("Redis", 1)),
                    ("service, Redis, 1 worker / Starlette + bot.ask(), 1 worker", ("Redis", 1),
                     ("Starlette + bot.ask()", 1)),
                    ("service, Redis, 2 workers / Starlette + bot.ask(), 2 workers", ("Redis", 2),
                     ("Starlette + bot.ask()", 2)),
                    ("Starlette + bot.ask(), 2 workers / 1 worker", ("Starlette + bot.ask()", 2),
                     ("Starlette + bot.ask()", 1)),
                    ("fixed JSON, 2 workers / 1 worker", ("fixed JSON", 2), ("fixed JSON", 1))])

        # Many conversations kept: one worker, memory store, the same load before and after.
        many = Server(f"memory store, {args.sessions:,} kept", 1, chatbot)
        kept.append(many)
        many.start()
        many.wait_ready()
        assert many.process is not None
        few = measure(many, args.clients, args.requests, redis_process.pid)
        before = memory_mb(many.process.pid, "Rss")
        asyncio.run(create_sessions(many.port, args.sessions))
        after = memory_mb(many.process.pid, "Rss")
        full = measure(many, args.clients, args.requests, redis_process.pid)
        many.samples = [few, full]
        many.stop()
        print(f"\nmemory store, 1 worker, a few thousand conversations kept: {few.rate:,.0f} requests/s, "
              f"p50 {few.p50:.1f} ms, p99 {few.p99:.1f} ms (p99 = {few.p99 / few.p50:.1f}x p50), "
              f"{few.cpu_us:.0f} µs CPU per request; others {few.others:.2f} CPUs")
        print(f"the same, {args.sessions:,} more kept: {full.rate:,.0f} requests/s ({full.rate / few.rate:.2f}x), "
              f"p50 {full.p50:.1f} ms, p99 {full.p99:.1f} ms (p99 = {full.p99 / full.p50:.1f}x p50), "
              f"{full.cpu_us:.0f} µs CPU per request; others {full.others:.2f} CPUs; "
              f"{(after - before) * 1024 * 1024 / args.sessions:,.0f} bytes per conversation in the process")
        keys_before, used_before = redis_memory(url)
        store = Server("Redis store, sessions", 1, [*chatbot, "--sessions", url])
        kept.append(store)
        store.start()
        store.wait_ready()
        asyncio.run(create_sessions(store.port, args.sessions))
        store.stop()
        keys_after, used_after = redis_memory(url)
        print(f"Redis: {(used_after - used_before) / max(1, keys_after - keys_before):,.0f} bytes per conversation "
              f"({keys_after:,} kept)")
        print(f"load average at the end {os.getloadavg()[0]:.2f}")
        if args.json:
            args.json.write_text(json.dumps([{"name": s.name, "workers": s.workers, "memory_mb": s.memory,
                                              "samples": [asdict(x) for x in s.samples]}
                                             for s in [*servers, many]], indent=1))
    finally:
        for server in [*servers, *kept]:
            server.stop()
        redis_process.terminate()
        redis_process.wait()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
