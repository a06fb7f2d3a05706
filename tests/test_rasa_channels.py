"""Rasa's clients against the service, over real HTTP and WebSocket on localhost: the streaming
REST client of `rasa shell`, and Socket.IO clients as rasa-webchat drives them (its browser test is
tests/test_rasa_webchat.py)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import httpx
import pytest
import socketio
from live_server import LiveServer

from chatbot import Chatbot, Conversation, Reply
from chatbot.shells.server.app import create_app
from chatbot.shells.server.socketio_channel import bot_utterances


@pytest.fixture(scope="module")
def service(bot: Chatbot) -> Iterator[str]:
    settings = bot.settings.replace(max_question_chars=200, allowed_origins=("https://desk.example",))
    with LiveServer(create_app(bot, settings)) as server:
        yield server.url


# --- rasa shell: the streaming REST client ---------------------------------------------------------

async def rasa_shell_turn(server_url: str, sender_id: str, message: str) -> AsyncIterator[dict[str, Any]]:
    """One turn as Rasa's console client (`rasa shell`, rasa/core/channels/console.py) takes it in
    its default streaming mode: post the message to the webhook with `?stream=true&token=`, fail on
    an error status, read the body line by line as aiohttp gives it (each line with its newline),
    and parse every non-empty line as one JSON message, within a 10 s reading timeout."""
    url = f"{server_url}/webhooks/rest/webhook?stream=true&token="
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(10)) as session:
        async with session.post(url, json={"sender": sender_id, "message": message}, raise_for_status=True) as resp:
            async for line in resp.content:
                if line:
                    yield json.loads(line.decode("utf-8"))


def printed(message: dict[str, Any]) -> list[str]:
    """What the console prints for one message: its text, or with buttons a menu of numbered
    choices under the text (`1: title (payload)`), as Rasa's print_bot_output does."""
    if "buttons" not in message:
        return [message["text"]]
    return [message["text"], *(f"{i + 1}: {b['title']} ({b['payload']})" for i, b in enumerate(message["buttons"]))]


def shell_output(reply: Reply) -> list[str]:
    """What the console should print for a reply of the bot."""
    if reply.suggestions:
        return [reply.body, *(f"{i + 1}: {s} ({s})" for i, s in enumerate(reply.suggestions))]
    return [part for part in reply.text.split("\n\n") if part.strip()]


def test_rasa_shell_chats_through_the_streaming_webhook(service: str, bot: Chatbot) -> None:
    async def session() -> list[list[str]]:
        sender = uuid.uuid4().hex  # what rasa shell names its conversation
        turns = []
        for message in ("how do I become a production technician?", "the third one", "tell me more", "thanks, bye"):
            turns.append([line async for response in rasa_shell_turn(service, sender, message)
                          for line in printed(response)])
        return turns

    conversation = Conversation()
    expected = [shell_output(bot.ask(m, conversation))
                for m in ("how do I become a production technician?", "the third one", "tell me more", "thanks, bye")]
    assert asyncio.run(session()) == expected
    assert expected[1][0].startswith("Step 3 of 5: Become certified")
    assert len(expected[3]) == 1 and expected[3][0].startswith("Goodbye")  # no buttons: printed as text


def test_the_stream_is_one_json_object_a_line(service: str) -> None:
    with httpx.Client(base_url=service, timeout=10) as client:
        body = {"sender": "streamer", "message": "thanks, bye"}
        streamed = client.post("/webhooks/rest/webhook", params={"stream": "TRUE"}, json=body)
        assert streamed.status_code == 200
        assert streamed.headers["content-type"].startswith("application/x-ndjson")
        assert streamed.text.endswith("\n") and "\n\n" not in streamed.text
        lines = streamed.text.splitlines()
        whole = client.post("/webhooks/rest/webhook", params={"stream": "false"}, json=body)
        assert whole.headers["content-type"].startswith("application/json")
        assert [json.loads(line) for line in lines] == whole.json()


def test_a_refused_stream_is_an_error_status_the_shell_reports(service: str) -> None:
    async def turn() -> list[dict[str, Any]]:
        return [m async for m in rasa_shell_turn(service, "someone", "x" * 201)]

    with pytest.raises(aiohttp.ClientResponseError) as refused:
        asyncio.run(turn())
    assert refused.value.status == 413


# --- Socket.IO, as rasa-webchat speaks it ---------------------------------------------------------

class Webchat:
    """A Socket.IO client doing what rasa-webchat does: `session_request` with the session it kept,
    then `user_uttered` with that session; it collects the `bot_uttered` events."""

    def __init__(self, url: str, **connect: Any) -> None:
        self.url, self.connect_options = url, connect
        self.client = socketio.AsyncClient(reconnection=False)
        self.utterances: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.confirmed: asyncio.Queue[str] = asyncio.Queue()
        self.client.on("bot_uttered", self.utterances.put)
        self.client.on("session_confirm", self.confirmed.put)

    async def start(self, session_id: str | None = None) -> str:
        await self.client.connect(self.url, socketio_path="socket.io", **self.connect_options)
        await self.client.emit("session_request", {"session_id": session_id})
        self.session_id = await asyncio.wait_for(self.confirmed.get(), 5)
        return self.session_id

    async def say(self, message: str) -> list[dict[str, Any]]:
        await self.client.emit("user_uttered", {"message": message, "customData": {"language": "en"},
                                                "session_id": self.session_id})
        return await self.replies()

    async def replies(self) -> list[dict[str, Any]]:
        """The utterances of one reply: up to the one with quick replies, or a quiet moment."""
        got = [await asyncio.wait_for(self.utterances.get(), 5)]
        while "quick_replies" not in got[-1]:
            try:
                got.append(await asyncio.wait_for(self.utterances.get(), 0.3))
            except asyncio.TimeoutError:
                break
        return got

    async def stop(self) -> None:
        await self.client.disconnect()


