"""The OpenAPI 3.1 description of the service, with the limits it really enforces (the tests
check every response against it)."""

from __future__ import annotations

from typing import Any

from ... import __version__
from ...settings import Settings
from .rasa import MAX_SENDER_CHARS

SESSION_PATTERN = r"[A-Za-z0-9_-]{1,64}"
INTENT_PATTERN = r"[A-Za-z0-9_.:-]{1,100}"


def openapi(settings: Settings, subject: str = "a career") -> dict[str, Any]:
    """The OpenAPI 3.1 description of this service, with the limits it really enforces; `subject`
    is what the guide answers questions about."""
    def body(schema: str) -> dict[str, Any]:
        return {"required": True, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}

    def ok(description: str, schema: str, media_type: str = "application/json") -> dict[str, Any]:
        return {"description": description, "content": {media_type: {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}

    def page(description: str, media_type: str) -> dict[str, Any]:
        return {"description": description, "content": {media_type: {"schema": {"type": "string"}}}}

    def errors(*statuses: int) -> dict[str, Any]:
        meaning = {400: "The body is not a JSON object.", 404: "No conversation has this session_id.",
                   408: f"The body did not arrive within {settings.body_timeout_seconds:g} seconds.",
                   413: f"The body is over {settings.max_body_bytes} bytes, or the message over "
                        f"{settings.max_question_chars} characters.",
                   415: "The Content-Type is not application/json.",
                   422: "A field is missing, of the wrong type, or blank.",
                   401: "The webhook's token (rasa_token) is set, and the request does not carry it.",
                   403: "A body that is not JSON, posted from a page on an origin the service does not allow.",
                   429: f"Over {settings.client_requests_per_minute} requests or {settings.client_sessions_per_minute} "
                        "new conversations a minute from this client; the Retry-After header says when to try again.",
                   503: "The session store cannot be reached (sessions_unavailable), or this conversation got "
                        "too many messages at once (session_busy); nothing was kept: send the message again."}
        return {str(s): ok(meaning[s], "Error") for s in statuses}

    text = {"type": "string"}
    strings = {"type": "array", "items": text}
    message = {"type": "string", "minLength": 1, "maxLength": settings.max_question_chars,
               "description": "The question. Blank text is refused."}
    schemas: dict[str, Any] = {
        "ChatRequest": {"type": "object", "required": ["message"], "properties": {
            "message": message,
            "session_id": {"type": ["string", "null"], "pattern": SESSION_PATTERN,
                           "description": "From the previous reply, to continue that conversation; "
                                          "leave it out to start a new one."}}},
        "ChatReply": {"type": "object", "required": ["text", "body", "intent", "confidence", "fallback",
                                                     "suggestions", "sources", "context", "session_id"], "properties": {
            "text": {"type": "string", "description": "What to show, with the offer of what to ask next."},
            "body": {"type": "string", "description": "The text without that offer, for front ends that show "
                                                      "the suggestions as buttons."},
            "intent": text,
            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
            "fallback": {"type": "boolean", "description": "True when the guide does not answer the question."},
            "suggestions": {**strings, "description": "Questions to offer as buttons."},
            "sources": {"type": "array", "items": {"$ref": "#/components/schemas/Source"}},
            "context": {"type": ["string", "null"], "description": "How the conversation filled in a follow-up."},
            "session_id": {"type": "string", "description": "Send it with the next message."}}},
        "Source": {"type": "object", "required": ["id", "section"], "properties": {"id": text, "section": text}},
        "Topics": {"type": "object", "required": ["topics"], "properties": {
            "topics": {"type": "array", "items": {"type": "object", "required": ["name", "title", "question", "items"],
                                                  "properties": {
                "name": text, "title": text, "question": {"type": ["string", "null"]},
                "items": {"type": "array", "items": {"type": "object", "required": ["id", "title", "question"],
                                                     "properties": {"id": text, "title": text, "question": text}}}}}}}},
        "Config": {"type": "object", "required": ["subject", "greeting", "covers", "starters", "max_question_chars"],
                   "properties": {
            "subject": {"type": "string", "description": "What the bot answers questions about."},
            "greeting": {"type": "string", "description": "The first thing a chat front end says."},
            "covers": {"type": "string", "description": "One sentence on what the bot can answer."},
            "starters": {**strings, "description": "Questions to offer before the first one, in order."},
            "max_question_chars": {"type": "integer", "minimum": 1,
                                   "description": "Longer messages are refused (413 message_too_long)."}}},
        "Feedback": {"type": "object", "required": ["question", "intent", "confidence", "rating"], "properties": {
            "question": {**message, "description": "The question the rated reply answered."},
            "intent": {"type": "string", "pattern": INTENT_PATTERN, "description": "The rated reply's intent."},
            "confidence": {"type": "number", "minimum": 0, "maximum": 1, "description": "The rated reply's confidence."},
            "rating": {"enum": ["up", "down"], "description": "down: the answer was wrong or did not help."},
            "session_id": {"type": ["string", "null"], "description": "Accepted and not logged."}}},
        "FeedbackAccepted": {"type": "object", "required": ["status"], "properties": {"status": {"const": "accepted"}}},
        "Health": {"type": "object", "required": ["status", "sessions", "store", "reachable"], "properties": {
            "status": {"enum": ["ok", "unavailable"], "description": "unavailable when the session store does not answer."},
            "sessions": {"type": ["integer", "null"], "minimum": 0,
                         "description": "Conversations kept; null for a store that cannot count them cheaply (Redis)."},
            "store": {"enum": ["memory", "redis"], "description": "Where conversations are kept."},
            "reachable": {"type": "boolean", "description": "Whether the session store answers."}}},
        "RasaStatus": {"type": "object", "required": ["status"], "properties": {"status": {"const": "ok"}}},
        "RasaRequest": {"type": "object", "required": ["sender", "message"], "properties": {
            "sender": {"type": "string", "minLength": 1, "maxLength": MAX_SENDER_CHARS,
                       "description": "Names the conversation; the first message from a sender starts it."},
            "message": message}},
        "RasaMessages": {"type": "array", "items": {"$ref": "#/components/schemas/RasaMessage"}},
        "RasaMessage": {"type": "object", "required": ["recipient_id", "text"], "properties": {
            "recipient_id": text, "text": text,
            "buttons": {"type": "array", "items": {"type": "object", "required": ["title", "payload"],
                                                   "properties": {"title": text, "payload": text}}}}},
        "Error": {"type": "object", "required": ["error", "message"], "properties": {
            "error": {"type": "string", "description": "A stable code, such as unknown_session."},
            "message": {"type": "string", "description": "What went wrong and what to do, for people."}}},
    }
    paths = {
        "/v1/chat": {"post": {
            "summary": "Ask a question, in a new conversation or a continuing one",
            "requestBody": body("ChatRequest"),
            "responses": {"200": ok("The reply, and the session_id to send next time.", "ChatReply"),
                          **errors(400, 404, 408, 413, 415, 422, 429, 503)}}},
        "/v1/topics": {"get": {"summary": "What the bot can answer, for a menu",
                               "responses": {"200": ok("Categories and their items.", "Topics")}}},
        "/v1/config": {"get": {"summary": "What a chat front end shows first: greeting, starters, the question limit",
                               "responses": {"200": ok("The guide's greeting and starters.", "Config")}}},
        "/v1/feedback": {"post": {
            "summary": "A visitor's thumbs up or down on a reply, for the maintainers' review",
            "requestBody": body("Feedback"),
            "responses": {"202": ok("Counted in /metrics, and logged when the service has a feedback log.",
                                    "FeedbackAccepted"), **errors(400, 408, 413, 415, 422)}}},
        "/metrics": {"get": {"summary": "Prometheus metrics, in the text exposition format",
                             "responses": {"200": page("Requests, latency, answers by intent, fallbacks, "
                                                       "clarifying questions, feedback, sessions.", "text/plain")}}},
        "/healthz": {"get": {"summary": "Liveness, the session store and whether it answers",
                             "responses": {"200": ok("The service and its session store are up.", "Health"),
                                           "503": ok("The session store does not answer: no conversation can be "
                                                     "read or kept.", "Health")}}},
        "/openapi.json": {"get": {"summary": "This description",
                                  "responses": {"200": {"description": "OpenAPI 3.1 document.",
                                                        "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        "/webhooks/rest/webhook": {"post": {
            "summary": "Rasa REST channel: a message from a sender, answered as a list of bot messages",
            "description": "Any Content-Type is read as JSON, as Rasa does.",
            "parameters": [{"name": "stream", "in": "query", "required": False, "schema": {"type": "string"},
                            "description": "true: the messages one JSON object a line (application/x-ndjson), "
                                           "as Rasa's streaming clients (`rasa shell`) read them."}],
            "requestBody": body("RasaRequest"),
            "responses": {"200": {"description": "The bot's messages: a JSON array, or with ?stream=true "
                                                 "each message on a line of its own.", "content": {
                              "application/json": {"schema": {"$ref": "#/components/schemas/RasaMessages"}},
                              "application/x-ndjson": {"schema": {"$ref": "#/components/schemas/RasaMessage"}}}},
                          **errors(400, 401, 403, 408, 413, 422, 429, 503)}}},
        "/webhooks/rest/": {"get": {"summary": "Rasa REST channel status",
                                    "responses": {"200": ok("The channel is up.", "RasaStatus")}}},
        "/": {"get": {"summary": "A demo page with the chat widget",
                      "responses": {"200": page("HTML page.", "text/html")}}},
        "/widget.js": {"get": {"summary": "The chat widget, for a <script> tag",
                               "responses": {"200": page("JavaScript.", "text/javascript")}}},
    }
    return {"openapi": "3.1.0",
            "info": {"title": "career-chatbot", "version": __version__,
                     "description": f"Answers questions about {subject}, from one career guide."},
            "paths": paths, "components": {"schemas": schemas}}

