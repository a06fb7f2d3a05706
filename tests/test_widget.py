"""The web chat widget in a real headless browser (Debian's chromium, driven by Playwright), against
`chatbot serve` started as a user would start it, with axe-core from npm checking accessibility."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, NEEDS_CHROMIUM, chatbot_serve, help_desk, npm_package

from chatbot import Chatbot, Conversation

pytestmark = NEEDS_CHROMIUM

from playwright.sync_api import Browser, Locator, Page, Request, Route, expect, sync_playwright  # noqa: E402

AXE_VERSION = "4.14.1"
LIMIT = 400
"""The service runs with CHATBOT_MAX_QUESTION_CHARS=400: the widget must take its limit from the service."""


@pytest.fixture(scope="module")
def feedback_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("logs") / "feedback.jsonl"


DESK_PAGES: dict[str, tuple[bytes, str]] = {}
"""The help desk's pages, added by the tests that embed the widget in them."""


@pytest.fixture(scope="module")
def sites(feedback_log: Path) -> Iterator[tuple[str, str]]:
    """`chatbot serve` in its own process, and a help desk on another origin whose pages embed the
    widget with one tag; the service allows that origin through CHATBOT_ALLOWED_ORIGINS."""
    with help_desk(DESK_PAGES) as desk:
        env = {"CHATBOT_ALLOWED_ORIGINS": desk, "CHATBOT_FEEDBACK_LOG": str(feedback_log),
               "CHATBOT_MAX_QUESTION_CHARS": str(LIMIT)}
        with chatbot_serve(env) as service:
            yield service, desk


@pytest.fixture(scope="module")
def service(sites: tuple[str, str]) -> str:
    return sites[0]


def page_html(body: str) -> bytes:
    return f'<!doctype html><html lang="en"><title>Help desk</title><main><h1>Help desk</h1></main>{body}</html>'.encode()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def watch(page: Page) -> list[str]:
    """Script errors and logged errors on the page (a failed request is logged too: tests that
    provoke one check their responses themselves)."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
    return problems


@pytest.fixture()
def page(browser: Browser, service: str) -> Iterator[Page]:
    """The demo page, failing the test on any script error."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems = watch(page)
    page.goto(service + "/")
    yield page
    context.close()
    assert problems == []


def launcher(page: Page) -> Locator:
    return page.get_by_role("button", name="Ask a question")


def open_chat(page: Page) -> None:
    launcher(page).click()
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(page.get_by_label("Your question")).to_be_focused()
    expect(page.locator(".msg.bot").first).to_be_visible()  # the greeting


def ask(page: Page, question: str) -> None:
    """Type a question, press Enter, and wait for the answer to appear."""
    answers = page.locator(".msg.bot").count()
    page.get_by_label("Your question").fill(question)
    page.get_by_label("Your question").press("Enter")
    expect(page.locator(".msg.bot")).to_have_count(answers + 1)


def text(locator: Locator) -> str:
    """A bubble's text without its screen-reader prefix ("Assistant: ", "You: ")."""
    return locator.evaluate("node => node.lastChild.textContent")


def last_answer(page: Page) -> str:
    return text(page.locator(".msg.bot").last)


def chips(page: Page) -> list[str]:
    return page.locator(".chip").all_text_contents()


def test_greeting_starters_and_limit_come_from_the_service(page: Page, bot: Chatbot) -> None:
    open_chat(page)
    guide = bot.content.guide
    assert last_answer(page) == f"{guide.greeting} {guide.covers}"
    assert chips(page) == list(guide.starters)  # in the guide's order
    assert page.get_by_label("Your question").get_attribute("maxlength") == str(LIMIT)
    expect(page.get_by_role("dialog")).to_contain_text("About " + guide.subject)


