"""The HTTP service: a JSON chat API, a Rasa-compatible webhook, and the web chat widget.

Thin handlers over the library: each checks the request, asks the bot with the visitor's
`Conversation` from the session store, and returns the `Reply` as JSON. Built on Starlette and
served by uvicorn, both from the `server` extra (`pip install -e ".[server]"`).

A turn (`get` -> `Chatbot.ask` -> `save`) runs on the event loop without awaiting in between, so
two requests on one session never interleave, and an answer (well under a millisecond) never holds
the loop up for long.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ...dialogue.bot import Chatbot
from ...dialogue.conversation import Conversation
from ...dialogue.reply import Reply
from ...errors import InputError
from ...settings import Settings
from ...tools import unanswered
from .sessions import MemorySessionStore, SessionStore

STATIC = Path(__file__).resolve().parent / "static"
ORIGIN = re.compile(r"https?://[^/\s]+")
SESSION_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_SENDER_CHARS = 128
RASA_SESSIONS = "rest:"
"""Prefix of the store keys of Rasa senders, so a sender name can never be a /v1/chat session id."""
PAGE_POLICY = ("default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
STATIC_FILES = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/widget.js": ("widget.js", "text/javascript; charset=utf-8"),
}

log = logging.getLogger("chatbot.server")


class RequestError(InputError):
    """A request the service refuses; it becomes a JSON error with this HTTP status and error code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class ChatService:
    """The handlers, with the bot and the session store they share."""

    bot: Chatbot
    settings: Settings
    store: SessionStore
    menu: list[dict[str, Any]] = field(default_factory=list)

    async def chat(self, request: Request) -> Response:
        body = await read_json(request, self.settings.max_body_bytes, self.settings.body_timeout_seconds)
        message = self.message(body)
        session_id = body.get("session_id")
        if session_id is None:
            session_id, conversation = self.store.create()
        else:
            if not isinstance(session_id, str) or not SESSION_ID.fullmatch(session_id):
                raise RequestError(422, "invalid_session_id",
                                   "session_id must be the string a previous reply returned, or left out")
            found = self.store.get(session_id)
            if found is None:
                raise RequestError(404, "unknown_session",
                                   "no conversation has this session_id (it may have expired); "
                                   "send the message without session_id to start a new one")
            conversation = found
        reply = self.answer(message, conversation)
        self.store.save(session_id, conversation)
        return JSONResponse({**reply.to_dict(), "session_id": session_id})

    async def rasa_webhook(self, request: Request) -> Response:
        """Rasa's REST channel: the sender names the conversation, made on its first message."""
        body = await read_json(request, self.settings.max_body_bytes, self.settings.body_timeout_seconds,
                               strict_type=False)
        sender = body.get("sender")
        if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
            raise RequestError(422, "invalid_sender",
                               f"sender must be a non-empty string of at most {MAX_SENDER_CHARS} characters")
        message = self.message(body)
        key = RASA_SESSIONS + sender
        conversation = self.store.get(key)
        if conversation is None:
            conversation = self.store.create(key)[1]
        reply = self.answer(message, conversation)
        self.store.save(key, conversation)
        return JSONResponse(rasa_messages(sender, reply))

    async def rasa_status(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def topics(self, request: Request) -> Response:
        return JSONResponse({"topics": self.menu})

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "sessions": len(self.store)})

    def answer(self, message: str, conversation: Conversation) -> Reply:
        """Ask the bot; log the question if it is one the unanswered log is for."""
        log = self.settings.unanswered_log
        reply = self.bot.ask(message, conversation, trace=log is not None)
        if log is not None and unanswered.worth_logging(reply, self.settings.tuning.unsure_below):
            unanswered.record(log, self.bot.clean(message), reply, unanswered.best_guess(reply))
        return reply

    def message(self, body: dict[str, Any]) -> str:
        """The `message` field, checked: present, text, not blank, not over the question limit."""
        if "message" not in body:
            raise RequestError(422, "missing_message", 'the body needs a "message" field with the question')
        message = body["message"]
        if not isinstance(message, str):
            raise RequestError(422, "invalid_message", f'"message" must be a string, not {_json_type(message)}')
        limit = self.settings.max_question_chars
        if len(message) > limit:
            raise RequestError(413, "message_too_long",
                               f"the message is {len(message)} characters long; the limit is {limit}")
        self.bot.clean(message)
        return message


