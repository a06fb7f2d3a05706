"""The HTTP service: a JSON chat API, Rasa-compatible channels (REST and Socket.IO), the web chat
widget, visitors' feedback, and Prometheus metrics.

Thin handlers over the library: each checks the request, asks the bot with the visitor's
`Conversation` from the session store, and returns the `Reply` as JSON. Built on Starlette and
served by uvicorn, both from the `server` extra (`pip install -e ".[server]"`).

Every turn goes through `SessionStore.turn`, which keeps turns of one conversation in order (the
memory store by never awaiting mid-turn, the Redis store by compare-and-set); an answer (well under
a millisecond) runs on the event loop and never holds it up for long. `serve` runs one process, or
several workers that each build the app with `ServiceFactory`.
"""

from __future__ import annotations

import copy
import gc
import logging
import re
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

from ...dialogue.bot import Chatbot
from ...dialogue.conversation import Conversation
from ...dialogue.reply import Reply
from ...errors import ChatbotError, InputError
from ...settings import Settings
from ...tools import feedback, unanswered
from .access_log import Observer, ObserveRequests
from .http import ERROR_HANDLERS, ContainErrors, JSONCORSMiddleware, NoSniff, RequestError, json_type, read_json, static
from .limits import ClientLimits, LimitClients
from .metrics import MEDIA_TYPE as METRICS_MEDIA_TYPE
from .metrics import Metrics
from .openapi import INTENT_PATTERN, SESSION_PATTERN, openapi
from .protocol import GuardedConfig
from .rasa import RasaRestChannel
from .sessions import MEMORY, SessionBusy, SessionStore, SessionsUnavailable, UnknownSession, check_sessions_url, open_store
from .socketio_channel import SocketIOChannel

server_log = logging.getLogger("chatbot.server")
ORIGIN = re.compile(r"https?://[^/\s]+")
SESSION_ID = re.compile(SESSION_PATTERN)
INTENT = re.compile(INTENT_PATTERN)
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
    observer: Observer = field(default_factory=lambda: Observer(Metrics()))
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
        log = self.log_writer
        if key is None:
            self._count_new(client)

        def step(conversation: Conversation) -> Reply:
            if start and conversation.turns == 0:  # a channel's own id, seen for the first time
                self._count_new(client)
            return self.bot.ask(message, conversation, trace=log is not None)

        try:
            key, reply = await self.store.turn(key, step, start=start)
        except UnknownSession:
            raise RequestError(404, "unknown_session",
                               "no conversation has this session_id (it may have expired); "
                               "send the message without session_id to start a new one") from None
        except SessionBusy:
            raise RequestError(503, "session_busy", "this conversation got too many messages at once; "
                                                    "send this one again") from None
        except SessionsUnavailable:
            raise RequestError(503, "sessions_unavailable", "conversations cannot be read or kept right now; "
                                                            "try again in a few seconds") from None
        if log is not None and unanswered.worth_logging(reply, self.settings.tuning.unsure_below):
            log.submit(self.bot.clean(message), reply, unanswered.best_guess(reply))  # written off the event loop
        self.observer.answered(message, reply)  # metrics, and the access log's intent and fallback
        return key, reply

    def _count_new(self, client: str | None) -> None:
        if self.limits is not None:
            self.limits.new_session(client)

    async def topics(self, request: Request) -> Response:
        return JSONResponse({"topics": self.menu})

    async def health(self, request: Request) -> Response:
        """Up, and whether the session store answers: 503 when it does not, since no turn can be kept."""
        status = await self.store.status()
        return JSONResponse({"status": "ok" if status.reachable else "unavailable", "sessions": status.sessions,
                             "store": status.kind, "reachable": status.reachable},
                            status_code=200 if status.reachable else 503)

    async def config(self, request: Request) -> Response:
        """What a chat front end shows before the first question, and the limit it enforces."""
        guide = self.bot.content.guide
        return JSONResponse({"subject": guide.subject, "greeting": guide.greeting, "covers": guide.covers,
                             "starters": list(guide.starters), "max_question_chars": self.settings.max_question_chars})

    async def feedback(self, request: Request) -> Response:
        """A visitor's thumbs up or down on an answer: counted, and logged for `chatbot review`."""
        body = await read_json(request, self.settings.max_body_bytes, self.settings.body_timeout_seconds)
        rating = feedback_from(body, self.settings.max_question_chars)
        self.observer.metrics.feedback.labels(rating.rating).inc()
        path = self.settings.feedback_log
        task = BackgroundTask(feedback.record, path, rating) if path is not None else None  # off the event loop
        return JSONResponse({"status": "accepted"}, status_code=202, background=task)

    async def metrics(self, request: Request) -> Response:
        sessions = (await self.store.status()).sessions
        return Response(self.observer.metrics.exposition(sessions), media_type=METRICS_MEDIA_TYPE)

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