def test_a_conversation_with_a_follow_up_and_a_clicked_suggestion(page: Page, bot: Chatbot) -> None:
    sent: list[dict[str, Any]] = []
    failed: list[str] = []
    page.on("request", lambda r: sent.append(json.loads(r.post_data or "{}")) if r.url.endswith("/v1/chat") else None)
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    open_chat(page)

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
    assert text(page.locator(".msg.user").last) == suggestion
    assert last_answer(page) == expected.body

    assert [m["message"] for m in sent] == ["how do i become a production technician?", "the third one", suggestion]
    assert "session_id" not in sent[0]
    assert sent[1]["session_id"] == sent[2]["session_id"] and sent[1]["session_id"]
    assert failed == []


def test_the_conversation_survives_a_reload_and_goes_on_in_the_service(page: Page, bot: Chatbot) -> None:
    sent: list[dict[str, Any]] = []
    page.on("request", lambda r: sent.append(json.loads(r.post_data or "{}")) if r.url.endswith("/v1/chat") else None)
    open_chat(page)
    conversation = Conversation()
    for question in ("what are the steps?", "the second one"):
        bot.ask(question, conversation)
        ask(page, question)
    before = [text(bubble) for bubble in page.locator(".msg").all()]
    offered = chips(page)

    page.reload()
    expect(page.get_by_role("dialog")).to_be_visible()  # it was open: it opens again
    expect(page.locator(".msg.bot")).to_have_count(3)
    assert [text(bubble) for bubble in page.locator(".msg").all()] == before
    assert chips(page) == offered
    expected = bot.ask("tell me more", conversation)
    ask(page, "tell me more")  # a follow-up: the service still has the conversation
    assert last_answer(page) == expected.body
    assert expected.sources[0].id == "step.experience"
    assert sent[-1]["session_id"] == sent[1]["session_id"]


def in_view(element: Locator, log: Locator) -> bool:
    """True when the element's top is inside the conversation's visible area."""
    box, view = element.bounding_box(), log.bounding_box()
    assert box and view
    return view["y"] <= box["y"] < view["y"] + view["height"]


def test_the_newest_exchange_stays_in_view(page: Page) -> None:
    open_chat(page)
    log = page.get_by_role("log")
    for question in ("what skills do I need?", "what are their duties?", "tell me more about teamwork",
                     "why does communication matter"):
        ask(page, question)
        assert in_view(page.locator(".msg.user").last, log), f"the question {question!r} is out of view"
        assert in_view(page.locator(".msg.bot").last, log), "the start of its answer is out of view"
    assert log.evaluate("log => log.scrollHeight > log.clientHeight")  # it did have to scroll


def test_the_launcher_hides_while_the_chat_is_open(page: Page) -> None:
    expect(launcher(page)).to_be_visible()
    open_chat(page)
    expect(launcher(page)).to_be_hidden()
    page.get_by_role("button", name="Close the chat").click()
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(launcher(page)).to_be_visible()
    expect(launcher(page)).to_be_focused()


def outline(locator: Locator) -> str:
    return locator.evaluate("node => getComputedStyle(node).outlineStyle")


def test_focus_rings_show_for_the_keyboard_only(page: Page) -> None:
    open_chat(page)  # with the mouse
    field = page.get_by_label("Your question")
    assert outline(field) == "none"
    page.get_by_role("button", name=chips(page)[0]).click()
    expect(page.locator(".msg.bot")).to_have_count(2)
    assert outline(field) == "none"

    page.keyboard.press("Tab")  # to the send button
    expect(page.get_by_role("button", name="Send")).to_be_focused()
    assert outline(page.get_by_role("button", name="Send")) == "solid"
    page.keyboard.press("Shift+Tab")
    expect(field).to_be_focused()
    assert outline(field) == "solid"
    field.click()
    assert outline(field) == "none"