def create_app(bot: Chatbot, settings: Settings | None = None, *, store: SessionStore | None = None) -> Starlette:
    """The ASGI application: routes, CORS for the allowed origins, and JSON errors for every failure."""
    settings = settings or bot.settings
    for origin in settings.allowed_origins:
        if origin != "*" and not ORIGIN.fullmatch(origin):
            raise InputError(f"{origin!r} is not a web origin: write scheme://host[:port], "
                             "such as https://help.example.com, with no path or trailing slash")
    if store is None:
        store = MemorySessionStore(settings.max_sessions, settings.session_idle_seconds)
    service = ChatService(bot, settings, store, bot.topics())
    spec = openapi(settings)

    async def describe(request: Request) -> Response:
        return JSONResponse(spec)

    routes = [
        Route("/v1/chat", service.chat, methods=["POST"]),
        Route("/v1/topics", service.topics, methods=["GET"]),
        Route("/healthz", service.health, methods=["GET"]),
        Route("/openapi.json", describe, methods=["GET"]),
        Route("/webhooks/rest/webhook", service.rasa_webhook, methods=["POST"]),
        Route("/webhooks/rest/", service.rasa_status, methods=["GET"]),
    ]
    routes += [Route(path, _static(name, media_type), methods=["GET"]) for path, (name, media_type) in STATIC_FILES.items()]
    middleware = [Middleware(ContainErrors)]
    if settings.allowed_origins:
        middleware.insert(0, Middleware(CORSMiddleware, allow_origins=list(settings.allowed_origins),
                                        allow_methods=["GET", "POST"], allow_headers=["Content-Type"], max_age=3600))
    handlers = {RequestError: _request_error, InputError: _input_error, HTTPException: _http_error}
    return Starlette(routes=routes, middleware=middleware, exception_handlers=handlers)


def serve(bot: Chatbot, settings: Settings | None = None, *, log_level: str = "info") -> None:
    """Run the service with uvicorn until interrupted; raise InputError if it cannot listen."""
    settings = settings or bot.settings
    listener = _listen(settings.host, settings.port)
    config = uvicorn.Config(create_app(bot, settings), log_level=log_level, server_header=False)
    host, port = listener.getsockname()[:2]
    address = f"[{host}]" if ":" in host else host
    logging.getLogger("uvicorn.error").info(
        "Chatbot service on http://%s:%d (widget demo at /, API description at /openapi.json); Ctrl+C stops it",
        address, port)
    uvicorn.Server(config).run(sockets=[listener])


async def read_json(request: Request, limit: int, timeout: float, *, strict_type: bool = True) -> dict[str, Any]:
    """The body as a JSON object, refusing a wrong content type, a body over `limit` bytes, one
    that does not arrive within `timeout` seconds, or bad JSON."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if strict_type and media_type != "application/json":
        raise RequestError(415, "unsupported_media_type",
                           f"send the body as JSON with Content-Type: application/json (got {media_type or 'none'})")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise RequestError(413, "body_too_large", f"the request body is over the limit of {limit} bytes")
    try:
        body = await asyncio.wait_for(_read_body(request, limit), timeout)
    except asyncio.TimeoutError:
        raise RequestError(408, "body_timeout", f"the request body did not arrive within {timeout:g} seconds") from None
    try:
        data = json.loads(body)
    except json.JSONDecodeError as error:
        raise RequestError(400, "invalid_json", f"the body is not valid JSON: {error.msg} (at character {error.pos})") from None
    except (ValueError, RecursionError):
        raise RequestError(400, "invalid_json", "the body is not valid JSON text (UTF-8, not nested too deeply)") from None
    if not isinstance(data, dict):
        raise RequestError(400, "invalid_json",
                           f'the body must be a JSON object such as {{"message": "hi"}}, not {_json_type(data)}')
    return data


async def _read_body(request: Request, limit: int) -> bytes:
    """The raw body, stopping as soon as it is over `limit` bytes."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise RequestError(413, "body_too_large", f"the request body is over the limit of {limit} bytes")
    return bytes(body)


def rasa_messages(sender: str, reply: Reply) -> list[dict[str, Any]]:
    """A reply as Rasa's REST channel sends it: text with buttons in one message, or plain text
    one paragraph per message."""
    if reply.suggestions:
        buttons = [{"title": s, "payload": s} for s in reply.suggestions]
        return [{"recipient_id": sender, "text": reply.body or reply.text, "buttons": buttons}]
    return [{"recipient_id": sender, "text": part} for part in reply.text.split("\n\n") if part.strip()]