def feedback_from(body: dict[str, Any], max_question_chars: int) -> feedback.Feedback:
    """The rating in a feedback body, each field checked."""
    question, intent, confidence, rating = (body.get(name) for name in ("question", "intent", "confidence", "rating"))
    if not isinstance(question, str) or not question.strip() or len(question) > max_question_chars:
        raise RequestError(422, "invalid_feedback",
                           f'"question" must be the question answered, at most {max_question_chars} characters')
    if not isinstance(intent, str) or not INTENT.fullmatch(intent):
        raise RequestError(422, "invalid_feedback", '"intent" must be the intent of the reply rated')
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0 <= confidence <= 1:
        raise RequestError(422, "invalid_feedback", '"confidence" must be the confidence of the reply, from 0 to 1')
    if rating not in feedback.RATINGS:
        raise RequestError(422, "invalid_feedback", f'"rating" must be one of {", ".join(feedback.RATINGS)}')
    return feedback.Feedback(question, intent, float(confidence), rating)


def create_app(bot: Chatbot, settings: Settings | None = None, *, store: SessionStore | None = None) -> Starlette:
    """The ASGI application: routes, CORS for the allowed origins, and JSON errors for every failure."""
    settings = settings or bot.settings
    for origin in settings.allowed_origins:
        if origin != "*" and not ORIGIN.fullmatch(origin):
            raise InputError(f"{origin!r} is not a web origin: write scheme://host[:port], "
                             "such as https://help.example.com, with no path or trailing slash")
    owned = store is None
    store = open_store(settings) if store is None else store
    observer = Observer(Metrics(), log_questions=settings.log_questions)
    limits = ClientLimits(settings)
    log = None
    if settings.unanswered_log is not None:
        log = unanswered.BackgroundLog(unanswered.UnansweredLog(
            settings.unanswered_log, max_bytes=settings.unanswered_log_max_bytes, warn=server_log.warning))
    service = ChatService(bot, settings, store, bot.topics(), observer, limits, log)
    sockets = SocketIOChannel(service, observer)
    spec = openapi(settings, bot.content.guide.subject)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        if log is not None:
            log.close()
        if owned:
            await store.close()

    async def describe(request: Request) -> Response:
        return JSONResponse(spec)

    routes = [
        Route("/v1/chat", service.chat, methods=["POST"]),
        Route("/v1/topics", service.topics, methods=["GET"]),
        Route("/v1/config", service.config, methods=["GET"]),
        Route("/v1/feedback", service.feedback, methods=["POST"]),
        Route("/metrics", service.metrics, methods=["GET"]),
        Route("/healthz", service.health, methods=["GET"]),
        Route("/openapi.json", describe, methods=["GET"]),
        *RasaRestChannel(service).routes(),
    ]
    routes += [Route(path, static(name, media_type), methods=["GET"]) for path, (name, media_type) in STATIC_FILES.items()]
    # Outermost first: Socket.IO's own transport requests never reach the access log (its messages
    # do, one line each); every other request is observed, even one refused by CORS or failing.
    middleware = [Middleware(sockets.wrap), Middleware(ObserveRequests, observer), Middleware(ContainErrors)]
    if settings.allowed_origins:
        middleware.insert(2, Middleware(JSONCORSMiddleware, allow_origins=list(settings.allowed_origins),
                                        allow_methods=["GET", "POST"], allow_headers=["Content-Type", "X-Request-ID"],
                                        expose_headers=["X-Request-ID"], max_age=3600))
    # Inside CORS, so that a 429 carries its headers and a preflight is never counted.
    middleware.insert(len(middleware) - 1, Middleware(LimitClients, limits=limits))
    middleware.insert(0, Middleware(NoSniff))
    app = Starlette(routes=routes, middleware=middleware, exception_handlers=ERROR_HANDLERS, lifespan=lifespan)
    app.router.redirect_slashes = False  # http.slash_redirect redirects without echoing the Host header
    app.state.service = service
    return app