def axe(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now, shadow DOM included."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(npm_package("axe-core", AXE_VERSION) / "axe.min.js"))
    return page.evaluate("""async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
        .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target)}))""")


def test_axe_finds_no_accessibility_violations(browser: Browser, service: str) -> None:
    context = browser.new_context(bypass_csp=True)  # to inject axe-core; the page's own CSP is tested elsewhere
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(service + "/")
    assert axe(page) == []  # closed
    open_chat(page)
    ask(page, "what skills do I need?")
    ask(page, "the third one")
    page.locator(".answer").last.get_by_role("button", name="Not helpful").click()
    expect(page.locator(".thanks")).to_be_visible()
    assert axe(page) == []  # open, with a conversation, chips and a rating
    page.set_viewport_size({"width": 390, "height": 844})
    assert axe(page) == []  # full screen on a phone
    context.close()


def test_help_desks_theme_it_with_data_attributes_and_css_custom_properties(
        browser: Browser, sites: tuple[str, str]) -> None:
    service, desk = sites
    DESK_PAGES["/attributes"] = (page_html(
        f'<script src="{service}/widget.js" data-color="#0b5cad" data-position="left" data-title="ACME help" '
        f'data-greeting="Hi! Ask me about technician careers." data-launcher="Chat with ACME" defer></script>'),
        "text/html")
    DESK_PAGES["/css"] = (page_html(
        '<style>#career-chatbot-widget { --ccb-accent: rgb(120, 20, 60); --ccb-font: serif; }</style>'
        f'<script src="{service}/widget.js" defer></script>'), "text/html")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(desk + "/attributes")
    button = page.get_by_role("button", name="Chat with ACME")
    assert button.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(11, 92, 173)"
    assert button.evaluate("b => b.getBoundingClientRect().left") < 100  # the bottom left corner
    button.click()
    expect(page.get_by_role("dialog", name="ACME help")).to_be_visible()
    expect(page.locator(".msg.bot").first).to_have_text("Assistant: Hi! Ask me about technician careers.")
    expect(page.locator(".chip").first).to_be_visible()  # the starters still come from the service

    page.evaluate("sessionStorage.clear()")  # a new visitor
    page.goto(desk + "/css")
    launcher(page).click()
    header = page.locator("header")
    assert header.evaluate("h => getComputedStyle(h).backgroundColor") == "rgb(120, 20, 60)"
    assert header.evaluate("h => getComputedStyle(h).fontFamily") == "serif"
    context.close()


def test_on_a_phone_the_chat_is_full_screen(browser: Browser, service: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(service + "/")
    expect(launcher(page)).to_be_visible()  # a round button; its label is for screen readers
    open_chat(page)
    box = page.get_by_role("dialog").bounding_box()
    assert box == {"x": 0, "y": 0, "width": 390, "height": 844}
    ask(page, "what skills do I need?")
    assert "Communication" in last_answer(page)
    context.close()


def test_a_question_that_failed_can_be_tried_again(page: Page, bot: Chatbot) -> None:
    attempts: list[str] = []

    def fail_once(route: Route, request: Request) -> None:
        attempts.append(request.post_data or "")
        if len(attempts) == 1:
            route.abort("connectionrefused")
        else:
            route.continue_()

    open_chat(page)
    starters = chips(page)
    page.route("**/v1/chat", fail_once)
    ask_without_waiting(page, "what skills do I need?")
    expect(page.locator(".msg.error")).to_contain_text("The chat service could not be reached. Please try again.")
    assert chips(page) == starters  # what could be asked before still can
    page.get_by_role("button", name="Try again").click()
    expect(page.locator(".msg.bot")).to_have_count(2)
    assert last_answer(page) == bot.ask("what skills do I need?").body
    assert page.locator(".msg.error").count() == 0
    assert page.locator(".msg.user").count() == 1  # asked once, sent twice
    assert len(attempts) == 2


def ask_without_waiting(page: Page, question: str) -> None:
    page.get_by_label("Your question").fill(question)
    page.get_by_label("Your question").press("Enter")


def test_thumbs_down_is_posted_logged_and_kept_across_a_reload(page: Page, bot: Chatbot, feedback_log: Path) -> None:
    posted: list[dict[str, Any]] = []
    page.on("request", lambda r: posted.append(json.loads(r.post_data or "{}"))
            if r.url.endswith("/v1/feedback") else None)
    open_chat(page)
    question = "how much does a production technician earn?"
    expected = bot.ask(question)
    ask(page, question)
    answer = page.locator(".answer").last
    with page.expect_response("**/v1/feedback") as response:
        answer.get_by_role("button", name="Not helpful").click()
    assert response.value.status == 202
    expect(answer.get_by_role("button", name="Not helpful")).to_have_attribute("aria-pressed", "true")
    expect(answer).to_contain_text("Thanks for your feedback")
    assert posted[-1]["question"] == question and posted[-1]["rating"] == "down"
    assert (posted[-1]["intent"], posted[-1]["confidence"]) == (expected.intent, round(expected.confidence, 3))

    wanted = {"question": question, "reply_intent": expected.intent, "rating": "down"}.items()
    deadline = time.monotonic() + 5  # the service writes it after answering, off its event loop
    while not any(wanted <= entry.items() for entry in logged(feedback_log)):
        assert time.monotonic() < deadline, f"not in the feedback log: {logged(feedback_log)}"
        time.sleep(0.02)

    page.reload()
    answer = page.locator(".answer").last
    expect(answer.get_by_role("button", name="Not helpful")).to_have_attribute("aria-pressed", "true")
    expect(answer.get_by_role("button", name="Helpful", exact=True)).to_be_disabled()  # one rating per answer


def logged(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []


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
    assert text(page.locator(".msg.user").last) == typed
    assert last_answer(page) == '<img src=x onerror="window.pwned=2"><i>italic</i>'
    page.get_by_role("button", name='<b onclick="window.pwned=3">bold</b>').click()
    expect(page.locator(".msg.bot")).to_have_count(3)
    assert page.locator("#career-chatbot-widget img, #career-chatbot-widget i, #career-chatbot-widget b, "
                        "#career-chatbot-widget script").count() == 0
    assert page.evaluate("window.pwned") is None


def test_the_widget_works_from_the_keyboard_alone(page: Page) -> None:
    button = launcher(page)
    for _ in range(20):
        page.keyboard.press("Tab")
        if button.evaluate("el => el.getRootNode().activeElement === el"):
            break
    expect(button).to_be_focused()
    assert outline(button) == "solid"
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
    assert text(page.locator(".msg.user").last) == question

    log = page.get_by_role("log")
    log.focus()  # the conversation scrolls from the keyboard
    assert log.evaluate("log => log.scrollTop") > 0
    page.keyboard.press("Home")
    log.evaluate("log => new Promise(done => { const check = () => log.scrollTop === 0 ? done() : "
                 "requestAnimationFrame(check); check(); })")  # scrolling may be smooth: wait for the top

    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(button).to_be_focused()
    assert button.get_attribute("aria-expanded") == "false"


def test_a_new_conversation_starts_from_the_greeting(page: Page) -> None:
    open_chat(page)
    ask(page, "what skills do I need?")
    page.get_by_role("button", name="Start a new conversation").click()
    expect(page.locator(".msg")).to_have_count(1)
    page.reload()
    expect(page.locator(".msg")).to_have_count(1)


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
    ask_without_waiting(page, "why?")
    expect(page.locator(".msg.error")).to_contain_text("Problem: the message is too long")


def test_a_help_desk_page_on_another_origin_embeds_the_widget_with_one_tag(
        browser: Browser, sites: tuple[str, str]) -> None:
    service, desk = sites
    DESK_PAGES["/"] = (page_html(f'<script src="{service}/widget.js" data-title="Ask the careers bot" '
                                 f'data-open="true" defer></script>'), "text/html")
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(desk + "/")
    expect(page.get_by_role("dialog", name="Ask the careers bot")).to_be_visible()  # data-title, data-open
    expect(page.get_by_role("button", name="What skills do I need?")).to_be_visible()  # /v1/config, cross-origin
    ask(page, "what does a production technician do?")
    assert "production technician" in last_answer(page).lower()
    assert page.locator(".msg.error").count() == 0

    page.goto(desk.replace("localhost", "127.0.0.1") + "/")  # the same page on an origin not allowed
    expect(page.locator(".msg.error")).to_contain_text("Problem: The chat service could not be reached.")
    context.close()
