"""The web chat widget in a real headless browser (Debian's chromium, driven by Playwright),
against `chatbot serve` started as a user would start it."""

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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from chatbot import Chatbot, Conversation

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="the widget test needs Debian's chromium at /usr/bin/chromium "
                                       "(apt-get install chromium)")

from playwright.sync_api import Browser, Page, Request, Route, expect, sync_playwright  # noqa: E402


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def sites() -> Iterator[tuple[str, str]]:
    """`chatbot serve` in its own process, and a help desk's page on another origin that embeds the
    widget with one tag; the service allows that origin through CHATBOT_ALLOWED_ORIGINS."""
    service_url, desk_port = f"http://127.0.0.1:{free_port()}", free_port()
    desk_page = (f'<!doctype html><html lang="en"><title>Help desk</title><h1>Help desk</h1>'
                 f'<script src="{service_url}/widget.js" data-title="Ask the careers bot" data-open="true" defer>'
                 f'</script></html>').encode()

    class HelpDesk(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(desk_page)))
            self.end_headers()
            self.wfile.write(desk_page)

        def log_message(self, *args: object) -> None:
            pass

    desk = ThreadingHTTPServer(("127.0.0.1", desk_port), HelpDesk)
    threading.Thread(target=desk.serve_forever, daemon=True).start()
    command = shutil.which("chatbot") or str(Path(sys.executable).with_name("chatbot"))
    process = subprocess.Popen([command, "serve", "--port", service_url.rsplit(":", 1)[1]],
                               env={**os.environ, "CHATBOT_ALLOWED_ORIGINS": f"http://localhost:{desk_port}"},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(service_url + "/healthz")
            break
        except httpx.TransportError:
            assert process.poll() is None and time.monotonic() < deadline, "chatbot serve did not start"
            time.sleep(0.1)
    yield service_url, f"http://localhost:{desk_port}/"
    process.terminate()
    process.wait(timeout=10)
    desk.shutdown()


@pytest.fixture(scope="module")
def service(sites: tuple[str, str]) -> str:
    return sites[0]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser: Browser, service: str) -> Iterator[Page]:
    """The demo page, failing the test on any script error or logged error (a failed request is
    logged too: tests that provoke one check their responses themselves)."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
    page.goto(service + "/")
    yield page
    context.close()
    assert problems == []


def open_chat(page: Page) -> None:
    page.get_by_role("button", name="Ask about technician careers").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(page.get_by_label("Your question")).to_be_focused()


def ask(page: Page, question: str) -> None:
    """Type a question, press Enter, and wait for the answer to appear."""
    answers = page.locator(".msg.bot").count()
    page.get_by_label("Your question").fill(question)
    page.get_by_label("Your question").press("Enter")
    expect(page.locator(".msg.bot")).to_have_count(answers + 1)


def last_answer(page: Page) -> str:
    return page.locator(".msg.bot").last.text_content().removeprefix("Assistant: ")


def chips(page: Page) -> list[str]:
    return page.locator(".chip").all_text_contents()


def test_a_conversation_with_a_follow_up_and_a_clicked_suggestion(page: Page, bot: Chatbot) -> None:
    sent: list[dict[str, Any]] = []
    failed: list[str] = []
    page.on("request", lambda r: sent.append(json.loads(r.post_data or "{}")) if r.url.endswith("/v1/chat") else None)
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.reload()
    open_chat(page)
    expect(page.locator(".msg.bot")).to_have_count(1)  # the greeting
    expect(page.locator(".chip").first).to_be_visible()
    assert "What are the steps?" in chips(page)  # starters from /v1/topics

    conversation = Conversation()
    for question in ("how do i become a production technician?", "the third one"):
        expected = bot.ask(question, conversation)
        ask(page, question)
        assert last_answer(page) == expected.body  # the suggestions are the chips, not repeated in the text
        assert chips(page) == list(expected.suggestions)
    assert last_answer(page).startswith("Step 3 of 5: Become certified")

    suggestion = chips(page)[0]
    expected = bot.ask(suggestion, conversation)
    page.get_by_role("button", name=suggestion).click()
    expect(page.locator(".msg.bot")).to_have_count(4)
    assert page.locator(".msg.user").last.text_content() == "You: " + suggestion
    assert last_answer(page) == expected.body

    assert [m["message"] for m in sent] == ["how do i become a production technician?", "the third one", suggestion]
    assert "session_id" not in sent[0]
    assert sent[1]["session_id"] == sent[2]["session_id"] and sent[1]["session_id"]
    assert failed == []


def test_text_from_the_user_and_from_replies_is_shown_as_text_never_as_html(page: Page) -> None:
    def hostile_reply(route: Route, request: Request) -> None:
        route.fulfill(status=200, content_type="application/json", body=json.dumps({
            "text": '<img src=x onerror="window.pwned=2"><i>italic</i>', "intent": "x", "confidence": 1,
            "fallback": False, "sources": [], "context": None, "session_id": "abc",
            "suggestions": ['<b onclick="window.pwned=3">bold</b>']}))

    page.route("**/v1/chat", hostile_reply)
    open_chat(page)
    typed = '<img src=x onerror="window.pwned=1"><script>window.pwned=1</script>'
    ask(page, typed)
    assert page.locator(".msg.user").last.text_content() == "You: " + typed
    assert last_answer(page) == '<img src=x onerror="window.pwned=2"><i>italic</i>'
    page.get_by_role("button", name='<b onclick="window.pwned=3">bold</b>').click()
    expect(page.locator(".msg.bot")).to_have_count(3)
    assert page.locator("#career-chatbot-widget img, #career-chatbot-widget i, #career-chatbot-widget b, "
                        "#career-chatbot-widget script").count() == 0
    assert page.evaluate("window.pwned") is None


def test_the_widget_works_from_the_keyboard_alone(page: Page) -> None:
    launcher = page.get_by_role("button", name="Ask about technician careers")
    for _ in range(10):
        page.keyboard.press("Tab")
        if launcher.evaluate("el => el.getRootNode().activeElement === el"):
            break
    expect(launcher).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Your question")).to_be_focused()
    page.keyboard.type("what skills do I need?")
    page.keyboard.press("Enter")
    expect(page.locator(".msg.bot")).to_have_count(2)
    assert "Communication" in last_answer(page)

    page.keyboard.press("Shift+Tab")  # back from the input to the last suggestion
    last_chip = page.locator(".chip").last
    expect(last_chip).to_be_focused()
    question = last_chip.text_content()
    page.keyboard.press("Enter")
    expect(page.locator(".msg.bot")).to_have_count(3)
    assert page.locator(".msg.user").last.text_content() == "You: " + question

    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(launcher).to_be_focused()
    assert launcher.get_attribute("aria-expanded") == "false"


def test_a_forgotten_session_is_replaced_without_bothering_the_user(page: Page) -> None:
    sent: list[dict[str, Any]] = []

    def forget_once(route: Route, request: Request) -> None:
        body = json.loads(request.post_data or "{}")
        sent.append(body)
        if "session_id" in body and len(sent) == 2:
            route.fulfill(status=404, content_type="application/json",
                          body=json.dumps({"error": "unknown_session", "message": "expired"}))
        else:
            route.continue_()

    page.route("**/v1/chat", forget_once)
    open_chat(page)
    ask(page, "what are the steps?")
    ask(page, "what skills do I need?")
    assert "Communication" in last_answer(page)
    assert page.locator(".msg.error").count() == 0
    assert "session_id" in sent[1] and "session_id" not in sent[2]


def test_a_refused_question_is_explained_in_the_chat(page: Page) -> None:
    page.route("**/v1/chat", lambda route, request: route.fulfill(
        status=413, content_type="application/json",
        body=json.dumps({"error": "message_too_long", "message": "the message is too long"})))
    open_chat(page)
    page.get_by_label("Your question").fill("why?")
    page.get_by_label("Your question").press("Enter")
    expect(page.locator(".msg.error")).to_have_text("Problem: the message is too long")


def test_a_help_desk_page_on_another_origin_embeds_the_widget_with_one_tag(
        browser: Browser, sites: tuple[str, str]) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(sites[1])
    expect(page.get_by_role("dialog", name="Ask the careers bot")).to_be_visible()  # data-title, data-open
    expect(page.get_by_role("button", name="What are the skills?")).to_be_visible()  # /v1/topics, cross-origin
    ask(page, "what does a production technician do?")
    assert "production technician" in last_answer(page).lower()
    assert page.locator(".msg.error").count() == 0
    context.close()


def test_a_page_on_an_origin_the_service_does_not_allow_cannot_use_it(
        browser: Browser, sites: tuple[str, str]) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(sites[1].replace("localhost", "127.0.0.1"))  # the same page, but another origin
    page.get_by_label("Your question").fill("what does a production technician do?")
    page.get_by_label("Your question").press("Enter")
    expect(page.locator(".msg.error")).to_have_text("Problem: The chat service could not be reached. Please try again.")
    context.close()