def test_a_socketio_conversation_as_rasa_webchat_has_it(service: str, bot: Chatbot) -> None:
    async def chat() -> tuple[str, list[list[dict[str, Any]]]]:
        webchat = Webchat(service)
        session_id = await webchat.start()
        replies = [await webchat.say(m) for m in ("what skills do I need?", "the second one", "tell me more")]
        await webchat.stop()
        return session_id, replies

    session_id, replies = asyncio.run(chat())
    conversation = Conversation()
    expected = [bot_utterances(bot.ask(m, conversation)) for m in ("what skills do I need?", "the second one",
                                                                   "tell me more")]
    assert replies == expected
    assert len(session_id) == 32 and int(session_id, 16) >= 0  # like Rasa's: a hex uuid
    first = replies[0]
    assert [q["title"] for q in first[-1]["quick_replies"]] == list(bot.ask("what skills do I need?").suggestions)
    assert first[-1]["quick_replies"][0] == {"content_type": "text", "title": first[-1]["quick_replies"][0]["title"],
                                             "payload": first[-1]["quick_replies"][0]["title"]}
    assert replies[1][0]["text"].startswith("Communication")


def test_a_session_kept_by_the_client_carries_on_after_a_reconnect_and_in_another_tab(service: str) -> None:
    async def chat() -> tuple[str, str, list[dict[str, Any]], list[dict[str, Any]]]:
        first = Webchat(service)
        session_id = await first.start()
        await first.say("what are the steps?")
        await first.stop()  # the page is reloaded
        again, other_tab = Webchat(service), Webchat(service)
        confirmed = await again.start(session_id)
        await other_tab.start(session_id)
        answer = await again.say("the fourth one")
        seen_by_the_other_tab = await other_tab.replies()
        await again.stop()
        await other_tab.stop()
        return session_id, confirmed, answer, seen_by_the_other_tab

    session_id, confirmed, answer, seen = asyncio.run(chat())
    assert confirmed == session_id
    assert answer[0]["text"].startswith("Step 4 of 5")
    assert seen == answer


def test_sessions_are_kept_apart(service: str) -> None:
    async def chat() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        one, two = Webchat(service), Webchat(service)
        await one.start()
        await two.start()
        await one.say("what are the steps?")
        follow_up = await one.say("the second one")
        out_of_context = await two.say("the second one")
        spoofed = await two.client.emit("user_uttered", {"message": "tell me more", "session_id": one.session_id})
        assert spoofed is None
        spoofed_reply = await two.replies()  # answered in two's own session: one hears nothing
        try:
            leaked = await asyncio.wait_for(one.utterances.get(), 0.5)
        except asyncio.TimeoutError:
            leaked = None
        assert leaked is None
        await one.stop()
        await two.stop()
        return follow_up, out_of_context + spoofed_reply

    follow_up, others = asyncio.run(chat())
    assert follow_up[0]["text"].startswith("Step 2 of 5")
    assert all(not m["text"].startswith("Step 2 of 5: Gain experience. Work") for m in others)


def test_a_refused_message_is_answered_with_the_reason(service: str) -> None:
    async def chat() -> list[list[dict[str, Any]]]:
        webchat = Webchat(service)
        await webchat.start()
        replies = [await webchat.say("x" * 201), await webchat.say("   ")]
        await webchat.client.emit("user_uttered", "not an object")
        replies.append(await webchat.replies())
        replies.append(await webchat.say("what skills do I need?"))  # and it goes on
        await webchat.stop()
        return replies

    too_long, blank, malformed, good = asyncio.run(chat())
    assert too_long == [{"text": "the message is 201 characters long; the limit is 200"}]
    assert blank[0]["text"] and "Communication" not in blank[0]["text"]
    assert malformed == [{"text": 'the body needs a "message" field with the question'}]
    assert "Communication" in good[0]["text"]


def test_pages_from_origins_not_allowed_cannot_connect(service: str) -> None:
    async def connect(origin: str) -> bool:
        webchat = Webchat(service, headers={"Origin": origin}, transports=["websocket"])
        try:
            await webchat.start()
        except socketio.exceptions.ConnectionError:
            return False
        await webchat.stop()
        return True

    assert asyncio.run(connect("https://desk.example"))  # allowed, as for CORS
    assert asyncio.run(connect(service))  # the service's own pages
    assert not asyncio.run(connect("https://elsewhere.example"))


def test_bot_utterances_follow_rasa_socketio_output() -> None:
    plain = Reply(text="First paragraph.\n\nSecond one.", intent="x", confidence=1.0, fallback=False)
    assert bot_utterances(plain) == [{"text": "First paragraph."}, {"text": "Second one."}]
    offered = Reply(text="Answer.\n\nYou could ask: a", body="Answer.", intent="x", confidence=1.0, fallback=False,
                    suggestions=("a", "b"))
    quick = [{"content_type": "text", "title": q, "payload": q} for q in ("a", "b")]
    assert bot_utterances(offered) == [{"text": "Answer.", "quick_replies": quick}]

