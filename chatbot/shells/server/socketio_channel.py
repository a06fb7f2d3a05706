"""Rasa's Socket.IO channel, at `/socket.io/`: web chat widgets written for Rasa (`rasa-webchat`
and its kin) connect unchanged.

The protocol is Rasa's, with session persistence on: a client asks for a session with
`session_request` (sending the `session_id` it kept, or none), is confirmed with `session_confirm`
and that id, and sends `user_uttered` events (`{"message": ..., "session_id": ...}`); each reply
comes back as `bot_uttered` events, one per paragraph, the suggestions as `quick_replies` on the
last. Every tab that confirmed the same session gets its replies, as in Rasa, so a conversation
carries on across reloads and tabs.

Unlike Rasa, a socket speaks only for the session it confirmed (a `session_id` in a message that
is not the socket's own is ignored), and a refused message (too long, blank) is answered with a
`bot_uttered` that says why rather than with silence.
"""

from __future__ import annotations

import logging
import re
import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import socketio
from starlette.types import ASGIApp

from ...dialogue.reply import Reply
from ...errors import ChatbotError
from .http import RequestError

if TYPE_CHECKING:
    from .access_log import Observer
    from .app import ChatService

PATH = "socket.io"
SESSIONS = "socketio:"
"""Prefix of the store keys of Socket.IO sessions, kept apart from /v1/chat and Rasa REST senders."""
SESSION_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
ROUTE = "/socket.io user_uttered"
"""How a message over Socket.IO shows in the access log and the metrics."""

log = logging.getLogger("chatbot.server")


class SocketIOChannel:
    """The Socket.IO server and its event handlers, answering through the service's turns."""

    def __init__(self, service: ChatService, observer: Observer) -> None:
        self.service = service
        self.observer = observer
        self.allowed_origins = frozenset(service.settings.allowed_origins)
        self.sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins=self.origin_allowed,
                                        max_http_buffer_size=service.settings.max_body_bytes)
        self.sio.on("connect", self.connect)
        self.sio.on("disconnect", self.disconnect)
        self.sio.on("session_request", self.session_request)
        self.sio.on("user_uttered", self.user_uttered)

    def wrap(self, app: ASGIApp) -> ASGIApp:
        """`app` with `/socket.io/` answered by this channel in front of it (an ASGI middleware)."""
        return socketio.ASGIApp(self.sio, other_asgi_app=app, socketio_path=PATH)

    def origin_allowed(self, origin: str, environ: dict[str, Any]) -> bool:
        """A browser may connect from the service's own pages and from the allowed origins (as for CORS)."""
        return ("*" in self.allowed_origins or origin in self.allowed_origins
                or urlsplit(origin).netloc == environ.get("HTTP_HOST"))

    async def connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        self.observer.metrics.connections.inc()

    async def disconnect(self, sid: str, *args: Any) -> None:
        self.observer.metrics.connections.dec()

    async def session_request(self, sid: str, data: Any = None) -> None:
        """Confirm the session the client kept, or a new one; the socket joins it."""
        kept = data.get("session_id") if isinstance(data, dict) else None
        session_id = kept if isinstance(kept, str) and SESSION_ID.fullmatch(kept) else secrets.token_hex(16)
        session = await self.sio.get_session(sid)
        if session.get("session_id") not in (None, session_id):
            await self.sio.leave_room(sid, session["session_id"])
        await self.sio.save_session(sid, {"session_id": session_id})
        await self.sio.enter_room(sid, session_id)
        await self.sio.emit("session_confirm", session_id, to=sid)

    async def user_uttered(self, sid: str, data: Any = None) -> None:
        """Answer a message to every socket of its session (to this socket alone if it has none)."""
        session_id = (await self.sio.get_session(sid)).get("session_id")
        room = session_id or sid
        with self.observer.exchange("EVENT", ROUTE) as exchange:
            try:
                message = self.service.message(data if isinstance(data, dict) else {})
                _, reply = await self.service.converse(SESSIONS + room, message, start=True)
            except RequestError as error:
                exchange.status = error.status
                await self.sio.emit("bot_uttered", {"text": error.message}, to=sid)
                return
            except ChatbotError as error:
                exchange.status = 422
                await self.sio.emit("bot_uttered", {"text": str(error)}, to=sid)
                return
            except Exception:
                log.exception("unexpected error answering a Socket.IO message")
                await self.sio.emit("bot_uttered", {"text": "Something went wrong on our side; please try again."},
                                    to=sid)
                return
            exchange.status = 200
            for utterance in bot_utterances(reply):
                await self.sio.emit("bot_uttered", utterance, to=room)


def bot_utterances(reply: Reply) -> list[dict[str, Any]]:
    """A reply as Rasa's Socket.IO channel sends it: one message per paragraph, the suggestions as
    quick replies on the last one."""
    text = (reply.body or reply.text) if reply.suggestions else reply.text
    messages: list[dict[str, Any]] = [{"text": part} for part in text.strip().split("\n\n") if part.strip()]
    if reply.suggestions:
        messages = messages or [{"text": ""}]
        messages[-1]["quick_replies"] = [{"content_type": "text", "title": s, "payload": s} for s in reply.suggestions]
    return messages