@dataclass(frozen=True)
class ServiceFactory:
    """Builds the app inside a worker process (uvicorn starts workers fresh, so each loads the bot
    itself); picklable, so the supervisor can hand it to every worker it starts or restarts."""

    settings: Settings

    def __call__(self) -> Starlette:
        try:
            app = create_app(Chatbot.load(settings=self.settings), self.settings)
        except ChatbotError as error:  # checked before the workers started, so the data changed since
            logging.getLogger("uvicorn.error").error("chatbot: error: %s", error)
            sys.exit(STARTUP_FAILURE)  # tells the supervisor to stop rather than restart this worker for ever
        gc.freeze()  # the bot's objects are never garbage: spare the collector from scanning them
        return app


def check_store(settings: Settings) -> str | None:
    """Before serving: InputError if the session store cannot serve these workers (an unknown kind,
    memory with several workers, Redis not answering); a warning about its settings, if any."""
    url = check_sessions_url(settings.sessions)
    if settings.workers < 1:
        raise InputError(f"--workers must be at least 1, not {settings.workers}")
    if url == MEMORY:
        if settings.workers > 1:
            raise InputError(f"--workers {settings.workers} needs a session store the workers share: in memory, "
                             "each worker would keep its own conversations and answer follow-ups it never saw. "
                             "Add --sessions redis://localhost:6379/0 (or set CHATBOT_SESSIONS), or run one worker")
        return None
    store = open_store(settings)  # an InputError if the redis package is missing
    from .redis_store import RedisSessionStore

    assert isinstance(store, RedisSessionStore)
    try:
        return store.check()
    except SessionsUnavailable as error:
        raise InputError(f"{error}; start Redis or correct --sessions (CHATBOT_SESSIONS)") from None


def serve(bot: Chatbot, settings: Settings | None = None, *, log_level: str = "info") -> None:
    """Run the service with uvicorn until interrupted: in this process, or as `settings.workers`
    processes on one port (each loads the bot; uvicorn restarts one that dies). Raises InputError
    if it cannot listen or the session store cannot serve."""
    settings = settings or bot.settings
    warning = check_store(settings)
    listener = _listen(settings.host, settings.port)
    if settings.workers == 1:
        config = server_config(create_app(bot, settings), settings, log_level=log_level)
        gc.freeze()  # the bot's objects are never garbage: spare the collector from scanning them
    else:
        del bot  # each worker loads its own; the caller passes this one without keeping it
        config = server_config(ServiceFactory(settings), settings, log_level=log_level,
                               factory=True, workers=settings.workers)
    host, port = listener.getsockname()[:2]
    address = f"[{host}]" if ":" in host else host
    logger = logging.getLogger("uvicorn.error")
    if warning:
        logger.warning(warning)
    logger.info("Chatbot service on http://%s:%d (widget demo at /, API description at /openapi.json); "
                "%s, sessions in %s; Ctrl+C stops it", address, port,
                "1 process" if settings.workers == 1 else f"{settings.workers} workers", _store_name(settings))
    run(config, listener)


