"""What the browser tests share: Debian's chromium, `chatbot serve` as a process, a help desk's page
on another origin, and npm packages (axe-core, rasa-webchat) installed into a cache folder."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
NEEDS_CHROMIUM = pytest.mark.skipif(not CHROMIUM.exists(), reason="the browser tests need Debian's chromium at "
                                                                  "/usr/bin/chromium (apt-get install chromium)")
NPM_CACHE = Path(os.environ.get("CHATBOT_TEST_CACHE") or Path.home() / ".cache" / "career-chatbot-tests") / "npm"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def chatbot_serve(env: dict[str, str] | None = None, *args: str, stderr: Path | None = None) -> Iterator[str]:
    """`chatbot serve ARGS` in its own process on a free port, as a user starts it; yields its URL.
    Its standard error goes to the file `stderr`, if given."""
    port = free_port()
    command = shutil.which("chatbot") or str(Path(sys.executable).with_name("chatbot"))
    errors = open(stderr, "wb") if stderr else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen([command, "serve", "--port", str(port), *args], env={**os.environ, **(env or {})},
                               stdout=subprocess.DEVNULL, stderr=errors)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    try:
        while True:
            try:
                httpx.get(url + "/healthz")
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline, "chatbot serve did not start"
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        if stderr:
            errors.close()  # type: ignore[union-attr]


@contextmanager
def help_desk(pages: dict[str, tuple[bytes, str]]) -> Iterator[str]:
    """A help desk's own web server on another port (so another origin): path -> (body, media type).
    Yields its base URL, on `localhost` (the service runs on 127.0.0.1)."""

    class HelpDesk(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body, media_type = pages.get(self.path.split("?")[0], (b"not found", "text/plain"))
            self.send_response(200 if self.path.split("?")[0] in pages else 404)
            self.send_header("Content-Type", media_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), HelpDesk)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://localhost:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def npm_package(name: str, version: str) -> Path:
    """The folder of an npm package, installed once into the test cache with npm (no install
    scripts, so nothing downloads a browser); skips the test when npm is not there."""
    folder = NPM_CACHE / f"{name}-{version}"
    installed = folder / "node_modules" / name
    if _version(installed) == version:
        return installed
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip(f"this test installs {name} from npm, and npm is not installed (apt-get install npm)")
    folder.mkdir(parents=True, exist_ok=True)
    result = subprocess.run([npm, "install", "--prefix", str(folder), "--no-save", "--no-package-lock",
                             "--ignore-scripts", "--legacy-peer-deps", "--no-audit", "--no-fund", "--loglevel=error",
                             f"{name}@{version}"], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1", "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1"})
    assert result.returncode == 0 and _version(installed) == version, \
        f"npm install {name}@{version} failed:\n{result.stdout}\n{result.stderr}"
    return installed


def _version(package: Path) -> str | None:
    try:
        return json.loads((package / "package.json").read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError):
        return None
