"""A real HTTP server for the service tests: the app served by uvicorn on a free localhost port,
through the same listening socket and uvicorn configuration as `chatbot serve`."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn

from chatbot.settings import Settings
from chatbot.shells.server.app import _listen, server_config


class LiveServer:
    """The app served by uvicorn in a background thread, for `with LiveServer(app) as server:`."""

    def __init__(self, app: Any, *, log_level: str = "error", settings: Settings | None = None) -> None:
        self.listener = _listen("127.0.0.1", 0)
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        # log_config None: the test process keeps its own logging, so caplog sees the access log.
        config = server_config(app, settings or Settings(), log_level=log_level, lifespan="off", log_config=None)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.listener]}, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.listener.close()

    def connect(self) -> socket.socket:
        """A raw socket to the server, for clients that misbehave on purpose."""
        return socket.create_connection(("127.0.0.1", self.port), timeout=10)
