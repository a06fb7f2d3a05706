"""The HTTP service: a JSON chat API, a Rasa-compatible webhook, and the web chat widget.

Thin handlers over the library: each checks the request, asks the bot with the visitor's
`Conversation` from the session store, and returns the `Reply` as JSON. Built on Starlette and
served by uvicorn, both from the `server` extra (`pip install -e ".[server]"`).

A turn (`get` -> `Chatbot.ask` -> `save`) runs on the event loop without awaiting in between, so
two requests on one session never interleave, and an answer (well under a millisecond) never holds
the loop up for long.
"""

from __future__ import annotations

import contextlib
import logging
import re
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ...dialogue.bot import Chatbot
from ...dialogue.conversation import Conversation
from ...dialogue.reply import Reply
from ...errors import InputError
from ...settings import Settings
from ...tools import unanswered
from .http import ERROR_HANDLERS, ContainErrors, JSONCORSMiddleware, NoSniff, RequestError, json_type, read_json, static
from .limits import ClientLimits, LimitClients
from .openapi import SESSION_PATTERN, openapi
from .protocol import protocol_for
from .rasa import RasaRestChannel
from .sessions import MemorySessionStore, SessionStore

server_log = logging.getLogger("chatbot.server")
ORIGIN = re.compile(r"https?://[^/\s]+")
SESSION_ID = re.compile(SESSION_PATTERN)
STATIC_FILES = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/widget.js": ("widget.js", "text/javascript; charset=utf-8"),
}


@dataclass
class ChatService:
    """The handlers, with the bot and the session store they share."""

    bot: Chatbot
    settings: Settings
    store: SessionStore
    menu: list[dict[str, Any]] = field(default_factory=list)
    limits: ClientLimits | None = None
    """Per-client limits; the conversation limit is counted in `converse`."""
    log_writer: unanswered.BackgroundLog | None = None
    """The unanswered log's writer thread, if the log is on."""

    async def chat(self, request: Request) -> Response:
        body = await read_json(request, self.settings.max_body_bytes, self.settings.body_timeout_seconds)
        message = self.message(body)
        session_id = body.get("session_id")
        if session_id is not None and (not isinstance(session_id, str) or not SESSION_ID.fullmatch(session_id)):
            raise RequestError(422, "invalid_session_id",
                               "session_id must be the string a previous reply returned, or left out")
        session_id, reply = await self.converse(session_id, message, client=getattr(request.state, "client", None))
        return JSONResponse({**reply.to_dict(), "session_id": session_id})

    async def converse(self, key: str | None, message: str, *, start: bool = False,
                       client: str | None = None) -> tuple[str, Reply]:
        """One turn of a stored conversation: every channel answers through here. `key` None starts
        a conversation under a new id; an unknown key is a 404, unless `start` says the channel
        names its own conversations (a Rasa sender), when it starts one under that key. A new
        conversation counts against `client`'s limit (429 past it; None: not limited)."""
        if key is None:
            self._count_new(client)
            key, conversation = self.store.create()
        else:
            found = self.store.get(key)
            if found is None and not start:
                raise RequestError(404, "unknown_session",
                                   "no conversation has this session_id (it may have expired); "
                                   "send the message without session_id to start a new one")
            if found is None:
                self._count_new(client)
            conversation = found if found is not None else self.store.create(key)[1]
        reply = self.answer(message, conversation)
        self.store.save(key, conversation)
        return key, reply

    def _count_new(self, client: str | None) -> None:
        if self.limits is not None:
            self.limits.new_session(client)

    async def topics(self, request: Request) -> Response:
        return JSONResponse({"topics": self.menu})

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "sessions": len(self.store)})

    def answer(self, message: str, conversation: Conversation) -> Reply:
        """Ask the bot; log the question if it is one the unanswered log is for."""
        log = self.log_writer
        reply = self.bot.ask(message, conversation, trace=log is not None)
        if log is not None and unanswered.worth_logging(reply, self.settings.tuning.unsure_below):
            log.submit(self.bot.clean(message), reply, unanswered.best_guess(reply))  # written off the event loop
        return reply

    def message(self, body: dict[str, Any]) -> str:
        """The `message` field, checked: present, text, not blank, not over the question limit."""
        if "message" not in body:
            raise RequestError(422, "missing_message", 'the body needs a "message" field with the question')
        message = body["message"]
        if not isinstance(message, str):
            raise RequestError(422, "invalid_message", f'"message" must be a string, not {json_type(message)}')
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
    limits = ClientLimits(settings)
    log = None
    if settings.unanswered_log is not None:
        log = unanswered.BackgroundLog(unanswered.UnansweredLog(
            settings.unanswered_log, max_bytes=settings.unanswered_log_max_bytes, warn=server_log.warning))
    service = ChatService(bot, settings, store, bot.topics(), limits, log)
    spec = openapi(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        if log is not None:
            log.close()

    async def describe(request: Request) -> Response:
        return JSONResponse(spec)

    routes = [
        Route("/v1/chat", service.chat, methods=["POST"]),
        Route("/v1/topics", service.topics, methods=["GET"]),
        Route("/healthz", service.health, methods=["GET"]),
        Route("/openapi.json", describe, methods=["GET"]),
        *RasaRestChannel(service).routes(),
    ]
    routes += [Route(path, static(name, media_type), methods=["GET"]) for path, (name, media_type) in STATIC_FILES.items()]
    middleware = [Middleware(LimitClients, limits=limits), Middleware(ContainErrors)]
    if settings.allowed_origins:
        middleware.insert(0, Middleware(JSONCORSMiddleware, allow_origins=list(settings.allowed_origins),
                                        allow_methods=["GET", "POST"], allow_headers=["Content-Type"], max_age=3600))
    middleware.insert(0, Middleware(NoSniff))
    app = Starlette(routes=routes, middleware=middleware, exception_handlers=ERROR_HANDLERS, lifespan=lifespan)
    app.router.redirect_slashes = False  # http.slash_redirect redirects without echoing the Host header
    app.state.service = service
    return app


def serve(bot: Chatbot, settings: Settings | None = None, *, log_level: str = "info") -> None:
    """Run the service with uvicorn until interrupted; raise InputError if it cannot listen."""
    settings = settings or bot.settings
    listener = _listen(settings.host, settings.port)
    config = server_config(create_app(bot, settings), settings, log_level=log_level)
    host, port = listener.getsockname()[:2]
    address = f"[{host}]" if ":" in host else host
    logging.getLogger("uvicorn.error").info(
        "Chatbot service on http://%s:%d (widget demo at /, API description at /openapi.json); Ctrl+C stops it",
        address, port)
    uvicorn.Server(config).run(sockets=[listener])


def server_config(app: Any, settings: Settings, *, log_level: str = "info", **options: Any) -> uvicorn.Config:
    """uvicorn's configuration for the app: our connection protocol with its header limit and
    deadline, and `X-Forwarded-For` left to the service's own trusted-proxy setting."""
    return uvicorn.Config(app, log_level=log_level, server_header=False, proxy_headers=False,
                          http=protocol_for(settings), **options)


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket, so a busy port or bad address is our clear error rather than a crash.
    It is made with protocol IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say
    so, and without it every response after the first on a kept-alive connection waited about
    40 ms for the client's delayed ACK (uvicorn writes the headers and the body separately)."""
    if not 0 <= port <= 65535:
        raise InputError(f"port must be between 0 and 65535, not {port}")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        raise InputError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    listener.listen(2048)
    return listener


