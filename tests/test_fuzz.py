"""Property-based tests (hypothesis) over the normalizer, the matcher, the conversation engine and
the HTTP API: no exception escapes, confidence stays in [0, 1], replies are never empty, and the
same input always gets the same reply. Derandomized, so every run tries the same inputs."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatbot import Chatbot, InputError
from chatbot.dialogue.conversation import Conversation
from chatbot.understanding.text import focus, normalize, words

FUZZ = settings(derandomize=True, database=None, deadline=None, max_examples=150,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
TOKEN = re.compile(r"[a-z0-9]+")

# Words the bot knows and the glue of real questions and follow-ups, so that generated text
# reaches the interesting paths (mentions, positions, clarifying questions) and not only fallbacks.
KNOWN = ["what", "skills", "skill", "steps", "step", "duties", "do", "i", "need", "a", "the", "degree", "maths",
         "teamwork", "next", "previous", "more", "tell", "me", "about", "first", "second", "third", "last", "one",
         "1", "2", "3", "10", "99", "3rd", "number", "how", "become", "technician", "salary", "work", "why",
         "is", "it", "important", "after", "before", "that", "and", "or", "but", "so", "?", "!", ".", ",",
         "communication", "analysis", "experience", "certification", "hello", "thanks", "bye", "help",
         "teamwrok", "skils", "stpes", "wat", "u", "r", "&", "#", "'s", "n't", "don't", "can't"]
known_text = st.lists(st.sampled_from(KNOWN), max_size=25).map(" ".join)
any_text = st.text(max_size=300)
odd_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=()), max_size=200)
questions = st.one_of(known_text, any_text, odd_text, st.sampled_from(["1", "2", "first", "the second one", "next",
                                                                        "tell me more", "/help", "", " "]))


class QuietBot(Chatbot):
    """The shared bot, with a short repr: hypothesis prints the arguments of a failing example."""

    def __repr__(self) -> str:
        return "<the bundled bot>"


@pytest.fixture(scope="module")
def quiet(bot: Chatbot) -> Chatbot:
    return QuietBot(bot.content, bot.matcher, bot.settings)


def check(reply) -> None:
    assert reply.text.strip()
    assert 0.0 <= reply.confidence <= 1.0
    assert reply.intent


# --- the normalizer ---------------------------------------------------------------------------

@FUZZ
@given(st.one_of(known_text, any_text, odd_text))
def test_normalize_gives_plain_tokens_the_same_way_every_time(text):
    tokens = normalize(text)
    assert all(TOKEN.fullmatch(token) for token in tokens)
    assert normalize(text) == tokens
    assert len(tokens) <= len(words(text))


@FUZZ
@given(st.one_of(known_text, any_text))
def test_focus_keeps_the_whole_text_first_and_adds_a_few_pieces(text):
    parts = focus(text)
    if text:
        assert parts[0] == text
    assert all(part for part in parts) and len(parts) <= 10


@FUZZ
@given(st.integers(min_value=4301, max_value=6000))
def test_normalize_reads_any_ordinal(digits):
    assert normalize("1" * digits + "th")


# --- the matcher ------------------------------------------------------------------------------

@FUZZ
@given(questions, st.sampled_from(["steps", "skills", "duties", "role", "topics"]))
def test_the_matcher_ranks_anything_with_scores_in_range(quiet, text, category):
    bot = quiet
    try:
        text = bot.clean(text)
    except InputError:
        return
    parse = bot.matcher.parse(text, in_view=category)
    candidates = parse.candidates
    assert len(candidates) <= 5
    assert all(0.0 <= c.score <= 1.0 + 1e-9 for c in candidates)
    assert [c.score for c in candidates] == sorted((c.score for c in candidates), reverse=True)
    assert all(item in bot.content.items for c in candidates for item in c.items)
    assert bot.matcher.parse(text, in_view=category) == parse


def test_the_matcher_takes_empty_text(bot):
    assert bot.matcher.parse("", in_view="steps").reading.tokens == ()


# --- the conversation engine ------------------------------------------------------------------

def converse(bot: Chatbot, turns: list[str]) -> list[object]:
    """Every turn's reply (or the InputError refusing it), in one conversation."""
    conversation = Conversation()
    out: list[object] = []
    for text in turns:
        try:
            reply = bot.ask(text, conversation)
        except InputError as error:
            considered = text[: bot.settings.max_question_chars]
            assert not any(ch.isprintable() and not ch.isspace() for ch in considered), "refused a real question"
            out.append(str(error))
            continue
        check(reply)
        assert conversation.item is None or conversation.item in bot.content.items
        assert conversation.listed is None or conversation.listed in bot.content.categories
        out.append(reply)
    assert conversation.turns == sum(not isinstance(r, str) for r in out)
    return out