def _static(name: str, media_type: str) -> Callable[[Request], Awaitable[Response]]:
    content = (STATIC / name).read_bytes()
    headers = {"cache-control": "public, max-age=600", "x-content-type-options": "nosniff"}
    if media_type.startswith("text/html"):
        headers["content-security-policy"] = PAGE_POLICY

    async def endpoint(request: Request) -> Response:
        return Response(content, media_type=media_type, headers=headers)

    return endpoint


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket, so a busy port or bad address is our clear error rather than a crash."""
    if not 0 <= port <= 65535:
        raise InputError(f"port must be between 0 and 65535, not {port}")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        raise InputError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    listener.listen(2048)
    return listener


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "a number",
             float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


async def _request_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestError)
    return _error(error.status, error.code, error.message)


async def _input_error(request: Request, error: Exception) -> Response:
    return _error(422, "invalid_message", str(error))


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    codes = {404: ("not_found", f"no such endpoint: {request.url.path} (see /openapi.json)"),
             405: ("method_not_allowed", f"{request.method} is not allowed on {request.url.path}")}
    code, message = codes.get(error.status_code, ("http_error", str(error.detail)))
    return _error(error.status_code, code, message, dict(error.headers or {}))


class ContainErrors:
    """An unexpected error becomes a logged traceback and a 500 JSON reply with no details, and the
    connection stays usable (an error left to the server would drop it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except ClientDisconnect:
            return  # the client left mid-request: nobody to answer, nothing went wrong here
        except Exception:
            if started or scope["type"] != "http":
                raise
            log.exception("unexpected error on %s %s", scope.get("method"), scope.get("path"))
            response = _error(500, "internal_error", "something went wrong on our side; it has been logged")
            await response(scope, receive, send)


def openapi(settings: Settings) -> dict[str, Any]:
    """The OpenAPI 3.1 description of this service, with the limits it really enforces."""
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
                   422: "A field is missing, of the wrong type, or blank."}
        return {str(s): ok(meaning[s], "Error") for s in statuses}

    text = {"type": "string"}
    strings = {"type": "array", "items": text}
    message = {"type": "string", "minLength": 1, "maxLength": settings.max_question_chars,
               "description": "The question. Blank text is refused."}
    schemas: dict[str, Any] = {
        "ChatRequest": {"type": "object", "required": ["message"], "properties": {
            "message": message,
            "session_id": {"type": ["string", "null"], "pattern": SESSION_ID.pattern,
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
        "Health": {"type": "object", "required": ["status", "sessions"], "properties": {
            "status": {"const": "ok"}, "sessions": {"type": "integer", "minimum": 0}}},
        "RasaStatus": {"type": "object", "required": ["status"], "properties": {"status": {"const": "ok"}}},
        "RasaRequest": {"type": "object", "required": ["sender", "message"], "properties": {
            "sender": {"type": "string", "minLength": 1, "maxLength": MAX_SENDER_CHARS,
                       "description": "Names the conversation; the first message from a sender starts it."},
            "message": message}},
        "RasaMessages": {"type": "array", "items": {"type": "object", "required": ["recipient_id", "text"], "properties": {
            "recipient_id": text, "text": text,
            "buttons": {"type": "array", "items": {"type": "object", "required": ["title", "payload"],
                                                   "properties": {"title": text, "payload": text}}}}}},
        "Error": {"type": "object", "required": ["error", "message"], "properties": {
            "error": {"type": "string", "description": "A stable code, such as unknown_session."},
            "message": {"type": "string", "description": "What went wrong and what to do, for people."}}},
    }
    paths = {
        "/v1/chat": {"post": {
            "summary": "Ask a question, in a new conversation or a continuing one",
            "requestBody": body("ChatRequest"),
            "responses": {"200": ok("The reply, and the session_id to send next time.", "ChatReply"),
                          **errors(400, 404, 408, 413, 415, 422)}}},
        "/v1/topics": {"get": {"summary": "What the bot can answer, for a menu",
                               "responses": {"200": ok("Categories and their items.", "Topics")}}},
        "/healthz": {"get": {"summary": "Liveness and the number of conversations kept",
                             "responses": {"200": ok("The service is up.", "Health")}}},
        "/openapi.json": {"get": {"summary": "This description",
                                  "responses": {"200": {"description": "OpenAPI 3.1 document.",
                                                        "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        "/webhooks/rest/webhook": {"post": {
            "summary": "Rasa REST channel: a message from a sender, answered as a list of bot messages",
            "description": "Any Content-Type is read as JSON, as Rasa does.",
            "requestBody": body("RasaRequest"),
            "responses": {"200": ok("The bot's messages.", "RasaMessages"), **errors(400, 408, 413, 422)}}},
        "/webhooks/rest/": {"get": {"summary": "Rasa REST channel status",
                                    "responses": {"200": ok("The channel is up.", "RasaStatus")}}},
        "/": {"get": {"summary": "A demo page with the chat widget",
                      "responses": {"200": page("HTML page.", "text/html")}}},
        "/widget.js": {"get": {"summary": "The chat widget, for a <script> tag",
                               "responses": {"200": page("JavaScript.", "text/javascript")}}},
    }
    return {"openapi": "3.1.0",
            "info": {"title": "career-chatbot", "version": _version(),
                     "description": "Answers questions about becoming a production technician, from one career guide."},
            "paths": paths, "components": {"schemas": schemas}}


def _version() -> str:
    try:
        return metadata.version("career-chatbot")
    except metadata.PackageNotFoundError:
        return "0.0.0"
