"""rasa-webchat, the most used Rasa web widget, installed from npm and embedded in a help desk's
page, chatting with the service over its Socket.IO channel in Debian's headless chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, NEEDS_CHROMIUM, chatbot_serve, help_desk, npm_package

from chatbot import Chatbot, Conversation
from chatbot.shells.server.socketio_channel import bot_utterances

pytestmark = NEEDS_CHROMIUM

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

WEBCHAT_VERSION = "1.0.1"


def help_desk_page(service: str) -> bytes:
    """A help desk's page with rasa-webchat set up as its README says, pointed at the service;
    the conversation is kept in sessionStorage, and messages are shown without an artificial delay."""
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Help desk</title></head>
<body><main><h1>Help desk</h1></main>
<script src="/rasa-webchat.js"></script>
<script>
  window.WebChat.default({{
    socketUrl: "{service}", socketPath: "/socket.io/", title: "Careers help",
    customData: {{ language: "en" }}, params: {{ storage: "session" }},
    customMessageDelay: function () {{ return 0; }}
  }}, null);
</script></body></html>""".encode()


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    webchat = (npm_package("rasa-webchat", WEBCHAT_VERSION) / "lib" / "index.js").read_bytes()
    pages = {"/rasa-webchat.js": (webchat, "text/javascript")}
    with help_desk(pages) as desk, chatbot_serve({"CHATBOT_ALLOWED_ORIGINS": desk}) as service:
        pages["/"] = (help_desk_page(service), "text/html; charset=utf-8")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.set_default_timeout(15_000)
            page.goto(desk + "/")
            yield page
            browser.close()


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def say(page: Page, message: str) -> list[str]:
    """Type a message in rasa-webchat, send it with Enter, and return the bot's new messages."""
    before = page.locator(".rw-response").count()
    field = page.locator(".rw-new-message")
    field.fill(message)
    field.press("Enter")
    expect(page.locator(".rw-client").last).to_contain_text(message)
    expect(page.locator(".rw-replies .rw-reply").first).to_be_visible()  # the last message carries the quick replies
    return [words(t) for t in page.locator(".rw-response").all_inner_texts()[before:]]


def quick_replies(page: Page) -> list[str]:
    return [words(t) for t in page.locator(".rw-replies .rw-reply").all_inner_texts()]


def test_rasa_webchat_chats_with_the_service(page: Page, bot: Chatbot) -> None:
    page.locator(".rw-launcher").click()
    expect(page.locator(".rw-new-message")).to_be_visible()  # connected: rasa-webchat hides itself until then

    conversation = Conversation()
    for question in ("what does a production technician do?", "do I need a degree?", "tell me more"):
        expected = bot_utterances(bot.ask(question, conversation))
        assert say(page, question) == [words(m["text"]) for m in expected]
        assert quick_replies(page) == [q["title"] for q in expected[-1]["quick_replies"]]
    assert page.locator(".rw-response").last.inner_text().startswith("Step 1 of 5: Get an education. The first step")

    page.reload()  # rasa-webchat keeps its session id (and that it was open); the service keeps the conversation
    expect(page.locator(".rw-new-message")).to_be_visible()
    expect(page.locator(".rw-client")).to_have_count(3)
    expected = bot_utterances(bot.ask("what is the next one?", conversation))
    assert say(page, "what is the next one?") == [words(m["text"]) for m in expected]
    assert expected[0]["text"].startswith("Step 2 of 5")