def run(config: uvicorn.Config, listener: socket.socket) -> None:
    """Serve `config` on `listener` until interrupted: in this process, or as `config.workers`
    processes under uvicorn's supervisor. On Linux, each worker listens on a socket of its own on
    the same port (SO_REUSEPORT), among which the kernel spreads new connections evenly: on one
    socket they all share, the worker that woke first accepted every connection waiting (45 of a
    burst of 50), and the others stood idle. The benchmark serves its floors through here too."""
    if config.workers == 1:
        uvicorn.Server(config).run(sockets=[listener])
        return
    sockets: list[Any] = [listener]
    if SPREAD_CONNECTIONS:
        host, port = listener.getsockname()[:2]
        listener.close()  # it showed the port is free and resolved port 0; each worker opens its own
        sockets = [WorkerListener(host, port)]
    Multiprocess(config, sockets=sockets).run()


SPREAD_CONNECTIONS = sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")
"""Whether workers get listening sockets of their own: elsewhere SO_REUSEPORT does not balance."""


@dataclass(frozen=True)
class WorkerListener:
    """In uvicorn's list of sockets, the place of the one each worker opens for itself when it is
    unpickled in the new process (uvicorn starts every worker, and every replacement, fresh)."""

    host: str
    port: int

    def __reduce__(self) -> tuple[Any, ...]:
        return _worker_listen, (self.host, self.port)


def _worker_listen(host: str, port: int) -> socket.socket:
    try:
        return _listen(host, port, reuse_port=True)
    except InputError as error:  # another program took the port since the check
        logging.getLogger("uvicorn.error").error("chatbot: error: %s", error)
        sys.exit(STARTUP_FAILURE)  # tells the supervisor to stop rather than restart this worker for ever


def _store_name(settings: Settings) -> str:
    if settings.sessions == MEMORY:
        return "memory"
    from .redis_store import redact

    return f"{redact(settings.sessions)} (keys {settings.sessions_prefix}*)"


def log_config(log_level: str) -> dict[str, Any]:
    """uvicorn's logging, plus the access log's JSON lines as they are on standard error (at `info`
    and below) in place of uvicorn's plain access log. As a dictConfig, so that every worker
    process uvicorn starts sets it up too."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["formatters"]["chatbot_access"] = {"format": "%(message)s"}
    config["handlers"]["chatbot_access"] = {"class": "logging.StreamHandler", "formatter": "chatbot_access",
                                            "stream": "ext://sys.stderr"}
    config["loggers"]["chatbot.access"] = {"handlers": ["chatbot_access"], "level": log_level.upper(),
                                           "propagate": False}
    return config


def server_config(app: Any, settings: Settings, *, log_level: str = "info", **options: Any) -> uvicorn.Config:
    """uvicorn's configuration for the app: our connection protocol with its header limit and
    deadline, and `X-Forwarded-For` left to the service's own trusted-proxy setting."""
    defaults: dict[str, Any] = {"server_header": False, "proxy_headers": False, "access_log": False,
                                "log_config": log_config(log_level)}  # the access log is ours: access_log.py
    return GuardedConfig(app, settings, log_level=log_level, **{**defaults, **options})


def _listen(host: str, port: int, *, reuse_port: bool = False) -> socket.socket:
    """A listening socket, so a busy port or bad address is our clear error rather than a crash.
    It is made with protocol IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say
    so, and without it every response after the first on a kept-alive connection waited about
    40 ms for the client's delayed ACK (uvicorn writes the headers and the body separately).
    `reuse_port`: one of the workers' sockets on the same port (SO_REUSEPORT)."""
    if not 0 <= port <= 65535:
        raise InputError(f"port must be between 0 and 65535, not {port}")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        raise InputError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    listener.listen(2048)
    return listener


