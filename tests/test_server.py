"""The HTTP service, over real HTTP on localhost: every endpoint, sessions, the Rasa-compatible
webhook, CORS, and every kind of bad request. Each response to a documented endpoint is also
checked against the service's own OpenAPI description."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema
import pytest
from live_server import LiveServer
from starlette.routing import Route

from chatbot import Chatbot, Conversation, InputError, Reply, Settings
from chatbot.shells.cli import main
from chatbot.shells.server.app import create_app
from chatbot.shells.server.openapi import openapi
from chatbot.shells.server.rasa import rasa_messages
from chatbot.shells.server.sessions import MemorySessionStore

SPEC = openapi(Settings(), "becoming a production technician")
JSON = {"Content-Type": "application/json"}


def conforms(response: httpx.Response, path: str, method: str = "post") -> httpx.Response:
    """Assert the status is documented for this operation and the body matches its schema."""
    documented = SPEC["paths"][path][method]["responses"].get(str(response.status_code))
    assert documented, f"{response.status_code} is not documented for {method.upper()} {path}: {response.text}"
    media_type, content = next(iter(documented["content"].items()))
    assert response.headers["content-type"].startswith(media_type)
    if media_type == "application/json":
        jsonschema.validate(response.json(), {**content["schema"], "components": SPEC["components"]})
    return response


@pytest.fixture(scope="module")
def served(bot: Chatbot) -> Iterator[tuple[str, MemorySessionStore]]:
    store = MemorySessionStore()
    with LiveServer(create_app(bot, store=store)) as server:
        yield server.url, store


@pytest.fixture()
def client(served: tuple[str, MemorySessionStore]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served[0], timeout=10) as http:
        yield http


def chat(client: httpx.Client, message: Any, session_id: str | None = None) -> dict[str, Any]:
    body = {"message": message} if session_id is None else {"message": message, "session_id": session_id}
    response = conforms(client.post("/v1/chat", json=body), "/v1/chat")
    assert response.status_code == 200, response.text
    return response.json()


# --- the chat API ----------------------------------------------------------------------------

def test_a_message_without_session_starts_a_conversation_and_gets_the_reply(client: httpx.Client) -> None:
    reply = chat(client, "what skills do I need?")
    assert reply["intent"] == "list_skills" and "Communication" in reply["text"]
    assert reply["fallback"] is False and reply["suggestions"]
    assert reply["session_id"]


def test_the_session_id_carries_the_conversation_across_requests(client: httpx.Client) -> None:
    first = chat(client, "how do I become a production technician?")
    session = first["session_id"]
    third = chat(client, "the third one", session)
    assert third["session_id"] == session
    assert third["sources"][0]["id"] == "step.certification"
    after = chat(client, "what comes next", session)
    assert after["sources"][0]["id"] == "step.production-stages" and after["context"]


def test_conversations_do_not_leak_into_each_other(client: httpx.Client) -> None:
    skills = chat(client, "what skills do I need?")["session_id"]
    steps = chat(client, "what are the steps?")["session_id"]
    assert chat(client, "the second one", skills)["sources"][0]["id"].startswith("skill.")
    assert chat(client, "the second one", steps)["sources"][0]["id"].startswith("step.")


def test_a_null_session_id_starts_a_new_conversation(client: httpx.Client) -> None:
    reply = conforms(client.post("/v1/chat", json={"message": "hello", "session_id": None}), "/v1/chat")
    assert reply.status_code == 200 and reply.json()["session_id"]


def test_an_unknown_session_id_is_a_404_not_a_silent_new_conversation(client: httpx.Client) -> None:
    response = conforms(client.post("/v1/chat", json={"message": "next", "session_id": "no-such-session"}), "/v1/chat")
    assert response.status_code == 404
    assert response.json()["error"] == "unknown_session"
    assert "without session_id" in response.json()["message"]


def test_concurrent_requests_on_one_session_are_each_counted_once(bot: Chatbot) -> None:
    store = MemorySessionStore()
    session_id, _ = store.create()

    async def burst(url: str) -> list[int]:
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            responses = await asyncio.gather(*(http.post("/v1/chat", json={"message": "next", "session_id": session_id})
                                               for _ in range(50)))
        return [r.status_code for r in responses]

    with LiveServer(create_app(bot, store=store)) as server:
        assert asyncio.run(burst(server.url)) == [200] * 50
    conversation = store.get(session_id)
    assert conversation is not None and conversation.turns == 50


def test_when_the_store_is_full_the_least_recent_conversation_is_gone(bot: Chatbot) -> None:
    with LiveServer(create_app(bot, store=MemorySessionStore(max_sessions=2))) as server, \
            httpx.Client(base_url=server.url) as http:
        first = chat(http, "hello")["session_id"]
        second = chat(http, "hello")["session_id"]
        chat(http, "hi again", first)  # the first is now the most recent
        chat(http, "hello")
        assert http.post("/v1/chat", json={"message": "next", "session_id": second}).status_code == 404
        assert chat(http, "next", first)["session_id"] == first


def test_an_idle_conversation_expires(bot: Chatbot) -> None:
    now = [0.0]
    store = MemorySessionStore(idle_seconds=60, clock=lambda: now[0])
    with LiveServer(create_app(bot, store=store)) as server, httpx.Client(base_url=server.url) as http:
        session = chat(http, "what are the steps")["session_id"]
        now[0] += 59
        chat(http, "the first one", session)
        now[0] += 61
        assert http.post("/v1/chat", json={"message": "next", "session_id": session}).status_code == 404


# --- the other endpoints ---------------------------------------------------------------------

def test_health_says_ok_and_counts_the_conversations(client: httpx.Client, served: tuple[str, MemorySessionStore]) -> None:
    chat(client, "hello")
    health = conforms(client.get("/healthz"), "/healthz", "get").json()
    assert health == {"status": "ok", "sessions": len(served[1]), "store": "memory", "reachable": True}
    assert health["sessions"] >= 1


def test_topics_list_every_category_with_questions_the_bot_answers(client: httpx.Client, bot: Chatbot) -> None:
    topics = conforms(client.get("/v1/topics"), "/v1/topics", "get").json()["topics"]
    assert [t["name"] for t in topics] == list(bot.content.categories)
    assert sum(len(t["items"]) for t in topics) == len(bot.content.items)
    steps = next(t for t in topics if t["name"] == "steps")
    assert steps["items"][0] == {"id": "step.education", "title": "Get an education", "question": "What is step 1?"}
    for topic in topics:
        if topic["question"]:
            reply = chat(client, topic["question"])
            assert not reply["fallback"] and reply["intent"] == f"list_{topic['name']}"


def test_the_openapi_description_covers_exactly_the_routes_served(client: httpx.Client, bot: Chatbot) -> None:
    spec = client.get("/openapi.json").json()
    assert spec == SPEC and spec["openapi"].startswith("3.1")
    served = {(route.path, method.lower()) for route in create_app(bot).routes if isinstance(route, Route)
              for method in route.methods or () if method != "HEAD"}
    described = {(path, method) for path, operations in spec["paths"].items() for method in operations}
    assert served == described
    limits = spec["components"]["schemas"]["ChatRequest"]["properties"]["message"]
    assert limits["maxLength"] == Settings().max_question_chars


def test_the_demo_page_and_the_widget_script_are_served(client: httpx.Client) -> None:
    page = conforms(client.get("/"), "/", "get")
    assert '<script src="widget.js"' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    script = conforms(client.get("/widget.js"), "/widget.js", "get")
    assert "/v1/chat" in script.text and ".innerHTML" not in script.text
    assert script.headers["x-content-type-options"] == "nosniff"


# --- the Rasa REST channel -------------------------------------------------------------------

def rasa(client: httpx.Client, sender: Any, message: Any, **kwargs: Any) -> httpx.Response:
    return conforms(client.post("/webhooks/rest/webhook", json={"sender": sender, "message": message}, **kwargs),
                    "/webhooks/rest/webhook")


def test_rasa_webhook_answers_as_rasa_does_with_suggestions_as_buttons(client: httpx.Client) -> None:
    messages = rasa(client, "visitor-1", "what skills do I need?").json()
    assert len(messages) == 1
    message = messages[0]
    assert message["recipient_id"] == "visitor-1" and "Communication" in message["text"]
    assert message["buttons"] and all(b["title"] == b["payload"] for b in message["buttons"])
    assert "You could ask" not in message["text"]  # the buttons carry the suggestions


def test_chat_reply_has_the_body_without_the_offer_for_button_front_ends(client: httpx.Client) -> None:
    reply = conforms(client.post("/v1/chat", json={"message": "what is step 2"}), "/v1/chat").json()
    assert reply["text"].startswith(reply["body"]) and "You could ask" in reply["text"]
    assert "You could ask" not in reply["body"]


def test_rasa_sender_keeps_its_conversation_and_senders_are_separate(client: httpx.Client) -> None:
    rasa(client, "visitor-2", "what are the steps?")
    rasa(client, "visitor-3", "what skills do I need")
    assert "Become certified" in rasa(client, "visitor-2", "the third one").json()[0]["text"]
    assert "Maths" in rasa(client, "visitor-3", "the third one").json()[0]["text"]


def test_rasa_webhook_reads_json_whatever_the_content_type_like_rasa(client: httpx.Client) -> None:
    body = json.dumps({"sender": "plain", "message": "hello"})
    response = client.post("/webhooks/rest/webhook", content=body, headers={"Content-Type": "text/plain"})
    assert conforms(response, "/webhooks/rest/webhook").status_code == 200


def test_a_rasa_sender_cannot_reach_a_chat_session_and_back(client: httpx.Client) -> None:
    session = chat(client, "what is step 1?")["session_id"]
    assert not rasa(client, session, "next").json()[0]["text"].startswith("Step 2")
    rasa(client, "visitor-4", "what is step 1?")
    assert client.post("/v1/chat", json={"message": "next", "session_id": "visitor-4"}).status_code == 404


@pytest.mark.parametrize("body, code", [
    ({"message": "hello"}, "invalid_sender"),
    ({"sender": "", "message": "hello"}, "invalid_sender"),
    ({"sender": 42, "message": "hello"}, "invalid_sender"),
    ({"sender": "x" * 129, "message": "hello"}, "invalid_sender"),
    ({"sender": "visitor"}, "missing_message"),
    ({"sender": "visitor", "message": ["hello"]}, "invalid_message"),
])
def test_rasa_webhook_refuses_what_it_cannot_answer(client: httpx.Client, body: dict[str, Any], code: str) -> None:
    response = conforms(client.post("/webhooks/rest/webhook", json=body), "/webhooks/rest/webhook")
    assert response.status_code == 422 and response.json()["error"] == code


def test_rasa_channel_status(client: httpx.Client) -> None:
    assert conforms(client.get("/webhooks/rest/"), "/webhooks/rest/", "get").json() == {"status": "ok"}


def test_a_reply_without_suggestions_is_one_rasa_message_per_paragraph() -> None:
    reply = Reply("First paragraph.\n\nSecond one.", "greeting", 1.0, False)
    assert rasa_messages("me", reply) == [{"recipient_id": "me", "text": "First paragraph."},
                                          {"recipient_id": "me", "text": "Second one."}]


# --- bad requests ----------------------------------------------------------------------------

def chunks(data: bytes) -> Iterator[bytes]:
    """A body sent chunked, with no Content-Length to refuse it by."""
    for start in range(0, len(data), 4096):
        yield data[start:start + 4096]


BAD_REQUESTS = [
    ("invalid JSON", dict(content=b'{"message": "hi"', headers=JSON), 400, "invalid_json"),
    ("not UTF-8", dict(content=b'{"message": "\xff\xfe"}', headers=JSON), 400, "invalid_json"),
    ("a JSON array", dict(json=["hello"]), 400, "invalid_json"),
    ("nested too deeply", dict(content=b"[" * 5000, headers=JSON), 400, "invalid_json"),
    ("no message", dict(json={"session_id": None}), 422, "missing_message"),
    ("a number as message", dict(json={"message": 42}), 422, "invalid_message"),
    ("null as message", dict(json={"message": None}), 422, "invalid_message"),
    ("an object as message", dict(json={"message": {"text": "hi"}}), 422, "invalid_message"),
    ("a blank message", dict(json={"message": "  \n "}), 422, "invalid_message"),
    ("a message over the limit", dict(json={"message": "why " * 251}), 413, "message_too_long"),
    ("a number as session id", dict(json={"message": "hi", "session_id": 7}), 422, "invalid_session_id"),
    ("a malformed session id", dict(json={"message": "hi", "session_id": "../../etc"}), 422, "invalid_session_id"),
    ("text/plain", dict(content=b'{"message": "hi"}', headers={"Content-Type": "text/plain"}), 415, "unsupported_media_type"),
    ("a form", dict(data={"message": "hi"}), 415, "unsupported_media_type"),
    ("no content type", dict(content=b'{"message": "hi"}'), 415, "unsupported_media_type"),
    ("an oversized body", dict(json={"message": "hi", "padding": "x" * 20_000}), 413, "body_too_large"),
    ("an oversized chunked body", dict(content=chunks(b'{"message": "' + b"x" * 40_000 + b'"}'), headers=JSON),
     413, "body_too_large"),
]


@pytest.mark.parametrize("request_kwargs, status, code", [case[1:] for case in BAD_REQUESTS],
                         ids=[case[0] for case in BAD_REQUESTS])
def test_a_bad_request_gets_a_clear_json_error_and_the_service_keeps_serving(
        client: httpx.Client, request_kwargs: dict[str, Any], status: int, code: str) -> None:
    response = conforms(client.post("/v1/chat", **request_kwargs), "/v1/chat")
    assert response.status_code == status
    error = response.json()
    assert error["error"] == code and len(error["message"]) > 10
    assert "Traceback" not in response.text
    assert chat(client, "what does a production technician do?")["fallback"] is False


def test_unknown_paths_and_wrong_methods_get_json_errors(client: httpx.Client) -> None:
    missing = client.get("/v2/chat")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    wrong = client.get("/v1/chat")
    assert wrong.status_code == 405 and wrong.json()["error"] == "method_not_allowed"
    assert wrong.headers["allow"] == "POST"


class BrokenStore(MemorySessionStore):
    """A store that fails the way a lost Redis connection would."""

    def create(self, session_id: str | None = None) -> tuple[str, Conversation]:
        raise ConnectionError("redis://secret-host:6379 is unreachable")


def test_an_internal_failure_is_a_500_json_error_with_no_details_leaked(bot: Chatbot) -> None:
    with LiveServer(create_app(bot, store=BrokenStore())) as server, httpx.Client(base_url=server.url) as http:
        response = http.post("/v1/chat", json={"message": "hello"})
        assert response.status_code == 500
        assert response.json()["error"] == "internal_error"
        assert "secret-host" not in response.text and "Traceback" not in response.text
        assert http.get("/healthz").status_code == 200


# --- CORS and configuration ------------------------------------------------------------------

def test_cors_lets_only_the_allowed_origins_call_from_a_browser(bot: Chatbot) -> None:
    settings = Settings.from_env({}, allowed_origins=("https://help.example.com",))
    with LiveServer(create_app(bot, settings)) as server, httpx.Client(base_url=server.url) as http:
        preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
        allowed = http.options("/v1/chat", headers={"Origin": "https://help.example.com", **preflight})
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://help.example.com"
        refused = http.options("/v1/chat", headers={"Origin": "https://evil.example", **preflight})
        assert "access-control-allow-origin" not in refused.headers
        reply = http.post("/v1/chat", json={"message": "hello"}, headers={"Origin": "https://help.example.com"})
        assert reply.headers["access-control-allow-origin"] == "https://help.example.com"


def test_without_allowed_origins_no_cross_origin_access_is_granted(client: httpx.Client) -> None:
    reply = client.post("/v1/chat", json={"message": "hello"}, headers={"Origin": "https://help.example.com"})
    assert "access-control-allow-origin" not in reply.headers


def test_allowed_origins_come_from_the_environment_comma_separated() -> None:
    settings = Settings.from_env({"CHATBOT_ALLOWED_ORIGINS": "https://a.example, https://b.example:8443,",
                                  "CHATBOT_HOST": "0.0.0.0", "CHATBOT_PORT": "9000"})
    assert settings.allowed_origins == ("https://a.example", "https://b.example:8443")
    assert (settings.host, settings.port) == ("0.0.0.0", 9000)
    assert Settings().host == "127.0.0.1"


def test_an_origin_with_a_path_is_refused_with_a_hint(bot: Chatbot) -> None:
    with pytest.raises(InputError, match="no path or trailing slash"):
        create_app(bot, Settings.from_env({}, allowed_origins=("https://help.example.com/",)))


def test_serve_refuses_a_port_it_cannot_use(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "70000"]) == 2
    assert "port must be between 0 and 65535" in capsys.readouterr().err
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert main(["serve", "--port", str(taken.getsockname()[1])]) == 2
    assert "cannot listen on 127.0.0.1" in capsys.readouterr().err
