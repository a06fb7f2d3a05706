"""Take the widget's screenshots for docs/server.md: desktop, mobile (390 px), after a reload and
after feedback, in Debian's headless chromium against `chatbot serve` on a free port.

    python scripts/widget_screenshots.py            # writes docs/images/widget-*.png
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "images"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ask(page: Page, question: str) -> None:
    answers = page.locator(".msg.bot").count()
    page.get_by_label("Your question").fill(question)
    page.get_by_label("Your question").press("Enter")
    expect(page.locator(".msg.bot")).to_have_count(answers + 1)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    command = shutil.which("chatbot") or str(Path(sys.executable).with_name("chatbot"))
    service = subprocess.Popen([command, "serve", "--port", str(port)], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(url + "healthz")
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise SystemExit("chatbot serve did not start") from None
                time.sleep(0.1)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                                                 args=CHROMIUM_ARGS)
            desktop = browser.new_context(viewport={"width": 1280, "height": 800})
            page = desktop.new_page()
            page.goto(url)
            page.get_by_role("button", name="Ask a question").click()
            expect(page.locator(".chip").first).to_be_visible()
            ask(page, "how do I become a production technician?")
            ask(page, "the third one")
            page.screenshot(path=OUT / "widget-desktop.png")
            page.reload()
            expect(page.locator(".msg.bot")).to_have_count(3)
            page.screenshot(path=OUT / "widget-after-reload.png")
            ask(page, "tell me more")
            page.locator(".answer").last.get_by_role("button", name="Not helpful").click()
            expect(page.locator(".thanks").last).to_be_visible()
            page.screenshot(path=OUT / "widget-after-feedback.png")
            desktop.close()

            mobile = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                         is_mobile=True, has_touch=True)
            page = mobile.new_page()
            page.goto(url)
            page.get_by_role("button", name="Ask a question").click()
            ask(page, "what skills do I need?")
            page.screenshot(path=OUT / "widget-mobile.png")
            mobile.close()
            browser.close()
    finally:
        service.terminate()
        service.wait(timeout=10)
    print(f"screenshots in {OUT.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