@settings(FUZZ, max_examples=80)
@given(st.lists(questions, min_size=1, max_size=8))
def test_a_conversation_never_breaks_and_replays_the_same(quiet, turns):
    assert converse(quiet, turns) == converse(quiet, turns)


@settings(FUZZ, max_examples=80)
@given(st.lists(st.sampled_from(["what skills do I need?", "what are the steps?", "next", "previous", "tell me more",
                                 "the third one", "the last one", "1", "2", "first", "second", "is it important?",
                                 "what about teamwork?", "maths or analysis?", "step 9", "number 0", "what comes after that?"]),
                min_size=1, max_size=12))
def test_follow_ups_in_any_order(quiet, turns):
    """Follow-ups without context, past either end of a list, or answering no question at all."""
    assert converse(quiet, turns) == converse(quiet, turns)


# --- the HTTP API -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def http(bot):
    """Send requests straight to the ASGI app (no sockets), on one event loop."""
    httpx = pytest.importorskip("httpx")
    pytest.importorskip("starlette")
    from chatbot.shells.server.app import create_app

    loop = asyncio.new_event_loop()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(bot)), base_url="http://chatbot")

    def send(method: str, path: str, **options):
        return loop.run_until_complete(client.request(method, path, **options))

    yield send
    loop.run_until_complete(client.aclose())
    loop.close()


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
                           max_leaves=10)
chat_bodies = st.fixed_dictionaries({}, optional={"message": st.one_of(questions, json_values),
                                                  "session_id": st.one_of(st.none(), st.text(max_size=70), json_values)})
EXPECTED = {"/v1/chat": {200, 400, 404, 413, 415, 422}, "/webhooks/rest/webhook": {200, 400, 413, 422}}


@settings(FUZZ, max_examples=120)
@given(chat_bodies, st.dictionaries(st.text(max_size=10), json_values, max_size=3),
       st.sampled_from(["/v1/chat", "/webhooks/rest/webhook"]), st.text(max_size=20))
def test_any_json_body_gets_a_reply_or_a_json_error(http, body, extra, path, sender):
    if path != "/v1/chat":
        body = {**body, "sender": sender}
    response = http("POST", path, content=json.dumps({**extra, **body}), headers={"content-type": "application/json"})
    assert response.status_code in EXPECTED[path], response.text
    data = response.json()
    if response.status_code == 200:
        replies = data if isinstance(data, list) else [data]
        assert replies and all(r["text"].strip() for r in replies)
        if path == "/v1/chat":
            assert 0 <= data["confidence"] <= 1
    else:
        assert data["error"] and data["message"]


@settings(FUZZ, max_examples=120)
@given(st.binary(max_size=400), st.sampled_from(["application/json", "text/plain", "", "application/json; charset=latin-1"]))
def test_any_bytes_get_a_json_error_not_a_crash(http, body, content_type):
    response = http("POST", "/v1/chat", content=body, headers={"content-type": content_type})
    assert response.status_code in {200, 400, 404, 413, 415, 422}
    assert response.headers["content-type"].startswith("application/json")


@settings(FUZZ, max_examples=40)
@given(questions)
def test_the_api_gives_the_library_reply(http, quiet, text):
    """The same message gets the same reply through HTTP as through the library, every time."""
    bot = quiet
    response = http("POST", "/v1/chat", json={"message": text})
    try:
        reply = bot.ask(text)
        expected = {**reply.to_dict(), "body": reply.body}
    except InputError:
        assert response.status_code in (413, 422)
        return
    if len(text) > bot.settings.max_question_chars:
        assert response.status_code == 413
        return
    assert response.status_code == 200
    data = response.json()
    del data["session_id"]
    assert data == expected
