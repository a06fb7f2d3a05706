"""What the metrics, the request ids and the JSON access log cost per request, beside their floor.

    python benchmarks/bench_observability.py            # about 20 seconds
    python benchmarks/bench_observability.py --quick

The app is called in process through ASGI (no sockets, so the network and the server do not hide
the difference), one `POST /v1/chat` after another on one conversation. Measured in one run, in
alternating rounds: the same app with its observation middleware taken out (the floor), the app as
shipped with the access log off (metrics and request ids only), and the app as shipped with the
access log on, written to /dev/null. The figures go into docs/server.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chatbot import Chatbot  # noqa: E402
from chatbot.shells.server.access_log import ObserveRequests  # noqa: E402
from chatbot.shells.server.app import create_app  # noqa: E402

QUESTIONS = [b"what skills do I need?", b"the second one", b"tell me more", b"what are the steps?", b"next"]


def without_observation(app: Any) -> Any:
    """The same app with its ObserveRequests middleware taken out: the floor."""
    app.user_middleware = [m for m in app.user_middleware if m.cls is not ObserveRequests]
    app.middleware_stack = None
    return app


async def call(app: Any, body: bytes) -> dict[str, Any]:
    """One request through ASGI; the response's JSON."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/v1/chat", "raw_path": b"/v1/chat", "query_string": b"", "root_path": "",
             "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000)}
    chunks: list[bytes] = []
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return json.loads(b"".join(chunks))


async def per_request(app: Any, requests: int) -> float:
    """Seconds per request over `requests` turns of conversations of five questions."""
    session = None
    started = time.perf_counter()
    for i in range(requests):
        question = QUESTIONS[i % len(QUESTIONS)]
        if i % len(QUESTIONS) == 0:
            session = None
        body = b'{"message": "' + question + b'"' + (b', "session_id": "' + session.encode() + b'"}' if session else b"}")
        session = (await call(app, body))["session_id"]
    return (time.perf_counter() - started) / requests


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer rounds, for a smoke test")
    args = parser.parse_args()
    rounds, requests = (3, 1000) if args.quick else (7, 4000)

    bot = Chatbot.load()
    access = logging.getLogger("chatbot.access")
    access.propagate = False
    null = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115
    access.addHandler(null)
    apps = {"floor: no observation": without_observation(create_app(bot)),
            "metrics and request ids, access log off": create_app(bot),
            "metrics, request ids and access log to /dev/null": create_app(bot)}
    levels = {name: logging.INFO if "access log to" in name else logging.WARNING for name in apps}
    times: dict[str, list[float]] = {name: [] for name in apps}

    async def run() -> None:
        for name, app in apps.items():  # warm up
            access.setLevel(levels[name])
            await per_request(app, 200)
        for _ in range(rounds):
            for name, app in apps.items():
                access.setLevel(levels[name])
                times[name].append(await per_request(app, requests))

    asyncio.run(run())
    floor = statistics.median(times["floor: no observation"])
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"{rounds} alternating rounds of {requests} POST /v1/chat through ASGI")
    print(f"{'':50}  {'per request':>12}  {'vs floor':>8}  {'added':>9}")
    for name, measured in times.items():
        median = statistics.median(measured)
        print(f"{name:50}  {median * 1e6:9.1f} us  {median / floor:7.2f}x  {(median - floor) * 1e6:6.1f} us")
    return 0


if __name__ == "__main__":
    sys.exit(main())
