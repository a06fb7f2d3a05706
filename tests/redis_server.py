"""A real Redis server for the tests: Debian's redis-server on a free localhost port, in a folder of
its own, started and stopped by the test (and started again on the same port and folder, with what
it had saved, for the tests of a Redis that goes away and comes back)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

REDIS_SERVER = shutil.which("redis-server") or ("/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None)
needs_redis = pytest.mark.skipif(REDIS_SERVER is None, reason="needs Debian's redis-server (apt-get install redis-server); "
                                                               ".ci/run installs it")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """`redis-server` on 127.0.0.1:`port` with its files in `folder`; every write goes to its
    append-only file, so a stop and a start keep what it held."""

    def __init__(self, folder: Path, *, port: int | None = None, options: tuple[str, ...] = ()) -> None:
        assert REDIS_SERVER is not None
        self.folder, self.port, self.options = folder, port or free_port(), options
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None
        folder.mkdir(parents=True, exist_ok=True)

    def start(self) -> RedisServer:
        assert self.process is None
        self.process = subprocess.Popen(
            [str(REDIS_SERVER), "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.folder),
             "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--logfile", "redis.log",
             "--protected-mode", "no", *self.options],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = (self.folder / "redis.log").read_text(errors="replace")[-2000:]
                self.stop()
                raise RuntimeError(f"redis-server did not start:\n{log}")
            time.sleep(0.02)
        return self

    def answers(self) -> bool:
        """Whether it answers PING (and is done loading what it saved)."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
